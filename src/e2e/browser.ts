/**
 * The browser of the dashboard's end-to-end tests: Debian's Chromium driven by playwright-core,
 * headless and kept to this machine, and the console errors a test fails on.
 */
import assert from 'node:assert/strict';
import { chromium, type Page } from 'playwright-core';
import { tempDir } from '../testing/index.js';

/** Installed by the test setup (scripts/test.sh) when missing. */
const CHROMIUM = '/usr/bin/chromium';
// Headless, and nothing that reaches beyond this machine.
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Debian's Chromium with a fresh profile. */
export function launchChromium() {
  return chromium.launchPersistentContext(tempDir('tireless-chromium-'), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
  });
}

/** Console errors and uncaught page errors; a test takes out only those it caused on purpose. */
export class ConsoleErrors {
  readonly seen: string[] = [];

  constructor(page: Page) {
    page.on('console', (message) => {
      if (message.type() === 'error') this.seen.push(message.text());
    });
    page.on('pageerror', (error) => this.seen.push(`uncaught: ${error.message}`));
  }

  /** Removes the one error matching `pattern` (the test caused it), failing if it is not there. */
  expect(pattern: RegExp): void {
    const at = this.seen.findIndex((text) => pattern.test(text));
    assert.ok(
      at >= 0,
      `expected a console error matching ${pattern}; saw ${JSON.stringify(this.seen)}`,
    );
    this.seen.splice(at, 1);
  }
}

/** Waits for the page's heading `text`. */
export async function heading(page: Page, text: string): Promise<void> {
  await page.getByRole('heading', { level: 1, name: text }).waitFor({ timeout: 10_000 });
}

/** Logs in on the login page of the node at `url`, and waits for the monitor list. */
export async function logIn(
  page: Page,
  url: string,
  user: { email: string; password: string },
): Promise<void> {
  await page.goto(`${url}/login`);
  await heading(page, 'Log in');
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await heading(page, 'Monitors');
}
