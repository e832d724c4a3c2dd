// Drives the operators' dashboard in headless Chromium against a running silo, as an operator would.
// Run by Tests/Silo/Dashboard/DashboardBrowserTests.cs; reads:
//   DASHBOARD_URL    base URL of the silo, e.g. http://127.0.0.1:41234
//   ADMIN_KEY        the silo's admin key
//   DEAD_LETTER_ID   a FAILED notification to find, open and replay from the page
//   SCREENSHOT       where to save a full-page screenshot
//   CHROMIUM_PATH    the browser binary (default /usr/bin/chromium)
// Prints "DASHBOARD OK <figures as JSON>" and exits 0 when every check passed; otherwise prints
// "FAIL <reason>" and exits 1.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const base = requireEnv('DASHBOARD_URL').replace(/\/$/, '');
const adminKey = requireEnv('ADMIN_KEY');
const deadLetterId = requireEnv('DEAD_LETTER_ID');
const screenshot = requireEnv('SCREENSHOT');
const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const TIMEOUT = 30000;

function requireEnv(name) {
  const value = process.env[name];
  if (!value) {
    console.log(`FAIL environment variable ${name} is not set`);
    process.exit(1);
  }
  return value;
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

function step(text) {
  console.log('STEP ' + text);
}

const userDataDir = mkdtempSync(path.join(tmpdir(), 'dashboard-chromium-'));
let context;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    viewport: { width: 1440, height: 1000 },
    // Playwright passes the fresh profile folder above as --user-data-dir itself.
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run',
    ],
  });
  const page = context.pages()[0] ?? await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));

  step('a wrong key is refused with a clear message');
  await page.goto(base + '/dashboard');
  await page.waitForSelector('#login:not([hidden])');
  await page.fill('#admin-key', 'not-the-admin-key');
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#login-error:not([hidden])');
  const refusal = await page.textContent('#login-error');
  check(/refused/i.test(refusal) && /401/.test(refusal), `login error should say the key was refused, was: ${refusal}`);

  step('#key= pre-fills the key and leaves the address bar');
  await page.goto(base + '/dashboard#key=' + encodeURIComponent(adminKey));
  await page.waitForSelector('#board:not([hidden])');
  check(!page.url().includes('key='), `the key should be removed from the URL, which is ${page.url()}`);
  const stored = await page.evaluate(() => sessionStorage.getItem('notifications.adminKey'));
  check(stored === adminKey, 'the key should be kept in session storage');

  step('cluster panel lists the silo with live figures');
  await page.waitForFunction(() => {
    const row = document.querySelector('#silo-table tbody tr');
    return row && row.cells[5].textContent !== '-' && Number(row.cells[4].textContent) > 0; // CPU shown, activations counted
  });
  const siloCells = await page.$eval('#silo-table tbody tr', (tr) => [...tr.cells].map((c) => c.textContent.trim()));
  check(siloCells[1] === 'active', `silo status should be active, was ${siloCells[1]}`);
  check(/^S127\.0\.0\.1:\d+:\d+$/.test(siloCells[2]), `the silo's Orleans address should be shown, was ${siloCells[2]}`);
  check(/\d/.test(siloCells[6]), `memory should be shown, was ${siloCells[6]}`);
  const cells = await page.$$eval('#grain-map .cell', (chips) => chips.map((c) => [c.dataset.silo, c.dataset.grainType]));
  check(cells.some(([silo, type]) => silo.length > 0 && type === 'SchedulerGrain'), 'the grain map should show where the schedulers run');

  step('traffic panel shows live rates and charts');
  await page.waitForFunction(() => Number(document.getElementById('kpi-accepted').dataset.value) > 0
    && Number(document.getElementById('kpi-delivered').dataset.value) > 0
    && Number(document.getElementById('chart-throughput').dataset.points) >= 6);
  const firstUpdate = await page.textContent('#updated-at');
  const firstPending = await page.getAttribute('#kpi-pending', 'data-value');
  await page.waitForFunction((previous) => document.getElementById('updated-at').textContent !== previous, firstUpdate);
  check(firstPending !== null && firstPending !== '', 'PENDING count should be shown');
  await page.waitForFunction(() => document.querySelector('#latency-table tr[data-row="end"]').cells[2].textContent !== '-');
  await page.waitForFunction(() => document.querySelector('#latency-table tr[data-row="first"]').cells[2].textContent !== '-');
  await page.waitForFunction(() => Number(document.getElementById('chart-latency').dataset.points) > 0);
  await page.waitForFunction(() => document.getElementById('kpi-within30').dataset.value !== '');

  step('providers panel shows success rate, and breaker state with controls when the provider routes exist');
  await page.waitForSelector('#provider-table tbody tr[data-provider="webhook"]');
  const providerCells = await page.$eval('#provider-table tbody tr[data-provider="webhook"]', (tr) => [...tr.cells].map((c) => c.textContent.trim()));
  check(/%$/.test(providerCells[4]), `webhook success rate should be shown, was ${providerCells[4]}`);
  const noticeShown = await page.isVisible('#providers-notice');
  let forced = null;
  if (!noticeShown) {
    const circuit = process.env.FORCE_PROVIDER;
    check(!!circuit, 'FORCE_PROVIDER must name a provider to force open from the page');
    const rowOf = `#provider-table tbody tr[data-provider="${circuit}"]`;
    await page.waitForSelector(rowOf);
    const before = await page.$eval(rowOf, (tr) => [...tr.cells].map((c) => c.textContent.trim()));
    check(before[2] === 'closed' && before[3] === 'auto', `${circuit} should start closed and auto: ${JSON.stringify(before)}`);
    await page.click(`${rowOf} button:text-is("Open")`);
    await page.waitForFunction((selector) => {
      const cells = document.querySelector(selector).cells;
      return cells[2].textContent === 'open' && cells[3].textContent === 'forced-open';
    }, rowOf);
    forced = circuit;
  }

  step('reminders panel shows the backlog');
  await page.waitForFunction(() => document.getElementById('rem-due').dataset.value !== '');

  step('the dead letter is listed, opens with its attempts and is replayed');
  const row = `#dead-table tbody tr[data-id="${deadLetterId}"]`;
  await page.waitForSelector(row);
  await page.click(`${row} button.open`);
  await page.waitForSelector(`#detail[data-id="${deadLetterId}"]:not([hidden])`);
  const attemptRows = await page.$$eval('#detail table.attempts tbody tr', (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent.trim())));
  check(attemptRows.length >= 1 && attemptRows.every((a) => a[4] === 'failed' && a[5] === '500'), `attempts should be failed 500s: ${JSON.stringify(attemptRows)}`);
  await page.check(`${row} input[type=checkbox]`);
  await page.click('#replay-selected');
  await page.waitForFunction(() => document.getElementById('replay-result').dataset.replayed !== undefined);
  const replayText = await page.textContent('#replay-result');
  check(/Replayed 1 of 1/.test(replayText), `replay should report 1 of 1, said: ${replayText}`);
  await page.waitForSelector(row, { state: 'detached' });

  step('search by id finds the replayed notification');
  await page.fill('#search-id', deadLetterId);
  await page.click('#search-form button[type=submit]');
  await page.waitForFunction((id) => {
    const detail = document.getElementById('detail');
    const state = detail.querySelector('dd .status');
    return detail.dataset.id === id && state && state.textContent !== 'FAILED';
  }, deadLetterId);
  const replayedState = await page.$eval('#detail dd .status', (s) => s.textContent);

  const figures = await page.evaluate(() => ({
    acceptedPerSecond: Number(document.getElementById('kpi-accepted').dataset.value),
    deliveredPerSecond: Number(document.getElementById('kpi-delivered').dataset.value),
    pending: Number(document.getElementById('kpi-pending').dataset.value),
    overdue: Number(document.getElementById('kpi-overdue').dataset.value),
    within30s: Number(document.getElementById('kpi-within30').dataset.value),
    endToEndP50: document.querySelector('#latency-table tr[data-row="end"]').cells[2].textContent,
    firstAttemptP50: document.querySelector('#latency-table tr[data-row="first"]').cells[2].textContent,
    remindersDue: Number(document.getElementById('rem-due').dataset.value),
    throughputPoints: Number(document.getElementById('chart-throughput').dataset.points),
    silos: document.querySelectorAll('#silo-table tbody tr').length,
  }));
  figures.replayedState = replayedState;
  figures.providerRoutes = noticeShown ? 'absent' : 'present';
  figures.forcedOpen = forced;

  step('screenshot');
  await page.screenshot({ path: screenshot, fullPage: true });

  step('an unreachable API is reported, and the page recovers');
  await page.route('**/v1/admin/**', (route) => route.abort('connectionrefused'));
  await page.waitForSelector('#banner:not([hidden])');
  const banner = await page.textContent('#banner');
  check(/unreachable/i.test(banner), `banner should say the API is unreachable, said: ${banner}`);
  check(await page.textContent('#connection') === 'API unreachable', 'connection pill should say the API is unreachable');
  await page.unroute('**/v1/admin/**');
  await page.waitForSelector('#banner', { state: 'hidden' });

  check(pageErrors.length === 0, `the page threw: ${pageErrors.join('; ')}`);
  console.log('DASHBOARD OK ' + JSON.stringify(figures));
} catch (error) {
  console.log('FAIL ' + (error && error.message ? error.message : String(error)));
  process.exitCode = 1;
} finally {
  if (context) await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
