import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { escapeHtml, html, raw, safeJson } from '../../web/html.ts';

test('any string interpolated into text or a quoted attribute cannot open a tag or leave the attribute', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), fc.string(), (value, other) => {
      const out = html`<p title="${value}" data-x='${other}'>${value}</p>`.text;
      const inner = out.slice('<p title="'.length, out.length - '</p>'.length);
      // Everything the template did not write itself is free of markup characters.
      const [attribute, rest] = [inner.slice(0, inner.indexOf('"')), inner.slice(inner.indexOf('"'))];
      assert.doesNotMatch(attribute, /[<>"']/);
      assert.ok(rest.startsWith(`" data-x='`));
      const text = rest.slice(rest.indexOf(`'>`) + 2);
      assert.doesNotMatch(text, /[<>"']/);
      assert.equal(decode(text), value);
      assert.equal(decode(attribute), value);
    }),
  );
});

test('nested templates and arrays are not escaped twice; raw() is taken as written', () => {
  const rows = ['a<b', 'c&d'].map((s) => html`<li>${s}</li>`);
  assert.equal(html`<ul>${rows}</ul>`.text, '<ul><li>a&lt;b</li><li>c&amp;d</li></ul>');
  assert.equal(html`${null}${undefined}${false}${0}`.text, '0');
  assert.equal(html`<i>${raw('<b>x</b>')}</i>`.text, '<i><b>x</b></i>');
  assert.equal(escapeHtml(`<script>"'\``), '&lt;script&gt;&quot;&#39;&#96;');
});

test('JSON for a page cannot close its script block and parses back to the same value', () => {
  fc.assert(
    fc.property(fc.jsonValue(), fc.string(), (value, text) => {
      for (const v of [value, { text, tail: '</script><!--\u2028\u2029&' }]) {
        const out = safeJson(v);
        assert.doesNotMatch(out, /[<>&\u2028\u2029]/);
        assert.deepEqual(JSON.parse(out), JSON.parse(JSON.stringify(v)));
      }
    }),
  );
});

function decode(text: string): string {
  return text.replace(
    /&(amp|lt|gt|quot|#39|#96);/g,
    (_, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#96': '`' })[name] as string,
  );
}
