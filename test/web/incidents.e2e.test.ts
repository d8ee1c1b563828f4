// The incidents page in a real browser against a real daemon: a failure drafts an incident,
// the operator sees it appear with its countdown, holds it, posts an update and publishes it.
import assert from 'node:assert/strict';
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pino from 'pino';
import type { Browser } from 'playwright-core';
import { addUser } from '../../src/api/auth/accounts.ts';
import type { Daemon } from '../../src/api/daemon.ts';
import { startDaemon } from '../../src/cli/daemon.ts';
import { loadConfig } from '../../src/config/load.ts';
import { freePort } from '../helpers/cli.ts';
import { tempDir } from '../helpers/model.ts';
import { browserMissing, launchChromium, screenshotPath } from './browser.ts';

const skip = browserMissing();
const PASSWORD = 'correct horse battery staple';
const HOSTILE = '<img src=x onerror="window.__pwned=1">Checkout <b>fixed</b>';
let daemon: Daemon;
let browser: Browser;
let baseUrl: string;
let stateFile: string;

before(async () => {
  if (skip) return;
  const dir = await tempDir('vigil-web-incidents-');
  const port = await freePort();
  stateFile = path.join(dir, 'web.state');
  const plugin = path.join(dir, 'check_web.sh');
  await writeFile(plugin, '#!/bin/sh\nread code text < "$1"\necho "$text"\nexit "$code"\n');
  await chmod(plugin, 0o755);
  await writeFile(stateFile, '0 web OK\n');
  const configPath = path.join(dir, 'vigil.yml');
  await writeFile(
    configPath,
    `settings:
  listen: 127.0.0.1:${port}
  status_site:
    title: Example Status
    publish_delay: 10m
templates:
  quick: { interval: 1s, retry_interval: 300ms, max_attempts: 2 }
hosts:
  - name: web-1
    use: quick
    check: { command: [/bin/sh, ${JSON.stringify(plugin)}, ${JSON.stringify(stateFile)}] }
components:
  Shop:
    match: { hosts: [web-1] }
`,
  );
  const loaded = await loadConfig(configPath);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  daemon = await startDaemon({ configPath, model: loaded.model, log: pino({ level: 'silent' }) });
  baseUrl = `http://${daemon.apiAddress}`;
  const made = await addUser(
    daemon.store,
    { username: 'olivia', role: 'operator', password: PASSWORD },
    Date.now(),
  );
  if (typeof made === 'string') throw new Error(made);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await daemon?.stop();
});

test('an operator sees a draft appear, holds it, posts an update and publishes it', { skip }, async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
  });
  page.on('pageerror', (error) => problems.push(String(error)));

  await page.goto(`${baseUrl}/incidents`);
  await page.fill('#login-username', 'olivia');
  await page.fill('#login-password', PASSWORD);
  await Promise.all([page.waitForURL(`${baseUrl}/incidents`), page.click('button[type="submit"]')]);
  assert.match(await page.locator('#drafts-title + p').innerText(), /No drafts/);

  // The host fails: a draft shows up by itself (the fragment refreshes every 10 s).
  await writeFile(stateFile, '2 web down\n');
  const draft = page.locator('#incidents .incident-draft');
  await draft.waitFor({ timeout: 40_000 });
  assert.match(await draft.locator('.incident-title').innerText(), /Shop is unavailable/);
  const countdown = draft.locator('.countdown');
  assert.match(await countdown.innerText(), /Goes public automatically in \d+m \d\ds unless held/);

  // Hold: confirmed in a dialog; the countdown gives way to who holds it.
  await draft.locator('[data-incident-action="hold"]').click();
  await page.waitForSelector('#incident-confirm-dialog[open]');
  assert.match(await page.locator('#incident-confirm-question').innerText(), /Hold #\d+/);
  await page.click('#incident-confirm-dialog button[type="submit"]');
  await page.waitForSelector('#incidents .incident-draft .held', { timeout: 10_000 });
  assert.match(await page.locator('#incidents .incident-draft .held').innerText(), /held by olivia/);

  // An update with a phase and a message (markup in it stays text).
  await page.locator('#incidents .incident-draft [data-incident-action="update"]').click();
  await page.waitForSelector('#incident-update-dialog[open]');
  await page.selectOption('#incident-phase', 'identified');
  await page.fill('#incident-message', HOSTILE);
  await page.click('#incident-update-dialog button[type="submit"]');
  await page.waitForFunction(
    (text) =>
      [...document.querySelectorAll('#incidents .incident-draft .message')].some(
        (p) => p.textContent === text,
      ),
    HOSTILE,
    { timeout: 10_000 },
  );
  assert.match(
    await page.locator('#incidents .incident-draft .badge.phase').first().innerText(),
    /Identified/,
  );

  // Publish now.
  await page.locator('#incidents .incident-draft [data-incident-action="publish"]').click();
  await page.waitForSelector('#incident-confirm-dialog[open]');
  await page.click('#incident-confirm-dialog button[type="submit"]');
  const published = page.locator('#incidents .incident-published');
  await published.waitFor({ timeout: 10_000 });
  assert.match(await published.innerText(), /Public since/);
  assert.equal(await page.locator('#incidents .incident-draft').count(), 0);
  assert.equal(await page.locator('[data-figure="incidents"]').innerText(), '1');
  assert.equal(await page.evaluate(() => (window as { __pwned?: number }).__pwned), undefined);
  await page.screenshot({ path: screenshotPath('incidents'), fullPage: true });
  assert.deepEqual(problems, [], 'no script errors and no Content-Security-Policy violations');
  const [stored] = await daemon.store.incidents.list({ statuses: ['published'] });
  assert.equal(stored?.phase, 'identified');
});
