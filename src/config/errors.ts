/** A problem in the configuration, with the place it was found. Line 0 means the whole file. */
export interface ConfigError {
  file: string;
  line: number;
  message: string;
}

export function formatConfigError(error: ConfigError): string {
  return error.line > 0 ? `${error.file}:${error.line}: ${error.message}` : `${error.file}: ${error.message}`;
}
