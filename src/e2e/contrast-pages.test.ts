/**
 * Contrast in a real browser, light and dark: on the login page, the monitor list (Up, Down
 * and Paused), a monitor page with an incident and errors, a form showing a field error,
 * settings and the public status page, every piece of visible text has at least the contrast
 * WCAG 2.x AA asks (4.5:1, large text 3:1) over the background it really sits on. The lowest
 * ratio of each page and scheme goes to artifacts/contrast/lowest.json.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { OWNER, REPO_ROOT } from '../testing/index.js';
import { heading, logIn, startBrowserRun } from './browser.js';
import { parseColour, requiredRatio, textContrast } from './contrast.js';
import { collectText } from './page-text.js';
import { fillShowcase } from './showcase.js';

const SCHEMES = ['light', 'dark'] as const;

/** The least contrast found on a page in one scheme, and every piece of text below its need. */
interface Measured {
  lowest: { ratio: number; what: string; text: string } | undefined;
  failures: string[];
}

async function measure(page: Page): Promise<Measured> {
  const samples = await page.evaluate(collectText);
  const measured: Measured = { lowest: undefined, failures: [] };
  for (const sample of samples) {
    const where = `${sample.what} "${sample.text}"`;
    if (sample.overImage) {
      measured.failures.push(`${where}: over a background image, not measurable`);
      continue;
    }
    const ratio = textContrast(
      parseColour(sample.colour),
      sample.opacity,
      sample.layers.map(parseColour),
      parseColour(sample.canvas),
    );
    const needed = requiredRatio(sample.fontSizePx, sample.fontWeight);
    if (!measured.lowest || ratio < measured.lowest.ratio) {
      measured.lowest = { ratio, what: sample.what, text: sample.text };
    }
    if (ratio < needed) {
      measured.failures.push(`${where}: ${ratio.toFixed(2)}:1, needs ${needed}:1`);
    }
  }
  return measured;
}

test('contrast: every visible text meets WCAG AA on the main pages, light and dark', async (t) => {
  const { node, api, page, errors, shot } = await startBrowserRun(t, 'contrast');
  const showcase = await fillShowcase(t, api);
  const report: Record<string, { ratio: string; what: string; text: string }> = {};
  const failures: string[] = [];
  const check = async (name: string) => {
    for (const colorScheme of SCHEMES) {
      await page.emulateMedia({ colorScheme });
      const measured = await measure(page);
      assert.ok(measured.lowest, `${name} (${colorScheme}) has text to measure`);
      report[`${name} ${colorScheme}`] = {
        ...measured.lowest,
        ratio: measured.lowest.ratio.toFixed(2),
      };
      failures.push(...measured.failures.map((failure) => `${name} (${colorScheme}): ${failure}`));
      await shot(`${name}-${colorScheme}`);
    }
  };

  await page.goto(`${node.url}/login`);
  await heading(page, 'Log in');
  await check('login');

  await logIn(page, node.url, OWNER);
  for (const state of ['Up', 'Down', 'Paused']) {
    await page.locator('.state', { hasText: new RegExp(`^${state}$`) }).waitFor();
  }
  await check('list');

  await page.goto(`${node.url}/monitors/${showcase.down.id}`);
  await heading(page, showcase.down.name);
  await page.locator('.results td.error').first().waitFor();
  await page.locator('.incidents li').first().waitFor();
  await check('monitor');

  await page.goto(`${node.url}/monitors/new`);
  await heading(page, 'New HTTP monitor');
  await page.getByLabel('Name', { exact: true }).fill('Bad');
  await page.getByLabel('URL', { exact: true }).fill('ftp://127.0.0.1/');
  await page.getByRole('button', { name: 'Create monitor' }).click();
  await page.locator('#field-url-error').waitFor();
  errors.expect(/status of 400/);
  await check('form');

  await page.goto(`${node.url}/settings`);
  await heading(page, 'Settings');
  await page.getByRole('heading', { name: 'Sessions' }).waitFor();
  await check('settings');

  await page.goto(`${node.url}${showcase.statusPath}`);
  await heading(page, 'Shop');
  await check('status-page');

  writeFileSync(
    join(REPO_ROOT, 'artifacts', 'contrast', 'lowest.json'),
    `${JSON.stringify(report, null, 2)}\n`,
  );
  for (const [where, lowest] of Object.entries(report)) {
    t.diagnostic(`${where}: lowest ${lowest.ratio}:1 (${lowest.what} "${lowest.text}")`);
  }
  assert.deepEqual(failures, [], 'text below the WCAG AA contrast');
  assert.deepEqual(errors.seen, [], 'no console errors');
});
