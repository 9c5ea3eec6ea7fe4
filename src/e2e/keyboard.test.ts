/**
 * Real work by keyboard alone: the skip link is the first Tab stop and takes the focus to the
 * page; a new page puts the focus on its heading; the list is searched by typing and a
 * monitor opened with Enter; on its page a chart range is chosen and the monitor paused and
 * resumed; its deletion asked, refused with Escape and with "Keep it", then confirmed, the
 * focus landing somewhere sensible each time. Every Tab stop shows a focus ring.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ElementHandle, Page } from 'playwright-core';
import { OWNER } from '../testing/index.js';
import { heading, logIn, startBrowserRun } from './browser.js';
import { fillShowcase } from './showcase.js';

// What the functions run in the page use (this code's types are Node's, not the DOM's).
interface PageElement {
  tagName: string;
  textContent: string | null;
  closest(selector: string): PageElement | null;
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { x: number; y: number; width: number; height: number };
}
declare const document: { activeElement: PageElement | null };
declare const getComputedStyle: (element: PageElement) => {
  outlineStyle: string;
  outlineWidth: string;
  outlineColor: string;
  boxShadow: string;
};

/** The focused element, described: tag, text, and whether it is in the main content. */
async function focused(page: Page) {
  return page.evaluate(() => {
    const element = document.activeElement;
    return {
      tag: element?.tagName.toLowerCase() ?? '',
      text: element?.tagName === 'BODY' ? '' : (element?.textContent ?? '').trim().slice(0, 60),
      label: element?.getAttribute('aria-label') ?? '',
      inMain: Boolean(element?.closest('main')),
      x: element?.getBoundingClientRect().x ?? -1,
    };
  });
}

/** How focus shows on an element: its outline and shadow. */
const ring = (element: ElementHandle<PageElement>) =>
  element.evaluate((node) => {
    const style = getComputedStyle(node);
    return `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor} / ${style.boxShadow}`;
  });

/**
 * Presses `key` (Tab, or Shift+Tab to go back) until the focus is on an element `matches`
 * accepts, at most `limit` times; each stop passed shows a ring when focused that it does not
 * show once the focus moved on.
 */
async function tabTo(
  page: Page,
  what: string,
  matches: (element: Awaited<ReturnType<typeof focused>>) => boolean,
  key: 'Tab' | 'Shift+Tab' = 'Tab',
  limit = 30,
): Promise<void> {
  await page.keyboard.press(key);
  for (let presses = 1; presses <= limit; presses++) {
    const now = await focused(page);
    if (matches(now)) return;
    const element = (await page.evaluateHandle(
      () => document.activeElement,
    )) as ElementHandle<PageElement>;
    const withFocus = await ring(element);
    await page.keyboard.press(key);
    const without = await ring(element);
    assert.notEqual(withFocus, without, `a focus ring on ${now.tag} "${now.text || now.label}"`);
  }
  assert.fail(`${what} not reached in ${limit} presses of ${key}`);
}

/** Waits (up to 2 s: focus moves after the next paint) for the focus on an element `text`. */
async function focusComesTo(page: Page, text: string, why: string): Promise<void> {
  const on = await page
    .waitForFunction((expected) => document.activeElement?.textContent?.trim() === expected, text, {
      timeout: 2_000,
    })
    .then(
      () => text,
      async () => (await focused(page)).text,
    );
  assert.equal(on, text, why);
}

/** Waits (up to 2 s) for the focus on the page's heading, `text`. */
async function focusOnHeading(page: Page, text: string): Promise<void> {
  const on = await page
    .waitForFunction(
      (expected) =>
        document.activeElement?.tagName === 'H1' &&
        document.activeElement.textContent?.trim() === expected,
      text,
      { timeout: 2_000 },
    )
    .then(
      () => ['h1', text],
      async () => {
        const now = await focused(page);
        return [now.tag, now.text];
      },
    );
  assert.deepEqual(on, ['h1', text], `the focus is on the heading ${text}`);
}

