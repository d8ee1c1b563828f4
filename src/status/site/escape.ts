// Incident titles and messages are typed by people and by Vigil from check output: untrusted.
// Every string that reaches HTML, RSS or Atom passes through `escapeText`, so the one rule lives
// in one place. The same escaping is valid in XML and in HTML text and attribute values.

// Characters XML 1.0 forbids outright; a single one would make the whole feed unparseable.
const NOT_XML =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const SPECIAL = /[&<>"']/g;
const ENTITY: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text made safe for HTML/XML element content and quoted attribute values. */
export function escapeText(text: string): string {
  return text.replace(NOT_XML, '\uFFFD').replace(SPECIAL, (c) => ENTITY[c] ?? c);
}

/** A URL for an href: http(s) and relative links pass; other schemes (javascript:, data:) become "#". */
export function safeHref(url: string): string {
  const trimmed = url.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1];
  if (scheme !== undefined && !/^https?$/i.test(scheme)) return '#';
  return escapeText(trimmed);
}
