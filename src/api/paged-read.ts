import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Page } from '../store/index.js';

/**
 * Entities one page of a large read holds: at 10,000 monitors a page of the list or the
 * summary costs the event loop ~15 ms, where the whole read at once held it ~300 ms and the
 * checks due meanwhile waited.
 */
export const READ_PAGE_SIZE = 500;

/**
 * Reads an account's entities page by page in id order, letting the event loop run between
 * pages. Each page is consistent in itself; a change between pages shows in the later ones.
 */
export async function readInPages<T>(
  readPage: (page: Page) => T[],
  idOf: (item: T) => string,
  limit = READ_PAGE_SIZE,
): Promise<T[]> {
  const items: T[] = [];
  for (let after = ''; ;) {
    const page = readPage({ after, limit });
    for (const item of page) items.push(item);
    const last = page.at(-1);
    if (last === undefined || page.length < limit) return items;
    after = idOf(last);
    await nextTurn();
  }
}