test('keyboard: skip link, headings, search, open a monitor, chart range, pause, delete', async (t) => {
  const { node, api, page, errors, shot } = await startBrowserRun(t, 'keyboard');
  const showcase = await fillShowcase(t, api);
  await logIn(page, node.url, OWNER);

  // A fresh load: the first Tab stop is the skip link, shown on the screen; Enter goes to the
  // page's content.
  await page.goto(`${node.url}/`);
  await heading(page, 'Monitors');
  await page.locator('.state', { hasText: /^Down$/ }).waitFor();
  await page.keyboard.press('Tab');
  const skip = await focused(page);
  assert.deepEqual([skip.tag, skip.text], ['a', 'Skip to content'], 'the skip link comes first');
  assert.ok(skip.x >= 0, 'the skip link shows when focused');
  await shot('1-skip-link');
  await page.keyboard.press('Enter');
  await focusOnHeading(page, 'Monitors');

  // Search by typing, then Tab to the one monitor left and open it with Enter.
  await tabTo(page, 'the search field', (now) => now.tag === 'input' && now.inMain);
  await page.keyboard.type('pay');
  await page.getByText('1 of 3').waitFor();
  await tabTo(
    page,
    showcase.down.name,
    (now) => now.tag === 'a' && now.text === showcase.down.name,
  );
  await page.keyboard.press('Enter');
  await heading(page, showcase.down.name);
  await focusOnHeading(page, showcase.down.name);

  // Pause, then resume, with Space on the same button.
  await tabTo(page, 'Pause', (now) => now.text === 'Pause');
  await page.keyboard.press('Space');
  await page.getByRole('button', { name: 'Resume' }).waitFor();
  assert.equal((await focused(page)).text, 'Resume', 'the focus stays on the button');
  await shot('2-paused');
  await page.keyboard.press('Space');
  await page.getByRole('button', { name: 'Pause' }).waitFor();
  assert.equal((await focused(page)).text, 'Pause', 'the focus stays on the button');
  const monitor = await api.expect<{ paused: boolean }>(
    200,
    'GET',
    `/api/v1/monitors/${showcase.down.id}`,
  );
  assert.equal(monitor.paused, false, 'paused and resumed');

  // A chart range, chosen with Enter; the focus stays on it.
  await tabTo(page, 'the 7 d range', (now) => now.text === '7 d');
  await page.keyboard.press('Enter');
  const week = page.getByRole('button', { name: '7 d' });
  await page.waitForFunction(() => document.activeElement?.getAttribute('aria-pressed') === 'true');
  assert.equal(await week.getAttribute('aria-pressed'), 'true');
  assert.equal((await focused(page)).text, '7 d', 'the focus stays on the range');

  // Delete: asked, Escape refuses, the focus back on Delete; asked, "Keep it" refuses; asked,
  // confirmed: the list, its heading focused.
  await tabTo(page, 'Delete', (now) => now.text === 'Delete', 'Shift+Tab');
  await page.keyboard.press('Enter');
  await focusComesTo(page, 'Delete for good', 'the question takes the focus');
  await shot('3-delete-asked');
  await page.keyboard.press('Escape');
  await page.getByRole('alertdialog').waitFor({ state: 'detached' });
  await focusComesTo(page, 'Delete', 'Escape: the focus back on Delete');
  await page.keyboard.press('Enter');
  await focusComesTo(page, 'Delete for good', 'asked again');
  await tabTo(page, 'Keep it', (now) => now.text === 'Keep it');
  await page.keyboard.press('Enter');
  await page.getByRole('alertdialog').waitFor({ state: 'detached' });
  await focusComesTo(page, 'Delete', 'Keep it: the focus back on Delete');
  await page.keyboard.press('Enter');
  await focusComesTo(page, 'Delete for good', 'asked again');
  await page.keyboard.press('Enter');
  await heading(page, 'Monitors');
  await focusOnHeading(page, 'Monitors');
  await api.expect(404, 'GET', `/api/v1/monitors/${showcase.down.id}`);

  // The header's links lead to a page whose heading takes the focus.
  await tabTo(page, 'Settings', (now) => now.text === 'Settings', 'Shift+Tab');
  await page.keyboard.press('Enter');
  await heading(page, 'Settings');
  await focusOnHeading(page, 'Settings');
  assert.deepEqual(errors.seen, [], 'no console errors');
});
