import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { z } from 'zod';
import { escapeText, safeHref } from '../../src/status/site/escape.ts';
import { renderSite } from '../../src/status/site/render-site.ts';
import { syntheticSnapshot } from '../../src/status/site/synthetic-snapshot.ts';
import type { StatusSnapshot } from '../../src/status/snapshot.ts';

const EVIL = '<script>alert("x")</script>&<img src=x onerror=alert(1)>';

function hostileSnapshot(): StatusSnapshot {
  const base = syntheticSnapshot({ components: 4, incidents: 6, products: 2 });
  const [first, ...rest] = base.incidents;
  assert.ok(first);
  return {
    ...base,
    title: `Status ${EVIL}`,
    components: base.components.map((c, i) => (i === 0 ? { ...c, description: EVIL } : c)),
    incidents: [
      {
        ...first,
        title: `Outage ${EVIL}`,
        postmortemUrl: 'javascript:alert(1)',
        updates: first.updates.map((u) => ({ ...u, message: `${EVIL} \u0001 bad control char ]]>` })),
      },
      ...rest,
    ],
    maintenance: base.maintenance.map((m) => ({ ...m, title: EVIL, message: EVIL })),
  };
}

/** A strict XML parse (Python's expat): throws on anything not well-formed. */
function parseXml(text: string): void {
  execFileSync(
    'python3',
    ['-c', 'import sys, xml.dom.minidom; xml.dom.minidom.parseString(sys.stdin.buffer.read())'],
    {
      input: text,
    },
  );
}

