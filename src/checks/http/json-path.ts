// A small JSONPath subset for `expect_json`: a path picks one value, no wildcards or
// filters. Grammar:
//
//   $                  the whole document
//   .name              object key made of letters, digits, "_", "-" or "$"
//   [3]                array index (0-based)
//   ["any key"]        object key in double or single quotes; \" \' \\ escape
//
// Example: $.items[0]["content-type"]

export type JsonPathStep = { key: string } | { index: number };

export interface JsonPath {
  text: string;
  steps: JsonPathStep[];
}

const NAME = /^[A-Za-z0-9_$-]+/;
const INDEX = /^\[(\d+)\]/;

/** Parses a path, or returns a message saying where it goes wrong. */
export function parseJsonPath(text: string): JsonPath | string {
  if (!text.startsWith('$')) return `JSON path "${text}" must start with "$"`;
  const steps: JsonPathStep[] = [];
  let rest = text.slice(1);
  while (rest !== '') {
    if (rest.startsWith('.')) {
      const name = NAME.exec(rest.slice(1));
      if (!name) return `JSON path "${text}": expected a key name after "." at "${rest}"`;
      steps.push({ key: name[0] });
      rest = rest.slice(1 + name[0].length);
      continue;
    }
    const index = INDEX.exec(rest);
    if (index) {
      steps.push({ index: Number(index[1]) });
      rest = rest.slice(index[0].length);
      continue;
    }
    const quote = rest[1];
    if (rest.startsWith('[') && (quote === '"' || quote === "'")) {
      let key = '';
      let at = 2;
      let closed = false;
      while (at < rest.length) {
        const ch = rest[at] as string;
        if (ch === '\\' && at + 1 < rest.length) {
          key += rest[at + 1];
          at += 2;
          continue;
        }
        if (ch === quote) {
          closed = true;
          break;
        }
        key += ch;
        at++;
      }
      if (!closed || rest[at + 1] !== ']') return `JSON path "${text}": unterminated ["key"] at "${rest}"`;
      steps.push({ key });
      rest = rest.slice(at + 2);
      continue;
    }
    return `JSON path "${text}": expected .key, [index] or ["key"] at "${rest}"`;
  }
  return { text, steps };
}

export type JsonPathResult = { found: true; value: unknown } | { found: false; reason: string };

/** Follows the path through a parsed JSON document. */
export function evaluateJsonPath(document: unknown, path: JsonPath): JsonPathResult {
  let value = document;
  let where = '$';
  for (const step of path.steps) {
    if ('index' in step) {
      if (!Array.isArray(value))
        return { found: false, reason: `${where} is ${jsonType(value)}, not an array` };
      if (step.index >= value.length)
        return { found: false, reason: `${where} has ${value.length} items, no index ${step.index}` };
      value = value[step.index];
      where += `[${step.index}]`;
    } else {
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        return { found: false, reason: `${where} is ${jsonType(value)}, not an object` };
      if (!Object.hasOwn(value, step.key))
        return { found: false, reason: `${where} has no key "${step.key}"` };
      value = (value as Record<string, unknown>)[step.key];
      where += NAME.exec(step.key)?.[0] === step.key ? `.${step.key}` : `[${JSON.stringify(step.key)}]`;
    }
  }
  return { found: true, value };
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
