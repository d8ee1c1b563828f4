import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Model, SourcePlace } from '../model/types.ts';
import { type ConfigError, formatConfigError } from './errors.ts';
import { resolveModel } from './resolve.ts';
import { fileSchema, type RawFile } from './schema.ts';
import { parseYamlWithPositions, YamlSyntaxError } from './yaml-positions.ts';

/** One validated config file, with a way to find the line of any value in it. */
export interface ParsedFile {
  file: string;
  content: RawFile;
  placeOf(pathInFile: readonly (string | number)[]): SourcePlace;
}

export type LoadResult = { ok: true; model: Model; files: string[] } | { ok: false; errors: ConfigError[] };

/** Loads a config file, or every `*.yml` / `*.yaml` file under a directory, and resolves the model. */
export async function loadConfig(configPath: string): Promise<LoadResult> {
  let files: string[];
  let baseDir: string;
  try {
    const isDirectory = (await stat(configPath)).isDirectory();
    baseDir = path.resolve(isDirectory ? configPath : path.dirname(configPath));
    files = isDirectory ? await directoryFiles(configPath) : [configPath];
  } catch (error) {
    return { ok: false, errors: [{ file: configPath, line: 0, message: describeIoError(error) }] };
  }
  if (files.length === 0) {
    return {
      ok: false,
      errors: [{ file: configPath, line: 0, message: 'no .yml or .yaml files in this directory' }],
    };
  }
  const errors: ConfigError[] = [];
  const parsed: ParsedFile[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      errors.push({ file, line: 0, message: describeIoError(error) });
      continue;
    }
    const result = parseConfigText(file, text);
    if ('errors' in result) errors.push(...result.errors);
    else parsed.push(result);
  }
  if (errors.length > 0) return { ok: false, errors };
  const resolved = resolveModel(parsed, baseDir);
  if (!resolved.ok) return resolved;
  return { ok: true, model: resolved.model, files };
}

/** Parses and validates one file's text. Exported for tests and for config given inline. */
export function parseConfigText(file: string, text: string): ParsedFile | { errors: ConfigError[] } {
  let parsed: ReturnType<typeof parseYamlWithPositions>;
  try {
    parsed = parseYamlWithPositions(text);
  } catch (error) {
    if (error instanceof YamlSyntaxError)
      return { errors: [{ file, line: error.line, message: `YAML: ${error.message}` }] };
    throw error;
  }
  const placeOf = (pathInFile: readonly (string | number)[]): SourcePlace => ({
    file,
    line: parsed.lineOf(pathInFile),
  });
  const data = parsed.data ?? {};
  const validated = fileSchema.safeParse(data);
  if (!validated.success) {
    return {
      errors: validated.error.issues.map((issue) => {
        const issuePath = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
        return { ...placeOf(issuePath), message: describeIssue(issuePath, issue.message, issue) };
      }),
    };
  }
  return { file, content: validated.data, placeOf };
}

async function directoryFiles(configPath: string): Promise<string[]> {
  const entries = await readdir(configPath, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name) && !e.name.startsWith('.'))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

function describeIssue(
  issuePath: (string | number)[],
  message: string,
  issue: { code: string; keys?: string[] },
): string {
  const where = issuePath.length > 0 ? `${issuePath.join('.')}: ` : '';
  if (issue.code === 'unrecognized_keys' && issue.keys) {
    return `${where}unknown setting${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  }
  return `${where}${message}`;
}

function describeIoError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}
