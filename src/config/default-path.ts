// Kept apart from the loader so the CLI can name its default without loading the config code.

/** The config path the CLI uses when none is given. */
export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.VIGIL_CONFIG || './vigil.yml';
}
