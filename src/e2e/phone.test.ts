/**
 * The app and the public status page on a phone (390×844 CSS px, touch, 3× pixels): no page
 * scrolls sideways, every control is inside the screen's width and at least 24×24 px (WCAG
 * 2.2 target size), and the main things work by tapping. Screenshots in artifacts/phone/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { OWNER } from '../testing/index.js';
import { heading, startBrowserRun, submitLogIn } from './browser.js';
import { fillShowcase } from './showcase.js';

const PHONE = {
  viewport: { width: 390, height: 844 },
  isMobile: true,
  hasTouch: true,
  deviceScaleFactor: 3,
};
/** WCAG 2.2 2.5.8, target size (minimum), CSS px. */
const TARGET_PX = 24;
/** Controls; a link within a sentence is exempt from the target size, as WCAG allows. */
const CONTROLS =
  'button, input, select, textarea, a.button, a.brand, header nav a, .ranges button, th a';

// What the function run in the page uses (this code's types are Node's, not the DOM's).
declare const document: { documentElement: { scrollWidth: number; clientWidth: number } };

/** The page's problems on a phone: sideways scrolling, controls cut off or too small. */
async function phoneProblems(page: Page): Promise<string[]> {
  const problems: string[] = [];
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  if (scrollWidth > clientWidth) {
    problems.push(`the page scrolls sideways: ${scrollWidth} px wide in ${clientWidth} px`);
  }
  for (const control of await page.locator(CONTROLS).all()) {
    if (!(await control.isVisible())) continue;
    const box = await control.boundingBox();
    if (!box) continue;
    const name =
      (await control.getAttribute('aria-label')) ??
      (await control.evaluate((element: { outerHTML: string }) => element.outerHTML.slice(0, 80)));
    if (box.x < 0 || box.x + box.width > PHONE.viewport.width + 0.5) {
      problems.push(
        `${name}: outside the screen (x ${box.x.toFixed(0)}, width ${box.width.toFixed(0)})`,
      );
    }
    if (box.width < TARGET_PX || box.height < TARGET_PX) {
      problems.push(
        `${name}: ${box.width.toFixed(0)}×${box.height.toFixed(0)} px, under ${TARGET_PX}`,
      );
    }
  }
  return problems;
}

test('phone: no sideways scrolling, controls on screen and big enough, tapping works', async (t) => {
  const { node, api, page, errors, shot } = await startBrowserRun(t, 'phone', [], PHONE);
  const showcase = await fillShowcase(t, api);
  const problems: string[] = [];
  const look = async (name: string) => {
    problems.push(...(await phoneProblems(page)).map((problem) => `${name}: ${problem}`));
    await shot(name);
  };

  await page.goto(`${node.url}/login`);
  await submitLogIn(page, OWNER);
  await heading(page, 'Monitors');
  await page.locator('.state', { hasText: /^Down$/ }).waitFor();
  await look('1-list');

  // Search by typing on the phone, then tap through to the monitor.
  await page.getByLabel('Search').tap();
  await page.keyboard.type('pay');
  await page.getByText('1 of 3').waitFor();
  await page.getByRole('link', { name: showcase.down.name }).tap();
  await heading(page, showcase.down.name);
  await page.locator('.results td.error').first().waitFor();
  await page.getByRole('button', { name: '7 d' }).tap();
  assert.equal(
    await page.getByRole('button', { name: '7 d' }).getAttribute('aria-pressed'),
    'true',
  );
  await look('2-monitor');
  await page.getByRole('button', { name: 'Pause' }).tap();
  await page.getByRole('button', { name: 'Resume' }).waitFor();

  await page.goto(`${node.url}/monitors/new`);
  await heading(page, 'New HTTP monitor');
  await page.getByLabel('Name', { exact: true }).tap();
  await page.keyboard.type('Phone');
  await page.getByLabel('URL', { exact: true }).fill('ftp://127.0.0.1/');
  await page.getByRole('button', { name: 'Create monitor' }).tap();
  await page.locator('#field-url-error').waitFor();
  errors.expect(/status of 400/);
  await look('3-form');

  await page.goto(`${node.url}/settings`);
  await heading(page, 'Settings');
  await page.getByRole('heading', { name: 'Sessions' }).waitFor();
  await look('4-settings');

  await page.goto(`${node.url}${showcase.statusPath}`);
  await heading(page, 'Shop');
  await look('5-status-page');

  assert.deepEqual(problems, [], 'nothing cut off, too small or scrolling sideways on a phone');
  assert.deepEqual(errors.seen, [], 'no console errors');
});
