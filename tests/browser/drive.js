// Plays the user in a real headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core): opens the sign-in URL awsrun gives, clicks Continue on the emulator's
// authorize page, follows the redirect to awsrun's loopback callback, and writes what it saw as
// JSON to $AWSRUN_DRIVER_RESULT. Usable as $BROWSER: `node drive.js %s`.
'use strict';
const fs = require('fs');
const { chromium } = require('playwright-core');

async function main() {
  const url = process.argv[2];
  const out = process.env.AWSRUN_DRIVER_RESULT;
  const result = { url, ok: false };
  let browser;
  try {
    if (!url) throw new Error('usage: drive.js URL');
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
    });
    const page = await browser.newPage();
    await page.goto(url, { waitUntil: 'load', timeout: 30000 });
    result.authorizeTitle = await page.title();
    result.identities = await page.locator('.identity').allTextContents();
    await Promise.all([
      page.waitForURL(/\/oauth\/callback\?/, { timeout: 30000 }),
      page.click(process.env.AWSRUN_DRIVER_BUTTON || '#continue-0'),
    ]);
    result.finalUrl = page.url();
    result.finalTitle = await page.title();
    result.finalText = await page.locator('body').innerText();
    result.ok = true;
  } catch (e) {
    result.error = String(e && e.stack || e);
  } finally {
    if (browser) await browser.close();
    if (out) fs.writeFileSync(out, JSON.stringify(result));
    else console.log(JSON.stringify(result));
  }
  process.exit(result.ok ? 0 : 1);
}

main();
