// Browser test of the web shell: a newcomer starts `fidelis serve --demo`, signs in, opens the
// customer list, searches, opens a profile, and switches the language.
//
// Needs the fidelis binary (FIDELIS_BIN, default ../../target/debug/fidelis) and Debian's
// chromium (CHROMIUM, default /usr/bin/chromium). Screenshots go to SHOTS_DIR when set.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const BIN = process.env.FIDELIS_BIN || resolve(import.meta.dirname, '../../target/debug/fidelis');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = process.env.SHOTS_DIR;
let server, browser, base, password, dataDir;

function startServer() {
  return new Promise((ok, fail) => {
    dataDir = mkdtempSync(join(tmpdir(), 'fidelis-browser-'));
    server = spawn(BIN, ['--data-dir', dataDir, 'serve', '--demo', '--demo-size', '400', '--bind', '127.0.0.1:0'], {
      env: { ...process.env, LANG: 'en_US.UTF-8', FIDELIS_DATABASE_URL: '' },
    });
    let out = '';
    const timer = setTimeout(() => fail(new Error('server did not start:\n' + out)), 60000);
    const onData = (d) => {
      out += d;
      const pw = out.match(/admin \/ (\S+)/);
      const url = out.match(/running at (http:\/\/\S+)/);
      if (pw && url) {
        clearTimeout(timer);
        password = pw[1];
        base = url[1];
        ok();
      }
    };
    server.stdout.on('data', onData);
    server.stderr.on('data', onData);
    server.on('exit', (c) => fail(new Error(`server exited ${c}:\n${out}`)));
  });
}

before(async () => {
  await startServer();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function shot(page, name) {
  if (SHOTS) await page.screenshot({ path: join(SHOTS, name + '.png'), fullPage: true });
}

test('sign in, list, search, profile, switch language', async () => {
  const page = await browser.newPage({ locale: 'en-US' });
  await page.goto(base + '/customers');
  assert.match(page.url(), /\/login/);
  await shot(page, 'login');
  await page.fill('input[name=username]', 'admin');
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/customers/);
  const total = Number(await page.textContent('#total'));
  assert.ok(total >= 400, `the demo has customers (${total})`);
  assert.equal(await page.locator('nav.areas a').count(), 6, 'six areas in the navigation');
  await shot(page, 'customers');

  // Search as you type: htmx swaps the results.
  const name = (await page.locator('a.customer-link').first().textContent()).trim();
  await page.fill('#q', name);
  await page.waitForFunction((n) => {
    const links = [...document.querySelectorAll('a.customer-link')];
    return links.length > 0 && links.every((a) => a.textContent.includes(n));
  }, name);
  const found = Number(await page.textContent('#total'));
  assert.ok(found >= 1 && found < total, `search narrows the list (${found} of ${total})`);
  await shot(page, 'search');

  await page.locator('a.customer-link').first().click();
  await page.waitForURL(/\/customers\/\d+/);
  assert.equal((await page.textContent('#customer-name')).includes(name), true);
  assert.ok(await page.isVisible('section.prefs'), 'preferences at the top');
  assert.ok(Number(await page.textContent('#fig-purchases')) >= 1, 'key figures');
  assert.ok(await page.locator('ul.timeline li').count() >= 1, 'timeline');
  await shot(page, 'profile');

  // Switch to Chinese, then back.
  await page.click('#lang-switch');
  await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
  assert.ok((await page.textContent('section.prefs h2')).includes('客户偏好'));
  assert.ok((await page.textContent('nav.areas')).includes('满意度测评'));
  await shot(page, 'profile-zh');
  await page.click('#lang-switch');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  assert.ok((await page.textContent('section.prefs h2')).includes('Preferences'));

  // A phone-sized screen still shows the list and the search box.
  await page.setViewportSize({ width: 390, height: 800 });
  await page.goto(base + '/customers');
  assert.ok(await page.isVisible('#q'));
  await shot(page, 'phone');
});

test('import a file from the web: counts on success, every bad row on rejection', async () => {
  const page = await browser.newPage({ locale: 'en-US' });
  await page.goto(base + '/login');
  await page.fill('input[name=username]', 'admin');
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/customers/);
  await page.click('#import-link');
  await page.waitForURL(/\/imports$/);

  const upload = async (name, text) => {
    await page.selectOption('#import-kind', 'customers');
    await page.setInputFiles('#import-file', { name, mimeType: 'text/csv', buffer: Buffer.from(text) });
    await page.click('#import-form button[type=submit]');
    await page.waitForURL(/\/imports\?job=\d+/);
    await page.waitForSelector('#import-result');
    return (await page.textContent('#import-result')).trim();
  };
  const ok = await upload('web-new.csv', 'external_id,name,phone\nWEB1,网页导入,13800009999\nWEB2,Web Import,\n');
  assert.match(ok, /Rows: 2 · new: 2/);
  await shot(page, 'import-done');

  const bad = await upload('web-bad.csv', 'external_id,name,birthday\nWEB3,Ok,1990-01-01\nWEB4,Bad,31/12/1990\n');
  assert.match(bad, /Rejected/);
  const cells = await page.locator('#import-job tbody td').allTextContents();
  assert.deepEqual(cells.slice(0, 2), ['3', 'birthday']);
  await shot(page, 'import-rejected');
  assert.ok((await page.textContent('#recent-imports')).includes('web-bad.csv'), 'listed among recent imports');

  // The imported customer is there; the rejected file stored nothing.
  await page.goto(base + '/customers?q=WEB');
  assert.equal(Number(await page.textContent('#total')), 2);
});

