#!/usr/bin/env node
// Vigil runs its TypeScript sources directly through tsx: no build step between a
// checkout and a running daemon.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
