import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  formatPerfDatum,
  NO_OUTPUT,
  parsePerfdata,
  parsePluginOutput,
} from '../../../src/checks/plugin/output.ts';
import type { PerfDatum } from '../../../src/model/types.ts';

const parse = (text: string) => parsePluginOutput(Buffer.from(text, 'utf8'));

describe('parsePluginOutput', () => {
  it('splits status text and perfdata on the first line', () => {
    const r = parse('DISK OK - free space: / 3326 MB (56%); | /=2643MB;5948;5958;0;5968\n');
    assert.equal(r.output, 'DISK OK - free space: / 3326 MB (56%);');
    assert.equal(r.longOutput, '');
    assert.deepEqual(r.perfdata, [
      { label: '/', value: 2643, unit: 'MB', warn: '5948', crit: '5958', min: 0, max: 5968 },
    ]);
    assert.deepEqual(r.warnings, []);
  });

  it('reads long output and perfdata continuing after the first | of the long output', () => {
    const text = [
      'DISK OK - free space: / 3326 MB (56%); | /=2643MB;5948;5958;0;5968',
      '/ 15272 MB (77%);',
      '/boot 68 MB (69%);',
      '/home 69357 MB (27%);',
      '/var/log 819 MB (84%); | /boot=68MB;88;93;0;98',
      '/home=69357MB;253404;253409;0;253414',
      "'/var/log'=818MB;970;975;0;980",
    ].join('\n');
    const r = parse(text);
    assert.equal(r.output, 'DISK OK - free space: / 3326 MB (56%);');
    assert.equal(
      r.longOutput,
      '/ 15272 MB (77%);\n/boot 68 MB (69%);\n/home 69357 MB (27%);\n/var/log 819 MB (84%);',
    );
    assert.deepEqual(
      r.perfdata.map((p) => p.label),
      ['/', '/boot', '/home', '/var/log'],
    );
  });

  it('handles quoted labels, escaped quotes, units, empty fields and U', () => {
    const r = parse("OK | 'my disk''s = label'=12.5%;;;0;100 time=0.003s;1;2 c=10c;;; u=U;;;; neg=-1.5e3us");
    assert.deepEqual(r.perfdata, [
      { label: "my disk's = label", value: 12.5, unit: '%', min: 0, max: 100 },
      { label: 'time', value: 0.003, unit: 's', warn: '1', crit: '2' },
      { label: 'c', value: 10, unit: 'c' },
      { label: 'u', value: Number.NaN, unit: '' },
      { label: 'neg', value: -1500, unit: 'us' },
    ]);
  });

  it('keeps range thresholds as written and unknown units as given', () => {
    const r = parse('OK | load=0.5rps;@10:20;~:30 temp=21degC');
    assert.deepEqual(r.perfdata, [
      { label: 'load', value: 0.5, unit: 'rps', warn: '@10:20', crit: '~:30' },
      { label: 'temp', value: 21, unit: 'degC' },
    ]);
  });

  it('skips malformed items with a warning and keeps the good ones', () => {
    const r = parse("OK | good=1 novalue bad=abc 'unclosed=3 x=1;2;3;zero;4 ok2=2");
    assert.deepEqual(
      r.perfdata.map((p) => p.label),
      ['good'],
    );
    assert.ok(r.warnings.length >= 3, r.warnings.join('\n'));
    assert.ok(r.warnings.some((w) => w.includes('bad=abc')));
    const r2 = parse('OK | a=1 b=x c=3');
    assert.deepEqual(
      r2.perfdata.map((p) => p.label),
      ['a', 'c'],
    );
  });

  it('says clearly when there is no output', () => {
    assert.equal(parse('').output, NO_OUTPUT);
    assert.equal(parse('\n\n  \n').output, NO_OUTPUT);
    assert.equal(parsePluginOutput(Buffer.alloc(0), { emptyOutput: 'nothing' }).output, 'nothing');
  });

  it('replaces invalid UTF-8 and strips control characters', () => {
    const r = parsePluginOutput(
      Buffer.from([0x4f, 0x4b, 0xff, 0xfe, 0x00, 0x07, 0x1b, 0x20, 0x61, 0x0d, 0x0a, 0x62]),
    );
    assert.equal(r.output, 'OK\ufffd\ufffd a');
    assert.equal(r.longOutput, 'b');
  });

  it('handles CRLF line ends', () => {
    const r = parse('WARNING - x | a=1\r\nline two\r\n');
    assert.equal(r.output, 'WARNING - x');
    assert.equal(r.longOutput, 'line two');
    assert.equal(r.perfdata.length, 1);
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        const r = parsePluginOutput(bytes);
        assert.equal(typeof r.output, 'string');
        assert.ok(
          r.output.length > 0 || r.longOutput.length > 0 || r.perfdata.length > 0 || r.warnings.length >= 0,
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on perfdata-like text', () => {
    const alphabet = fc.constantFrom(..."ab=;'| \n\t0123456789.-+eUms%".split(''));
    fc.assert(
      fc.property(fc.string({ unit: alphabet, maxLength: 200 }), (text) => {
        parse(text);
      }),
      { numRuns: 3000 },
    );
  });

  it('round-trips generated well-formed perfdata', () => {
    const label = fc
      .string({ minLength: 1, maxLength: 12 })
      .map((s) => s.replace(/[\u0000-\u001f\u007f-\u009f|]/g, 'x'))
      .filter((s) => s.trim() === s && s !== '');
    const finite = fc.oneof(
      fc.integer({ min: -1e9, max: 1e9 }),
      fc
        .double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 })
        .filter((n) => !Object.is(n, -0)),
    );
    const unit = fc.constantFrom('', 's', 'ms', 'us', '%', 'B', 'KB', 'MB', 'GB', 'TB', 'c', 'rps');
    const threshold = fc.option(fc.constantFrom('10', '@1:2', '~:5', '10:', '-3.5'), { nil: undefined });
    const datum: fc.Arbitrary<PerfDatum> = fc
      .record({
        label,
        value: fc.oneof({ weight: 9, arbitrary: finite }, { weight: 1, arbitrary: fc.constant(Number.NaN) }),
        unit,
        warn: threshold,
        crit: threshold,
        min: fc.option(finite, { nil: undefined }),
        max: fc.option(finite, { nil: undefined }),
      })
      .map((d) => {
        const clean: PerfDatum = { label: d.label, value: d.value, unit: d.unit };
        for (const key of ['warn', 'crit', 'min', 'max'] as const) {
          if (d[key] !== undefined) (clean as unknown as Record<string, unknown>)[key] = d[key];
        }
        return clean;
      });
    fc.assert(
      fc.property(fc.array(datum, { maxLength: 6 }), fc.boolean(), (items, multiline) => {
        const perf = items.map(formatPerfDatum).join(multiline ? '\n' : ' ');
        const r = parse(`OK - fine\nlong text | ${perf}`);
        assert.deepEqual(r.warnings, []);
        assert.deepEqual(r.perfdata, items);
        assert.deepEqual(parsePerfdata(perf), items);
      }),
      { numRuns: 1000 },
    );
  });
});
