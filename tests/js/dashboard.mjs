// The admin dashboard in headless Chromium (Debian's, through playwright-core),
// against a running gateway.
//
//   node dashboard.mjs URL CLIENT_ID SCREENSHOT [RETAINED]
//     while a load generator publishes:
//     - the page at URL loads, with its Content-Security-Policy, and makes no
//       request to any other origin, logs no console error, throws nothing;
//     - the charts move: msg/s in above 0 and connections at least 1;
//     - the retained topic RETAINED (if given) is listed;
//     - searching for CLIENT_ID shows its row only; once the charts hold six
//       points, a screenshot of the whole page goes to SCREENSHOT (PNG);
//     - Kick (two clicks: "Kick", then "Sure?") takes the row away or shows
//       it offline.
//
//   node dashboard.mjs --token URL TOKEN
//     against a gateway with admin_tokens: the page asks for a token, says
//     so when a wrong one is given, and shows the data once TOKEN is; after
//     that no request is refused.
//
// Prints one line per step; exits 0, or 1 with the reason on stderr (and
// after 45 s at most).
import { chromium } from 'playwright-core';

const argv = process.argv.slice(2);
const tokenMode = argv[0] === '--token';
const [url, clientId, screenshot, retainedTopic] = tokenMode ? [argv[1]] : argv;
const token = tokenMode ? argv[2] : undefined;
if (!url || (tokenMode ? !token : !clientId || !screenshot)) {
  console.error('usage: node dashboard.mjs URL CLIENT_ID SCREENSHOT [RETAINED]\n' +
                '       node dashboard.mjs --token URL TOKEN');
  process.exit(2);
}
const origin = new URL(url).origin;
const problems = [];  // console errors, page errors, foreign or failed requests
// In --token mode, refusals of requests without the right token are the point.
const expected401 = (r) => tokenMode && r.status() === 401 && r.request().headers().authorization !== `Bearer ${token}`;
let browser;
let closing = false;

const fail = async (why) => {
  console.error(`dashboard ${url}: ${why}`);
  if (problems.length) console.error(`also seen:\n  ${problems.join('\n  ')}`);
  closing = true;
  if (browser) await browser.close().catch(() => {});
  process.exit(1);
};
setTimeout(() => fail('timed out'), 45000).unref();

// Waits (bounded) for `predicate(arg)` to hold in the page; `what` names it on failure.
const waitFor = async (page, what, predicate, arg, timeout) => {
  try {
    await page.waitForFunction(predicate, arg, { timeout, polling: 100 });
  } catch (e) {
    await fail(`${what}: not within ${timeout} ms (${e.message.split('\n')[0]})`);
  }
};

const check = async (step) => {
  if (problems.length) await fail(`${step}: ${problems[0]}`);
};

// A page on URL, every problem it has recorded in `problems`.
async function open() {
  browser = await chromium.launch({
    executablePath: process.env.EDGEMQ_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox'],  // tests run as root, where Chromium's sandbox cannot start
  });
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  page.on('console', (m) => {
    // Chromium logs every refused request as a console error (the responses are checked below).
    if (m.type() === 'error' && !(tokenMode && m.text().includes('401'))) problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    if (new URL(r.url()).origin !== origin) problems.push(`request to another origin: ${r.url()}`);
  });
  page.on('requestfailed', (r) => {
    if (!closing) problems.push(`request failed: ${r.method()} ${r.url()} (${r.failure()?.errorText})`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !expected401(r)) {
      problems.push(`${r.status()} for ${r.request().method()} ${r.url()}`);
    }
  });
  const response = await page.goto(url, { waitUntil: 'load', timeout: 15000 });
  if (!response || response.status() !== 200) await fail(`GET ${url} answered ${response?.status()}`);
  const csp = response.headers()['content-security-policy'] || '';
  if (!csp.includes("default-src 'self'")) await fail(`no Content-Security-Policy (got "${csp}")`);
  return page;
}