test('churn page: the demo analysis in charts, a new run followed live, the value on a profile', async () => {
  const page = await browser.newPage({ locale: 'en-US' });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(base + '/login');
  await page.fill('input[name=username]', 'analyst');
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/customers/);
  await page.click('nav.areas a[href="/churn"]');
  await page.waitForURL(/\/churn$/);

  // The demo store was analysed on first start: figures and every chart drawn.
  assert.ok(Number(await page.textContent('#fig-customers')) >= 300, 'customers analysed');
  assert.match(await page.textContent('#fig-churn-p-alive'), /%/);
  for (const id of ['chart-p-alive', 'chart-clv', 'chart-rfm', 'chart-pareto', 'chart-cohorts', 'chart-trend', 'chart-churn-cohort', 'chart-tracking', 'chart-holdout']) {
    await page.waitForSelector(`#${id}[data-ready="1"] canvas`, { timeout: 10000 });
  }
  assert.ok(await page.locator('#at-risk tbody tr').count() >= 1, 'win-back list');
  assert.ok(await page.locator('#segments tbody tr').count() >= 3, 'by segment');
  await shot(page, 'churn');
  const before = Number((await page.textContent('#churn-run-info')).match(/#(\d+)/)[1]);

  // A new analysis from the form: the page follows it, then shows its results.
  await page.fill('input[name=horizon_months]', '6');
  await page.click('#run-submit');
  await page.waitForURL(/\/churn\?run=\d+/);
  await page.waitForFunction((b) => {
    const info = document.getElementById('churn-run-info');
    const m = info && info.textContent.match(/#(\d+)/);
    return m && Number(m[1]) > b;
  }, before, { timeout: 30000 });
  assert.match(await page.textContent('#fig-expected + small, #fig-expected ~ small'), /6 months/);

  // The export link gives a CSV with every analysed customer.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
  const csv = await (await download.createReadStream()).toArray();
  const lines = Buffer.concat(csv).toString('utf8').trim().split('\n');
  assert.equal(lines.length - 1, Number(await page.textContent('#fig-customers')));

  // A customer at risk: the profile shows the same P(alive) and the flag.
  const p = (await page.locator('#at-risk tbody tr').first().locator('td').nth(1).textContent()).trim();
  await page.locator('#at-risk tbody tr a').first().click();
  await page.waitForURL(/\/customers\/\d+/);
  assert.equal((await page.textContent('#value-p-alive')).trim(), p);
  assert.ok(await page.isVisible('#flag-at-risk'));
  await shot(page, 'profile-value');

  // In Chinese.
  await page.goto(base + '/churn');
  await page.click('#lang-switch');
  await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
  assert.ok((await page.textContent('h1')).includes('客户流失与价值'));
  await page.waitForSelector('#chart-trend[data-ready="1"] canvas');
  await shot(page, 'churn-zh');
  await page.click('#lang-switch');
  assert.deepEqual(errors, [], 'no script errors');
});
