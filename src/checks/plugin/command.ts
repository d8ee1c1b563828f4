// Turns a configured plugin command into an argv, without a shell: the command string
// is split into words with shell-like quoting first, then Nagios macros are expanded
// inside each word, so a macro value holding spaces or shell characters stays one
// argument and is never interpreted by a shell.

export interface CommandWord {
  text: string;
  /** The word had quotes: it stays an argument even when it expands to "". */
  quoted: boolean;
}

export type SplitResult = { ok: true; words: CommandWord[] } | { ok: false; error: string };

/** Splits like sh does for words: '...' literal, "..." with \ escaping \ " $ `, and \ outside quotes. */
export function splitCommand(command: string): SplitResult {
  const words: CommandWord[] = [];
  let current = '';
  let inWord = false;
  let quoted = false;
  let at = 0;
  const finish = () => {
    if (inWord) words.push({ text: current, quoted });
    current = '';
    inWord = false;
    quoted = false;
  };
  while (at < command.length) {
    const ch = command[at] as string;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      finish();
      at++;
    } else if (ch === "'") {
      const close = command.indexOf("'", at + 1);
      if (close < 0) return { ok: false, error: `unterminated single quote at column ${at + 1}` };
      current += command.slice(at + 1, close);
      inWord = quoted = true;
      at = close + 1;
    } else if (ch === '"') {
      const start = at;
      at++;
      inWord = quoted = true;
      for (;;) {
        if (at >= command.length)
          return { ok: false, error: `unterminated double quote at column ${start + 1}` };
        const inner = command[at] as string;
        if (inner === '"') {
          at++;
          break;
        }
        const next = command[at + 1];
        if (inner === '\\' && next !== undefined && '\\"$`\n'.includes(next)) {
          if (next !== '\n') current += next;
          at += 2;
        } else {
          current += inner;
          at++;
        }
      }
    } else if (ch === '\\') {
      const next = command[at + 1];
      if (next === undefined) return { ok: false, error: 'trailing backslash' };
      if (next !== '\n') {
        current += next;
        inWord = true;
      }
      at += 2;
    } else {
      current += ch;
      inWord = true;
      at++;
    }
  }
  finish();
  return { ok: true, words };
}

/** Values the Nagios macros of one check run expand to. */
export interface MacroContext {
  hostName: string;
  hostDisplayName: string;
  hostAddress: string;
  serviceDescription?: string;
  serviceDisplayName?: string;
  /** $ARG1$.. $ARGn$ */
  args: readonly string[];
  /** $USERn$, keyed "USER1" (also accepted: "$USER1$" or "1"). */
  userMacros: Readonly<Record<string, string>>;
  /** Custom variables, `$_HOSTFOO$` reads hostVars FOO (names compared case-insensitively). */
  hostVars: Readonly<Record<string, string>>;
  serviceVars: Readonly<Record<string, string>>;
}

export interface Expansion {
  text: string;
  /** Macro names (without `$`) that are not known; left in the text as Nagios does. */
  unknownMacros: string[];
}

const MACRO = /\$([A-Za-z0-9_]*)\$/g;

/** Expands `$NAME$` macros and `$$`; unknown macros stay as written and are reported. */
export function expandMacros(text: string, context: MacroContext, unknownMacros: string[] = []): Expansion {
  const expanded = text.replace(MACRO, (whole, name: string) => {
    if (name === '') return '$';
    const value = macroValue(name, context);
    if (value === undefined) {
      if (!unknownMacros.includes(name)) unknownMacros.push(name);
      return whole;
    }
    return value;
  });
  return { text: expanded, unknownMacros };
}

function macroValue(name: string, context: MacroContext): string | undefined {
  switch (name) {
    case 'HOSTNAME':
      return context.hostName;
    case 'HOSTDISPLAYNAME':
      return context.hostDisplayName;
    case 'HOSTADDRESS':
      return context.hostAddress;
    case 'SERVICEDESC':
      return context.serviceDescription;
    case 'SERVICEDISPLAYNAME':
      return context.serviceDisplayName;
  }
  const numbered = /^(ARG|USER)(\d+)$/.exec(name);
  if (numbered) {
    const n = Number(numbered[2]);
    if (n < 1) return undefined;
    // Nagios expands an $ARGn$ or $USERn$ that was not given to the empty string.
    if (numbered[1] === 'ARG') return context.args[n - 1] ?? '';
    const users = context.userMacros;
    return users[`USER${n}`] ?? users[`$USER${n}$`] ?? users[String(n)] ?? '';
  }
  if (name.startsWith('_HOST')) return customVar(context.hostVars, name.slice(5));
  if (name.startsWith('_SERVICE')) return customVar(context.serviceVars, name.slice(8));
  return undefined;
}

function customVar(vars: Readonly<Record<string, string>>, name: string): string | undefined {
  if (name === '') return undefined;
  const wanted = name.toUpperCase();
  for (const [key, value] of Object.entries(vars)) {
    const normal = key.toUpperCase();
    if (normal === wanted || normal === `_${wanted}`) return value;
  }
  return undefined;
}

export type BuildResult =
  | { ok: true; argv: string[]; unknownMacros: string[] }
  | { ok: false; error: string };

/**
 * Builds the argv of a plugin run. A string command is split then expanded per word;
 * an argv command is expanded per element; `shell` expands the whole string and runs
 * it with `/bin/sh -c` (macro values are then interpreted by the shell, as in Nagios).
 */
export function buildArgv(
  command: string | readonly string[],
  context: MacroContext,
  shell = false,
): BuildResult {
  const unknownMacros: string[] = [];
  if (shell) {
    const script = typeof command === 'string' ? command : command.join(' ');
    return {
      ok: true,
      argv: ['/bin/sh', '-c', expandMacros(script, context, unknownMacros).text],
      unknownMacros,
    };
  }
  if (typeof command !== 'string') {
    const argv = command.map((word) => expandMacros(word, context, unknownMacros).text);
    return argv.length === 0 || argv[0] === ''
      ? { ok: false, error: 'command is empty' }
      : { ok: true, argv, unknownMacros };
  }
  const split = splitCommand(command);
  if (!split.ok) return split;
  const argv: string[] = [];
  for (const word of split.words) {
    const text = expandMacros(word.text, context, unknownMacros).text;
    // An unquoted word that expands to nothing disappears, as it would in the shell
    // Nagios runs commands with (an unset $ARG3$ adds no empty argument).
    if (text !== '' || word.quoted) argv.push(text);
  }
  if (argv.length === 0 || argv[0] === '') return { ok: false, error: 'command is empty' };
  return { ok: true, argv, unknownMacros };
}