async function underLoad() {
  const page = await open();
  await waitFor(page, 'the first stats poll', () => document.querySelector('#chart-connections').dataset.points > 0,
                null, 10000);
  await check('loaded');
  console.log(`loaded: ${await page.title()}`);

  // The load generator runs: messages flow in, clients are connected.
  await waitFor(page, 'msg/s in above 0 and a connection',
                () => Number(document.querySelector('#chart-messages').dataset.lastIn) > 0 &&
                      Number(document.querySelector('#chart-connections').dataset.lastConnections) >= 1,
                null, 15000);
  const data = await page.evaluate(() => {
    const out = {};
    for (const fig of document.querySelectorAll('figure.chart')) out[fig.id] = { ...fig.dataset };
    return out;
  });
  console.log(`charts moving: in=${data['chart-messages'].lastIn}/s out=${data['chart-messages'].lastOut}/s ` +
              `connections=${data['chart-connections'].lastConnections} points=${data['chart-messages'].points} ` +
              `lag=${data['chart-lag'].lastLag}ms`);
  const summary = await page.textContent('#summary');
  if (!summary.includes('connected')) await fail(`the header says "${summary}"`);

  if (retainedTopic) {
    await waitFor(page, `retained topic ${retainedTopic} listed`,
                  (t) => [...document.querySelectorAll('#retained-rows tr')].some((tr) => tr.dataset.topic === t),
                  retainedTopic, 10000);
    console.log(`retained listed: ${retainedTopic}`);
  }

  // Search: only the client asked for is left.
  await page.fill('#client-search', clientId);
  await waitFor(page, `only ${clientId} listed, connected`,
                (id) => {
                  const rows = [...document.querySelectorAll('#client-rows tr[data-client-id]')];
                  return rows.length > 0 && rows.every((tr) => tr.dataset.clientId.startsWith(id)) &&
                         rows.some((tr) => tr.dataset.clientId === id && tr.dataset.state === 'connected');
                },
                clientId, 10000);
  const row = page.locator(`#client-rows tr[data-client-id=${JSON.stringify(clientId)}]`);
  console.log(`found: ${(await row.innerText()).replace(/\s+/g, ' ').trim()}`);
  await check('searched');

  // A few more seconds of load, so that the screenshot shows lines, not dots.
  await waitFor(page, 'six points of msg/s',
                () => Number(document.querySelector('#chart-messages').dataset.points) >= 6, null, 15000);
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`screenshot: ${screenshot}`);

  // Kick takes two clicks.
  const kick = row.locator('button.kick');
  await kick.click({ timeout: 5000 });
  const armed = (await kick.textContent()).trim();
  if (armed !== 'Sure?') await fail(`after one click the button says "${armed}"`);
  await kick.click({ timeout: 5000 });
  await waitFor(page, `${clientId} gone or offline`,
                (id) => {
                  const tr = [...document.querySelectorAll('#client-rows tr[data-client-id]')]
                    .find((r) => r.dataset.clientId === id);
                  return !tr || tr.dataset.state === 'offline';
                },
                clientId, 10000);
  const after = await page.evaluate((id) => {
    const tr = [...document.querySelectorAll('#client-rows tr[data-client-id]')].find((r) => r.dataset.clientId === id);
    return tr ? tr.dataset.state : 'gone';
  }, clientId);
  const status = (await page.textContent('#status')).trim();
  if (status) await fail(`the status line says "${status}"`);
  await check('kicked');
  console.log(`kicked: ${clientId} ${after}`);
}

async function withToken() {
  const page = await open();
  const form = page.locator('#token-form');
  await form.waitFor({ state: 'visible', timeout: 10000 });
  console.log(`asked for a token: ${(await page.textContent('#status')).trim()}`);

  await page.fill('#token', `not-${token}`);
  await page.click('#token-form button[type=submit]');
  await waitFor(page, 'a wrong token refused', () => !document.querySelector('#token-form').hidden &&
                document.querySelector('#status').textContent.includes('refused'), null, 10000);
  console.log(`wrong token: ${(await page.textContent('#status')).trim()}`);

  await page.fill('#token', token);
  await page.click('#token-form button[type=submit]');
  await waitFor(page, 'the data, with the token',
                () => document.querySelector('#token-form').hidden &&
                      Number(document.querySelector('#chart-connections').dataset.points) >= 2 &&
                      document.querySelector('#clients-count').textContent !== '' &&
                      document.querySelector('#retained-count').textContent !== '',
                null, 10000);
  const kept = await page.evaluate(() => sessionStorage.getItem('edgemq.admin.token'));
  if (kept !== token) await fail(`sessionStorage holds "${kept}"`);
  const status = (await page.textContent('#status')).trim();
  if (status) await fail(`the status line still says "${status}"`);
  await check('with the token');
  console.log(`with the token: ${(await page.textContent('#summary')).trim()}`);
}

try {
  await (tokenMode ? withToken() : underLoad());
  closing = true;
  await browser.close();
  process.exit(0);
} catch (e) {
  await fail(e.message);
}
