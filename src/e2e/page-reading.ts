/**
 * Reading the dashboard's pages in the browser tests of the monitor list, the monitor page
 * and the type forms: a row's state, a form's field, the names in the list's order.
 */
import type { Page } from 'playwright-core';
import { waitFor } from '../testing/index.js';

/** Waits until the monitor's row in the list shows `state` (in words) in its state cell. */
export async function stateInList(page: Page, name: string, state: string): Promise<void> {
  await page
    .getByRole('row', { name: new RegExp(`^${name} `) })
    .locator('.state', { hasText: new RegExp(`^${state}$`) })
    .waitFor({ timeout: 20_000 });
}

/** A form's field by its exact label. */
export const field = (page: Page, label: string) => page.getByLabel(label, { exact: true });

/** The monitor names the list draws, top to bottom. */
export function namesInList(page: Page): Promise<string[]> {
  return page.locator('table.monitors tbody tr[data-monitor-id] th').allInnerTexts();
}

/**
 * Waits until the list draws exactly `names`, in that order (the list sorts again as live
 * results come, so a moment's order is not enough); fails naming the last order seen.
 */
export async function listOrderIs(page: Page, names: readonly string[], why: string) {
  let seen: string[] = [];
  await waitFor(
    `${why}: ${names.join(', ')}`,
    async () => {
      seen = await namesInList(page);
      return seen.join('\n') === names.join('\n') ? true : undefined;
    },
    10_000,
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}; the list showed ${seen.join(', ')}`);
  });
}
