// Browser test of the web shell: a newcomer starts `fidelis serve --demo`, signs in, opens the
// customer list, searches, opens a profile, and switches the language; imports, the churn
// page and the survey pages with the public form on a phone.
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
// Everything the server printed, for a failing test to show.
let serverLog = '';

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
      serverLog = (serverLog + d).slice(-20000);
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

// Anything the Content-Security-Policy refused on any page of any test (the last test checks).
const cspViolations = [];
function watchCsp(page) {
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to (execute|load|apply)/.test(m.text())) {
      cspViolations.push(page.url() + ': ' + m.text());
    }
  });
  return page;
}

before(async () => {
  await startServer();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const newPage = browser.newPage.bind(browser);
  browser.newPage = async (...a) => watchCsp(await newPage(...a));
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (...a) => {
    const c = await newContext(...a);
    c.on('page', watchCsp);
    return c;
  };
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

// Sign in through the form as `user` and wait for the home page.
async function signIn(page, user) {
  await page.goto(base + '/login');
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('#attention');
}

// The screenshots in docs/screenshots come from here: `SHOTS_DIR=../../docs/screenshots node --test`.
async function shot(page, name) {
  if (SHOTS) await page.screenshot({ path: join(SHOTS, name + '.jpg'), fullPage: true, type: 'jpeg', quality: 70 });
}

test('sign in, list, search, profile, switch language', async () => {
  const page = await browser.newPage({ locale: 'en-US' });
  await page.goto(base + '/');
  assert.match(page.url(), /\/login/);
  await shot(page, 'login');
  await page.fill('input[name=username]', 'admin');
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  // Signed in, the manager lands on the home page: what needs attention, then the company.
  await page.waitForSelector('#attention');
  for (const id of ['chart-complaints', 'chart-clv', 'chart-pareto']) {
    await page.waitForSelector(`#${id}[data-ready="1"] canvas`, { timeout: 10000 });
  }
  assert.match(await page.textContent('#home-as-of'), /UTC\+8/, 'the figures say when, on the company clock');
  await shot(page, 'home');
  // Narrowed to one store's customers: the page says of whom on every tile.
  const store = await page.locator('#home-scope option[value^="store:"]').first().getAttribute('value');
  await page.selectOption('#home-scope', store);
  await page.click('#home-filters button[type=submit]');
  await page.waitForURL(/scope=store/);
  await page.waitForSelector('#chart-pareto[data-ready="1"] canvas', { timeout: 10000 });
  assert.match(await page.textContent('#home-body'), /customers whose main store is/);
  assert.equal(await page.locator('#home-scope').inputValue(), store, 'the store stays chosen');
  await shot(page, 'home-store');
  await page.click('nav.areas a[href="/customers"]');
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
  await signIn(page, 'admin');
  await page.click('nav.areas a[href="/customers"]');
  await page.waitForURL(/\/customers/);
  await page.click('#import-link');
  await page.waitForURL(/\/imports$/);

  const upload = async (name, text) => {
    await page.selectOption('#import-kind', 'customers');
    await page.setInputFiles('#import-file', { name, mimeType: 'text/csv', buffer: Buffer.from(text) });
    const before = page.url();
    await page.click('#import-form button[type=submit]');
    // A new job's page (the previous upload's page already matches the pattern).
    await page.waitForURL((u) => /\/imports\?job=\d+/.test(u.href) && u.href !== before);
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
  await signIn(page, 'analyst');
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
  try {
    await page.waitForFunction((b) => {
      const info = document.getElementById('churn-run-info');
      const m = info && info.textContent.match(/#(\d+)/);
      return m && Number(m[1]) > b;
    }, before, { timeout: 60000 });
  } catch (e) {
    const run = await page.locator('#churn-run').getAttribute('data-status').catch(() => 'none');
    throw new Error(`the new run did not show: ${e.message}\nrun status: ${run}\npage: ${(await page.textContent('main')).slice(0, 1500)}\nserver: ${serverLog.slice(-4000)}`);
  }
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

test('surveys: the demo wave in charts, a wave sent from the form, the public form on a phone', async () => {
  const page = await browser.newPage({ locale: 'en-US' });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await signIn(page, 'manager');
  await page.click('nav.areas a[href="/surveys"]');
  await page.waitForURL(/\/surveys$/);

  // The demo's ECSI survey: its first wave has the CSI, the quadrant chart, the path diagram.
  await page.click('text=Annual satisfaction survey');
  await page.waitForURL(/\/surveys\/\d+$/);
  await page.waitForSelector('#chart-trend[data-ready="1"] canvas', { timeout: 10000 });
  assert.ok(await page.locator('#plans tbody tr').count() >= 1, 'the demo action plan');
  const surveyUrl = page.url();
  await shot(page, 'survey');
  await page.locator('#waves a', { hasText: '2026 H1' }).click();
  await page.waitForURL(/\/surveys\/waves\/\d+$/);
  const csi = Number(await page.textContent('#fig-csi'));
  assert.ok(csi > 0 && csi < 100, `CSI ${csi}`);
  for (const id of ['chart-ipa', 'chart-paths']) {
    await page.waitForSelector(`#${id}[data-ready="1"] canvas`, { timeout: 10000 });
  }
  assert.equal(await page.locator('#elements tbody tr').count(), 7);
  assert.ok(Number(await page.textContent('#corr-purchases')) > 0, 'satisfied customers bought more');
  assert.ok(await page.locator('#distributions .chart[data-ready="1"]').count() >= 20);
  await shot(page, 'survey-wave');
  // Bootstrap intervals of the paths on request.
  await page.click('#bootstrap-link');
  await page.waitForSelector('#bootstrap-note', { timeout: 20000 });
  assert.equal(await page.locator('#paths thead th').count(), 4, 'interval and standard error columns');
  assert.match(await page.textContent('#paths tbody tr:first-child td:nth-of-type(2)'), /^-?\d\.\d{3} – -?\d\.\d{3}/);

  // A new wave from the form: 20 customers invited; its links as CSV.
  await page.goto(surveyUrl);
  await page.fill('#wave-form input[name=name]', 'Browser wave');
  await page.fill('#wave-form input[name=size]', '20');
  await page.click('#wave-create');
  await page.waitForURL(surveyUrl);
  const row = page.locator('#waves tbody tr', { hasText: 'Browser wave' });
  assert.equal((await row.locator('td').nth(1).textContent()).trim(), '20');
  const href = await row.locator('a[href$="links?format=csv"]').getAttribute('href');
  const csv = await (await page.request.get(base + href)).text();
  const link = csv.trim().split('\n')[1].split(',')[4];
  assert.match(link, /\/s\/\d+-[0-9a-f]{32}$/);

  // The public form on a phone, in Chinese, with no sign-in: a missing answer is named,
  // progress is kept, then the answers are received.
  const phone = await browser.newContext({ viewport: { width: 375, height: 740 }, locale: 'zh-CN', isMobile: true, hasTouch: true });
  const form = await phone.newPage();
  form.on('pageerror', (e) => errors.push(e.message));
  await form.goto(link);
  assert.equal(await form.evaluate(() => document.documentElement.lang), 'zh-CN');
  assert.ok((await form.textContent('#form-title')).includes('顾客满意度调查'));
  const width = await form.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 375, `no sideways scrolling on a phone (${width}px)`);
  // Accessible: every group named by its question, every control labelled, saving announced.
  const unnamed = await form.evaluate(() => {
    const bad = [];
    for (const g of document.querySelectorAll('[role=radiogroup]')) {
      const ids = (g.getAttribute('aria-labelledby') || '').split(' ').filter(Boolean);
      if (!ids.length || ids.some((id) => !(document.getElementById(id)?.textContent || '').trim())) bad.push(g.outerHTML.slice(0, 80));
    }
    for (const c of document.querySelectorAll('#survey-form input:not([type=hidden]), #survey-form textarea')) {
      if (c.closest('.hp')) continue;
      if (!c.closest('label') && !c.getAttribute('aria-label')) bad.push(c.name);
    }
    return bad;
  });
  assert.deepEqual(unnamed, [], 'unnamed controls');
  await form.click('#q-IMAG1 label:has-text("8")');
  await form.waitForFunction(() => document.getElementById('save-status').textContent.length > 0);
  await form.click('#form-save');
  await form.waitForSelector('#form-notice');
  await form.goto(link);
  assert.ok(await form.isChecked('#q-IMAG1 input[value="8"]'), 'progress kept');
  await form.click('#form-submit');
  assert.ok(await form.isVisible('#form-problem'));
  assert.ok(await form.isVisible('#err-CUSA1'), 'the missing answer is named');
  assert.equal(await form.evaluate(() => document.activeElement.id), 'form-problem', 'the problem takes the focus');
  assert.ok(await form.locator('#form-problem a[href="#q-CUSA1"]').count() === 1, 'and links to the question');
  for (const q of await form.locator('fieldset.q:has(.scale)').all()) {
    await q.locator('label').nth(6).click();
  }
  await form.click('#form-submit');
  await form.waitForSelector('#form-message[data-code="thanks"]');
  await shot(form, 'survey-form-done');
  await phone.close();
  assert.deepEqual(errors, [], 'no script errors');
});

test('complaints: an agent records a complaint in Chinese and takes it through every step; the manager sees it', async () => {
  const ctx = await browser.newContext({ locale: 'zh-CN' });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', () => errors.push('a dialog opened: free text ran as script'));
  await signIn(page, 'agent');
  await page.click('nav.areas a[href="/complaints"]');
  await page.waitForURL(/\/complaints/);
  const situation = '收银员态度很差，我排队等了半小时 <img src=x onerror=alert(1)>';
  await page.selectOption('#complaint-form select[name=channel]', 'counter');
  await page.selectOption('#complaint-form select[name=severity]', 'high');
  await page.fill('#complaint-form input[name=caller]', '张女士');
  await page.fill('#complaint-form input[name=place]', '南京路店');
  await page.fill('#complaint-form textarea[name=situation]', situation);
  await page.check('#complaint-form input[name=want_respect]');
  await page.click('#complaint-create');
  await page.waitForURL(/\/complaints\/\d+$/);
  const caseUrl = page.url();
  assert.equal((await page.textContent('#case-situation')).trim(), situation, 'shown as text, not markup');
  assert.equal((await page.textContent('#case-state')).trim(), '已受理');
  const steps = [
    ['acknowledge', async (f) => f.locator('textarea[name=note]').fill('耐心倾听，真诚致歉')],
    ['analyse', async (f) => { await f.locator('select[name=cause]').selectOption('service'); await f.locator('input[name=sub_cause]').fill('态度 attitude'); }],
    ['propose', async (f) => { await f.locator('textarea[name=solution]').fill('店长当面道歉并赠送 50 元代金券'); await f.locator('input[name=compensation_offered]').fill('50'); }],
    ['resolve', async (f) => { await f.locator('input[name=on_the_spot]').check(); await f.locator('input[name=compensation_given]').fill('50'); }],
    ['follow_up', async (f) => { await f.locator('textarea[name=result]').fill('电话回访，顾客满意'); await f.locator('select[name=satisfied]').selectOption('yes'); }],
    ['close', async (f) => f.locator('textarea[name=lesson]').fill('午间高峰增加收银员')],
  ];
  const states = ['已安抚致歉', '已分析原因', '已提出方案', '已解决', '已回访', '已总结关闭'];
  for (const [k, [action, fill]] of steps.entries()) {
    const form = page.locator(`#step-${action}`);
    await fill(form);
    await form.locator('button[type=submit]').click();
    await page.waitForURL(caseUrl);
    await page.waitForSelector(`#case-state:has-text("${states[k]}")`);
    if (action === 'resolve') {
      assert.match(await page.textContent('#follow-up-planned'), /\d{4}-\d\d-\d\d/, 'the follow-up visit is planned by the care rule');
    }
  }
  assert.equal(await page.locator('#history tbody tr').count(), 7, 'received and six steps in the history');
  const history = await page.locator('#history').innerText();
  assert.match(history, /提出的补偿: ¥?50\.00/, 'money in yuan, not fen, the field named');
  assert.doesNotMatch(history, /severity: |channel: |严重程度: high/, 'codes in words');
  assert.match(await page.locator('#history thead').innerText(), /UTC\+8/, 'times on the company clock, zone named');
  assert.doesNotMatch(history, /resolved_at: \d{4}-\d\d-\d\dT/, 'no stored UTC instants');
  assert.equal(await page.locator('#follow-up-planned').count(), 0, 'visited: nothing planned any more');
  await shot(page, 'complaint-case');
  await ctx.close();

  // The manager's overview shows it, with its charts and the lesson.
  const m = await browser.newPage({ locale: 'en-US' });
  m.on('pageerror', (e) => errors.push(e.message));
  await signIn(m, 'manager');
  await m.goto(base + '/complaints?view=all');
  for (const id of ['chart-causes', 'chart-first-response', 'chart-resolution']) {
    await m.waitForSelector(`#${id}[data-ready="1"] canvas`, { timeout: 10000 });
  }
  const id = caseUrl.split('/').pop();
  assert.equal(await m.locator(`#complaints tr[data-id="${id}"]`).count(), 1, 'the case is in the list');
  assert.ok((await m.textContent('#lessons')).includes('午间高峰增加收银员'));
  await shot(m, 'complaints-overview');
  // The manager adds a holiday and shortens a service level in the settings page.
  await m.click('#complaint-settings');
  await m.waitForURL(/\/complaints\/settings/);
  await m.fill('textarea[name=holidays]', '2027-01-01\n2027-02-17');
  await m.fill('input[name=ack_critical]', '0.25');
  await m.click('#settings-save');
  await m.waitForSelector('#settings-saved');
  assert.equal(await m.inputValue('input[name=ack_critical]'), '0.25');
  assert.ok((await m.inputValue('textarea[name=holidays]')).includes('2027-02-17'));
  assert.equal(await m.locator('#due-preview tbody tr').count(), 4, 'due times for each severity');
  await shot(m, 'complaint-settings');
  await m.close();
  assert.deepEqual(errors, []);
});

test('day-one work: an agent sees only their queue, soonest deadline first; a manager edits a customer and the profile keeps it', async () => {
  const errors = [];
  const a = await browser.newPage({ locale: 'zh-CN' });
  a.on('pageerror', (e) => errors.push(e.message));
  await signIn(a, 'agent');
  assert.equal(await a.locator('#my-numbers').count(), 1, 'the agent\'s own numbers');
  assert.equal(await a.locator('nav.areas a[href="/churn"]').count(), 0, 'no churn entry for an agent');
  await a.click('nav.areas a[href="/complaints"]');
  await a.waitForURL(/\/complaints/);
  assert.equal(await a.locator('#bulk-form').count(), 0, 'no bulk changes for an agent');
  const assignees = await a.locator('#complaints tbody tr td:nth-child(8)').allInnerTexts();
  assert.ok(assignees.every((x) => x.trim() === 'agent'), 'their own cases only: ' + assignees);
  const due = await a.locator('#complaints tbody td.due').evaluateAll((tds) => tds.map((td) => td.dataset.due));
  assert.deepEqual(due, [...due].sort(), 'soonest deadline first');
  await shot(a, 'my-cases');
  await a.close();

  const m = await browser.newPage({ locale: 'en-US' });
  m.on('pageerror', (e) => errors.push(e.message));
  await signIn(m, 'manager');
  await m.goto(base + '/customers');
  await m.locator('table.list tbody tr a').first().click();
  await m.waitForURL(/\/customers\/\d+$/);
  const profile = m.url();
  await m.click('#edit-customer');
  await m.waitForURL(/\/edit$/);
  await m.fill('#customer-edit input[name=region]', '杭州 西湖区');
  await m.fill('#customer-edit input[name=tags]', 'VIP, 老客户');
  await m.selectOption('#customer-edit select[name=lang]', 'en');
  await m.fill('#customer-edit input[name=email]', 'not an address');
  await m.click('#customer-save');
  await m.waitForSelector('.field-error[data-field=email]');
  assert.equal(await m.inputValue('#customer-edit input[name=region]'), '杭州 西湖区', 'typed values kept');
  await m.fill('#customer-edit input[name=email]', 'edited@example.cn');
  await m.click('#customer-save');
  await m.waitForURL(profile + '?saved=1');
  assert.ok((await m.textContent('main')).includes('杭州 西湖区'));
  assert.equal((await m.textContent('#customer-lang')).trim(), 'English');
  await m.click('#edit-customer');
  await m.waitForURL(/\/edit$/);
  assert.equal(await m.inputValue('#customer-edit input[name=email]'), 'edited@example.cn', 'the edit form holds the saved record');
  assert.equal(await m.inputValue('#customer-edit input[name=tags]'), 'VIP, 老客户');
  await shot(m, 'customer-edit');
  await m.close();
  assert.deepEqual(errors, []);
});

test('loyalty: a manager reads the types in Chinese, drills into one, sees a customer\'s reasons and creates a win-back task; the agent works it', async () => {
  const errors = [];
  const ctx = await browser.newContext({ locale: 'zh-CN' });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  await signIn(page, 'manager');
  await page.click('nav.areas a[href="/loyalty"]');
  await page.waitForURL(/\/loyalty/);
  // The manager may have chosen English in an earlier test: switch to Chinese.
  if ((await page.getAttribute('html', 'lang')) !== 'zh-CN') {
    await page.click('#lang-switch');
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
  }
  await page.waitForSelector('#chart-types[data-ready="1"] canvas', { timeout: 10000 });
  // The demo classified twice: the movement between types is drawn as a flow.
  await page.waitForSelector('#chart-movement[data-ready="1"] canvas', { timeout: 10000 });
  assert.match(await page.textContent('h1'), /客户忠诚/);
  assert.match(await page.textContent('#fig-headline-churn'), /%/);
  const defs = await page.locator('.figure small').allInnerTexts();
  assert.ok(defs.every((d) => d.trim().length > 0), 'every figure says how it is computed');
  await shot(page, 'loyalty');

  // Drill into a full type (one with both kinds of evidence), the most common one.
  const fullRow = page.locator('#types tbody tr:not(:has(small))').first();
  const typeName = (await fullRow.locator('a').textContent()).trim();
  await fullRow.locator('a').click();
  await page.waitForURL(/\/loyalty\?type=/);
  const rows = page.locator('#loyalty-customers tbody tr');
  assert.ok((await rows.count()) > 0, `customers of ${typeName}`);
  const types = await rows.locator('td:nth-child(3)').allInnerTexts();
  assert.ok(types.every((t) => t.trim() === typeName), 'the list shows only that type');

  // The customer's profile: the type, why, and what to do.
  const first = rows.first();
  const name = (await first.locator('td:nth-child(2) a').textContent()).trim();
  await first.locator('td:nth-child(2) a').click();
  await page.waitForURL(/\/customers\/\d+/);
  const customerUrl = page.url();
  assert.equal((await page.textContent('#loyalty-type')).trim(), typeName);
  const reasons = await page.locator('#loyalty-reasons li').allInnerTexts();
  assert.ok(reasons.length >= 3, 'the signals with their values and thresholds');
  assert.ok(reasons.some((r) => /依恋度 [\d.]+ [≥<] \d+/.test(r)), `attachment against its threshold: ${reasons}`);
  assert.ok((await page.textContent('#loyalty-advice')).trim().length > 5, 'what to do');
  await shot(page, 'loyalty-profile');

  // A win-back task for this customer, to the agent.
  await page.fill('#profile-winback-form input[name=assignee]', 'agent');
  await page.click('#profile-winback-create');
  await page.waitForURL(customerUrl);
  await page.waitForSelector('#profile-winback li');
  assert.match(await page.textContent('#profile-winback'), /agent/);
  await ctx.close();

  // The agent finds it in the queue and takes the seeds' steps.
  const a = await browser.newPage({ locale: 'zh-CN' });
  a.on('pageerror', (e) => errors.push(e.message));
  await signIn(a, 'agent');
  await a.goto(base + '/churn/winback');
  const task = a.locator('#winback-tasks tbody tr', { hasText: name }).first();
  await task.locator('a').first().click();
  await a.waitForURL(/\/churn\/winback\/tasks\/\d+/);
  await a.fill('#step-contact textarea[name=unhappy_with]', '上次买的牛奶变质，处理太慢');
  await a.click('#step-contact-submit');
  await a.waitForSelector('#task-unhappy');
  await a.fill('#step-remedy textarea[name=remedy]', '赠送 50 元代金券并致歉');
  await a.click('#step-remedy-submit');
  await a.waitForSelector('#task-remedy');
  await a.check('#step-outcome input[value=won_back]');
  await a.click('#step-outcome-submit');
  await a.waitForSelector('#task-state:has-text("已结束")');
  assert.match(await a.textContent('#task-state'), /已挽回/);
  await shot(a, 'winback-task');
  await a.close();
  assert.deepEqual(errors, []);
});

test('care: a manager switches the low-answer rule on in Chinese; a low answer through a survey link brings a notification and a task', async () => {
  const errors = [];
  const ctx = await browser.newContext({ locale: 'zh-CN' });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  await signIn(page, 'manager');
  if ((await page.getAttribute('html', 'lang')) !== 'zh-CN') {
    await page.click('#lang-switch');
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
  }
  await page.click('nav.areas a[href="/care"]');
  await page.waitForURL(/\/care$/);
  // The demo's ready rules run as dry runs; the low-answer one is switched on.
  await page.click('#care-rules a:has-text("低满意度回答提醒")');
  await page.waitForURL(/\/care\/rules\/\d+$/);
  assert.ok((await page.textContent('#rule-summary')).includes('满意度 < 40'));
  await page.selectOption('#rule-mode select[name=mode]', 'on');
  await page.click('#rule-mode-save');
  await page.waitForURL(/\/care\/rules\/\d+$/);
  assert.equal(await page.$eval('#rule-mode select[name=mode]', (s) => s.value), 'on');
  // Changed on its page: a higher threshold and a second action that tags the customer.
  await page.click('#rule-edit summary');
  await page.fill('#rule-form input[name=threshold]', '50');
  await page.selectOption('#action-2 select[name=a2_kind]', 'tag');
  await page.fill('#action-2 textarea[name=a2_text]', '低分关怀');
  await page.click('#rule-form-save');
  await page.waitForURL(/\/care\/rules\/\d+$/);
  const summary = await page.textContent('#rule-summary');
  assert.ok(summary.includes('满意度 < 50') && summary.includes('低分关怀'), summary);
  assert.equal(await page.$eval('#rule-mode select[name=mode]', (s) => s.value), 'on', 'still on');
  await shot(page, 'care-rule');

  // A wave of the demo's satisfaction survey; one customer answers with the lowest scores.
  await page.click('nav.areas a[href="/surveys"]');
  await page.waitForURL(/\/surveys$/);
  await page.click('text=Annual satisfaction survey');
  await page.waitForURL(/\/surveys\/\d+$/);
  const surveyUrl = page.url();
  await page.fill('#wave-form input[name=name]', '关怀测试');
  await page.fill('#wave-form input[name=size]', '5');
  await page.click('#wave-create');
  await page.waitForURL(surveyUrl);
  const row = page.locator('#waves tbody tr', { hasText: '关怀测试' });
  const href = await row.locator('a[href$="links?format=csv"]').getAttribute('href');
  const csv = await (await page.request.get(base + href)).text();
  const link = csv.trim().split('\n')[1].split(',')[4];
  const form = await (await browser.newContext({ locale: 'zh-CN' })).newPage();
  await form.goto(link);
  for (const q of await form.locator('fieldset.q:has(.scale)').all()) {
    await q.locator('label').first().click();
  }
  await form.click('#form-submit');
  await form.waitForSelector('#form-message[data-code="thanks"]');

  // The manager sees the bell's count, the notification and the care task.
  await page.goto(base + '/care');
  await page.waitForSelector('#bell-count');
  assert.ok(Number(await page.textContent('#bell-count')) >= 1);
  assert.ok((await page.locator('#care-tasks tbody tr').count()) >= 1, 'the care task');
  await shot(page, 'care');
  await page.click('#bell');
  await page.waitForURL(/\/notifications$/);
  assert.match(await page.textContent('#notifications'), /满意度只有/);
  await ctx.close();
  assert.deepEqual(errors, []);
});

test('no page ran into the Content-Security-Policy (no inline script, nothing from elsewhere)', () => {
  assert.deepEqual(cspViolations, []);
});
