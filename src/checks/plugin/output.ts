// Parses what a Nagios / Monitoring Plugins plugin printed, following the Monitoring
// Plugins development guidelines:
//
//   TEXT OUTPUT | OPTIONAL PERFDATA
//   LONG TEXT LINE 1
//   LONG TEXT LINE 2 | PERFDATA LINE 2
//   PERFDATA LINE 3
//
// The first `|` of the long output switches to perfdata for the rest of the text.
import type { PerfDatum } from '../../model/types.ts';

export interface PluginOutput {
  /** First line without perfdata. */
  output: string;
  /** Remaining lines without perfdata, joined with "\n". */
  longOutput: string;
  perfdata: PerfDatum[];
  /** Problems found while parsing, e.g. a malformed perfdata item that was skipped. */
  warnings: string[];
}

export interface ParseOptions {
  /** Used as `output` when the plugin printed nothing. */
  emptyOutput?: string;
}

export const NO_OUTPUT = '(No output returned from plugin)';

const decoder = new TextDecoder('utf-8', { fatal: false });
// C0 controls except tab and newline, DEL, C1 controls. Carriage returns go too, so
// "\r\n" line ends read as "\n".
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
const NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;
const VALUE_AND_UNIT = /^([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|U)([^\d;]*)$/;

/** Never throws: any bytes give a result, with problems reported in `warnings`. */
export function parsePluginOutput(stdout: Buffer | Uint8Array, opts: ParseOptions = {}): PluginOutput {
  const text = decoder.decode(stdout).replace(CONTROL_CHARACTERS, '');
  const warnings: string[] = [];
  const perfdataText: string[] = [];

  const firstBreak = text.indexOf('\n');
  const firstLine = firstBreak < 0 ? text : text.slice(0, firstBreak);
  const rest = firstBreak < 0 ? '' : text.slice(firstBreak + 1);

  const firstPipe = firstLine.indexOf('|');
  let output = firstPipe < 0 ? firstLine : firstLine.slice(0, firstPipe);
  if (firstPipe >= 0) perfdataText.push(firstLine.slice(firstPipe + 1));

  const restPipe = rest.indexOf('|');
  let longOutput = restPipe < 0 ? rest : rest.slice(0, restPipe);
  if (restPipe >= 0) perfdataText.push(rest.slice(restPipe + 1));

  output = output.trim();
  longOutput = longOutput.replace(/\s+$/, '').replace(/^\n+/, '');
  if (output === '' && longOutput === '' && perfdataText.length === 0) {
    output = opts.emptyOutput ?? NO_OUTPUT;
  }

  const perfdata: PerfDatum[] = [];
  for (const chunk of perfdataText) parsePerfdata(chunk, perfdata, warnings);
  return { output, longOutput, perfdata, warnings };
}

/** Parses space-separated `'label'=value[UOM];[warn];[crit];[min];[max]` items into `into`. */
export function parsePerfdata(text: string, into: PerfDatum[] = [], warnings: string[] = []): PerfDatum[] {
  let at = 0;
  const length = text.length;
  while (at < length) {
    while (at < length && isSpace(text.charCodeAt(at))) at++;
    if (at >= length) break;
    const itemStart = at;
    let label = '';
    let labelOk = true;
    if (text[at] === "'") {
      // Quoted label: may hold spaces and '='; '' stands for one quote.
      at++;
      let closed = false;
      while (at < length) {
        const ch = text[at];
        if (ch === "'") {
          if (text[at + 1] === "'") {
            label += "'";
            at += 2;
            continue;
          }
          at++;
          closed = true;
          break;
        }
        label += ch;
        at++;
      }
      if (!closed || text[at] !== '=') labelOk = false;
    } else {
      while (at < length && text[at] !== '=' && !isSpace(text.charCodeAt(at))) at++;
      label = text.slice(itemStart, at);
      if (text[at] !== '=') labelOk = false;
    }
    const equals = at;
    // The item ends at the next whitespace after the '=' (values never hold spaces).
    let end = at;
    while (end < length && !isSpace(text.charCodeAt(end))) end++;
    const item = text.slice(itemStart, end);
    at = end;
    if (!labelOk || label === '') {
      warnings.push(`perfdata item "${item}" skipped: expected label=value`);
      continue;
    }
    const datum = parseFields(label, text.slice(equals + 1, end));
    if (typeof datum === 'string') warnings.push(`perfdata item "${item}" skipped: ${datum}`);
    else into.push(datum);
  }
  return into;
}

function parseFields(label: string, fields: string): PerfDatum | string {
  const [valueField = '', warn = '', crit = '', min = '', max = ''] = fields.split(';');
  const match = VALUE_AND_UNIT.exec(valueField);
  if (match === null) return `value "${valueField}" is not a number`;
  const rawValue = match[1] as string;
  // "U" means the plugin could not determine the value; it is kept as NaN.
  const datum: PerfDatum = {
    label,
    value: rawValue === 'U' ? Number.NaN : Number(rawValue),
    unit: match[2] ?? '',
  };
  if (warn !== '') datum.warn = warn;
  if (crit !== '') datum.crit = crit;
  if (min !== '') {
    if (!NUMBER.test(min)) return `min "${min}" is not a number`;
    datum.min = Number(min);
  }
  if (max !== '') {
    if (!NUMBER.test(max)) return `max "${max}" is not a number`;
    datum.max = Number(max);
  }
  return datum;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10;
}

/** Writes a datum as plugin perfdata; the inverse of parsePerfdata for one item. */
export function formatPerfDatum(datum: PerfDatum): string {
  const needsQuotes = /[\s'=]/.test(datum.label);
  const label = needsQuotes ? `'${datum.label.replaceAll("'", "''")}'` : datum.label;
  const value = Number.isNaN(datum.value) ? 'U' : String(datum.value);
  const fields = [
    `${value}${datum.unit}`,
    datum.warn ?? '',
    datum.crit ?? '',
    datum.min === undefined ? '' : String(datum.min),
    datum.max === undefined ? '' : String(datum.max),
  ];
  while (fields.length > 1 && fields[fields.length - 1] === '') fields.pop();
  return `${label}=${fields.join(';')}`;
}
