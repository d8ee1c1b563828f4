import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { selfChecksOn } from '../../src/cli/commands/demo.ts';
import { loadModelOrFail } from '../../src/cli/fail.ts';

const demoConfig = fileURLToPath(new URL('../../examples/demo/vigil.yml', import.meta.url));

test('with --listen on another port, the demo checks its own API there; other checks keep their ports', async () => {
  const model = await loadModelOrFail(demoConfig);
  assert.equal(selfChecksOn(model, 8470), model);
  const moved = selfChecksOn(model, 18470);
  assert.equal(moved.hosts.get('localhost')?.check?.params.port, 18470);
  assert.equal(moved.services.get('localhost/vigil-api')?.check.params.port, 18470);
  assert.equal(moved.services.get('localhost/closed-port')?.check.params.port, 9);
  // The loaded model itself is left as it was.
  assert.equal(model.services.get('localhost/vigil-api')?.check.params.port, 8470);
});
