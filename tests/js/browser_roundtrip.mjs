// A page driving MQTT.js in headless Chromium (Debian's, through
// playwright-core), with the same contract as ws_roundtrip.mjs: prints
// "ready granted=N" once the page has subscribed to <prefix>/to-js and
// published to <prefix>/from-js, then the first message the page receives as
// one JSON line, and exits 0; exits 1 on any error or after 20 s.
// Usage: node browser_roundtrip.mjs URL PREFIX VERSION(4|5) [SERVER_CERT]
// SERVER_CERT (PEM): for wss://, the one certificate Chromium accepts besides
// its own trust store (its public key is pinned with
// --ignore-certificate-errors-spki-list), as a test CA is not in that store.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const [url, prefix, version, serverCert] = process.argv.slice(2);
const here = path.dirname(fileURLToPath(import.meta.url));
let browser;
const fail = async (why) => {
  console.error(`browser_roundtrip ${url}: ${why}`);
  if (browser) await browser.close().catch(() => {});
  process.exit(1);
};
setTimeout(() => fail('timed out'), 20000).unref();

const args = ['--no-sandbox'];  // tests run as root, where Chromium's sandbox cannot start
if (serverCert) {
  const spki = new crypto.X509Certificate(fs.readFileSync(serverCert)).publicKey.export({ type: 'spki', format: 'der' });
  args.push(`--ignore-certificate-errors-spki-list=${crypto.createHash('sha256').update(spki).digest('base64')}`);
}
try {
  browser = await chromium.launch({ executablePath: process.env.EDGEMQ_CHROMIUM || '/usr/bin/chromium', args });
  const page = await browser.newPage();
  page.on('pageerror', (e) => fail(`page error: ${e.message}`));
  const query = new URLSearchParams({ url, prefix, version }).toString();
  await page.goto(`file://${here}/browser/roundtrip.html?${query}`);
  const state = () => page.evaluate(() => window.roundtrip);
  await page.waitForFunction(() => window.roundtrip.state === 'ready' || window.roundtrip.error, null, { timeout: 15000 });
  let s = await state();
  if (s.error) await fail(s.error);
  console.log(`ready granted=${s.granted}`);
  await page.waitForFunction(() => window.roundtrip.message || window.roundtrip.error, null, { timeout: 15000 });
  s = await state();
  if (s.error) await fail(s.error);
  // What the page shows is what it got.
  const shown = await page.textContent('#received');
  if (shown !== s.message.payload) await fail(`page shows "${shown}", got "${s.message.payload}"`);
  console.log(JSON.stringify(s.message));
  await browser.close();
  process.exit(0);
} catch (e) {
  await fail(e.message);
}