describe('status site rendering', () => {
  test('incident text with HTML is escaped in pages, RSS and Atom, and the feeds stay well-formed XML', () => {
    const files = renderSite(hostileSnapshot());
    for (const [path, content] of files) {
      if (!/\.(html|rss|atom)$/.test(path)) continue;
      assert.ok(!content.includes('<script'), `${path} contains a raw <script`);
      assert.ok(!content.includes('<img src=x'), `${path} contains a raw <img`);
      assert.ok(!content.includes('\u0001'), `${path} contains a control character`);
      assert.ok(!content.includes('javascript:'), `${path} links to javascript:`);
    }
    const page = files.get('incidents/1.html') ?? '';
    assert.match(page, /Outage &lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;/);
    parseXml(files.get('feed.rss') ?? '');
    parseXml(files.get('feed.atom') ?? '');
    assert.match(files.get('feed.atom') ?? '', /&lt;script&gt;/);
    // Escaped text stays text in JSON (JSON is not HTML) and round-trips exactly.
    const summary = JSON.parse(files.get('api/v2/incidents.json') ?? '{}');
    assert.ok(summary.incidents.some((i: { name: string }) => i.name === `Outage ${EVIL}`));
  });

  test('escapeText: no markup survives, entities decode back to the text (property)', () => {
    const decode = (s: string) =>
      s.replace(
        /&lt;|&gt;|&quot;|&#39;|&amp;/g,
        (e) => ({ '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&amp;': '&' })[e] ?? e,
      );
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        const escaped = escapeText(text);
        assert.ok(!/[<>"']/.test(escaped));
        assert.equal(decode(escaped), text);
      }),
    );
    fc.assert(
      fc.property(fc.string(), (text) => {
        // Any string in a title keeps the feed parseable.
        assert.ok(!/[<>"'\u0000-\u0008]/.test(escapeText(text)));
      }),
    );
    assert.equal(safeHref('javascript:alert(1)'), '#');
    assert.equal(safeHref('https://example.com/pm?a=1&b=2'), 'https://example.com/pm?a=1&amp;b=2');
  });

  test('the JSON API has its documented shape', () => {
    const files = renderSite(syntheticSnapshot({ components: 12, incidents: 80 }));
    const page = z.strictObject({
      id: z.string(),
      name: z.string(),
      url: z.string(),
      time_zone: z.string(),
      updated_at: z.iso.datetime(),
    });
    const status = z.strictObject({
      indicator: z.enum(['none', 'minor', 'major', 'critical', 'maintenance']),
      description: z.string().min(1),
    });
    const component = z.strictObject({
      id: z.string().regex(/^[a-z0-9-]+$/),
      name: z.string(),
      description: z.string(),
      status: z.enum([
        'operational',
        'degraded_performance',
        'partial_outage',
        'major_outage',
        'under_maintenance',
      ]),
      position: z.number().int(),
      group_id: z.string().nullable(),
      group: z.boolean(),
      components: z.array(z.string()),
      uptime: z.strictObject({
        days: z.number(),
        availability_percent: z.number().nullable(),
        target_percent: z.number().nullable(),
      }),
    });
    const update = z.strictObject({
      id: z.string(),
      status: z.enum(['investigating', 'identified', 'monitoring', 'resolved']),
      body: z.string(),
      created_at: z.iso.datetime(),
      display_at: z.iso.datetime(),
    });
    const incident = z.strictObject({
      id: z.string(),
      name: z.string(),
      status: z.enum(['investigating', 'identified', 'monitoring', 'resolved']),
      impact: z.enum(['none', 'minor', 'major', 'critical', 'maintenance']),
      started_at: z.iso.datetime(),
      created_at: z.iso.datetime(),
      updated_at: z.iso.datetime(),
      resolved_at: z.iso.datetime().nullable(),
      shortlink: z.url(),
      postmortem_url: z.string().nullable(),
      components: z.array(z.strictObject({ id: z.string(), name: z.string() })),
      incident_updates: z.array(update).min(1),
    });
    const maintenance = z.strictObject({
      id: z.string(),
      name: z.string(),
      status: z.enum(['scheduled', 'in_progress', 'completed']),
      impact: z.literal('maintenance'),
      scheduled_for: z.iso.datetime(),
      scheduled_until: z.iso.datetime(),
      components: z.array(z.strictObject({ id: z.string(), name: z.string() })),
      incident_updates: z.array(
        z.object({ id: z.string(), status: z.string(), body: z.string(), created_at: z.iso.datetime() }),
      ),
    });
    const read = (path: string) => JSON.parse(files.get(path) ?? 'null');
    const summary = z
      .strictObject({
        page,
        status,
        components: z.array(component),
        incidents: z.array(incident),
        scheduled_maintenances: z.array(maintenance),
      })
      .parse(read('api/v2/summary.json'));
    assert.equal(summary.components.length, 12);
    assert.ok(
      summary.incidents.every((i) => i.resolved_at === null),
      'summary lists open incidents only',
    );
    z.strictObject({ page, status }).parse(read('api/v2/status.json'));
    z.strictObject({ page, components: z.array(component) }).parse(read('api/v2/components.json'));
    const incidents = z
      .strictObject({ page, incidents: z.array(incident) })
      .parse(read('api/v2/incidents.json'));
    assert.equal(incidents.incidents.length, 50);
    z.strictObject({ page, scheduled_maintenances: z.array(maintenance) }).parse(
      read('api/v2/scheduled-maintenances.json'),
    );
  });

  test('the home page stays under 100 KB with 50 components and 1,000 incidents; history is paginated', () => {
    for (const products of [10, 50]) {
      const files = renderSite(syntheticSnapshot({ components: 50, incidents: 1000, products }));
      const home = files.get('index.html') ?? '';
      assert.ok(
        Buffer.byteLength(home) < 100_000,
        `index.html is ${Buffer.byteLength(home)} bytes with ${products} products`,
      );
      assert.equal((home.match(/<svg class="bar"/g) ?? []).length, 50, 'every component has its uptime bar');
      assert.ok(files.has('history-10.html') && !files.has('history-11.html'));
      assert.equal(files.size > 1000, true, 'one page per incident');
    }
  });

  test('pages are accessible without JavaScript: landmarks, text for every colour, bar alternatives', () => {
    const files = renderSite(syntheticSnapshot({ components: 5, incidents: 20, products: 2 }));
    const home = files.get('index.html') ?? '';
    assert.doesNotMatch(home, /<script/);
    for (const landmark of [
      '<header>',
      '<nav aria-label="Site">',
      '<main id="main">',
      '<footer>',
      'lang="en"',
    ])
      assert.ok(home.includes(landmark), landmark);
    assert.match(home, /<svg class="bar"[^>]*role="img" aria-label="Last 90 days: [^"]+"/);
    assert.match(home, /<rect [^>]*><title>[^<]+<\/title><\/rect>/);
    assert.match(home, /<span class="status">(Operational|Partial outage)<\/span>/);
    assert.match(home, /name="viewport"/);
    const uptime = files.get('uptime.html') ?? '';
    assert.match(uptime, /available \d+(\.\d+)? % since \d+ \w+ \d{4}: \d+ incidents?, /);
  });
});
