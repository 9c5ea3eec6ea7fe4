/**
 * The browser of the dashboard's end-to-end tests: Debian's Chromium driven by playwright-core,
 * headless and kept to this machine, and the console errors a test fails on.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import {
  chromium,
  type BrowserContext,
  type BrowserContextOptions,
  type Page,
} from 'playwright-core';
import {
  ApiClient,
  REPO_ROOT,
  startTireless,
  tempDir,
  type TirelessProcess,
} from '../testing/index.js';

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

/** Debian's Chromium with a fresh profile; `device` sets its viewport, touch and so on. */
export function launchChromium(device: BrowserContextOptions = {}) {
  return chromium.launchPersistentContext(tempDir('tireless-chromium-'), {
    ...device,
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

/** Fills in the login page shown with `user`'s email and password and sends it. */
export async function submitLogIn(
  page: Page,
  user: { email: string; password: string },
): Promise<void> {
  await heading(page, 'Log in');
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

/** Logs in on the login page of the node at `url`, and waits for the monitor list. */
export async function logIn(
  page: Page,
  url: string,
  user: { email: string; password: string },
): Promise<void> {
  await page.goto(`${url}/login`);
  await submitLogIn(page, user);
  await heading(page, 'Monitors');
}

/** A started node and a browser on it, for one test. */
export interface BrowserRun {
  node: TirelessProcess;
  /** A client of the node, without a token (`setUp` gives it the owner's). */
  api: ApiClient;
  context: BrowserContext;
  /** The browser's first page, and its console errors. */
  page: Page;
  errors: ConsoleErrors;
  /** Saves a screenshot of `page` (the first unless told), full-page unless told, as `name`.png. */
  shot: (name: string, options?: { page?: Page; fullPage?: boolean }) => Promise<Buffer>;
}

/**
 * Starts a node (`args` for `tireless start`) and Chromium, both closed when test `t` ends;
 * screenshots go to artifacts/`folder`/ (gitignored); `device` as for launchChromium.
 */
export async function startBrowserRun(
  t: TestContext,
  folder: string,
  args: string[] = [],
  device: BrowserContextOptions = {},
): Promise<BrowserRun> {
  const node = await startTireless(tempDir(), { args });
  // Registered before Chromium starts: a browser that fails to start leaves no node running
  // (whose pipes would keep the test process alive).
  const started: { context?: BrowserContext } = {};
  t.after(async () => {
    await started.context?.close();
    await node.kill();
  });
  const context = (started.context = await launchChromium(device));
  const screenshots = join(REPO_ROOT, 'artifacts', folder);
  mkdirSync(screenshots, { recursive: true });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    node,
    api: new ApiClient(node.url),
    context,
    page,
    errors: new ConsoleErrors(page),
    shot: (name, options = {}) =>
      (options.page ?? page).screenshot({
        path: join(screenshots, `${name}.png`),
        fullPage: options.fullPage ?? true,
      }),
  };
}
