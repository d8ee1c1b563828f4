// Every byte of HTML the dashboard sends is built here. Interpolations are escaped unless
// they are already `Html` (the output of this helper, or `raw()` for trusted fragments):
// plugin output, comments, names and every other stored string are untrusted.

/** Markup that is safe to send as is. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** What a template may interpolate; null, undefined and false render as nothing. */
export type Interpolation = Html | string | number | boolean | null | undefined | readonly Interpolation[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes text for element content and for quoted attribute values alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c] as string);
}

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** The tagged template every page and fragment is written with. */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Html {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i] as Interpolation) + (strings[i + 1] ?? '');
  return new Html(out);
}

/** Marks a fragment as trusted markup. Only for text this program wrote itself, never stored data. */
export function raw(trusted: string): Html {
  return new Html(trusted);
}

/**
 * JSON that can sit inside a `<script type="application/json">` block or an attribute:
 * `<`, `>` and `&` cannot end the block or start an entity, and U+2028/2029 are escaped
 * for old JavaScript parsers.
 */
export function safeJson(value: unknown): string {
  return (JSON.stringify(value) ?? 'null').replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
