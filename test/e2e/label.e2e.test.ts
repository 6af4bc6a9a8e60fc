import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launch, openPage, screenshot } from './browser';

// The Label page on the built site: the embedded model loads in a worker, labels the first probe,
// and re-labels when the user edits the pair.
describe('Label page', { timeout: 240_000 }, () => {
  let browser: Browser;
  const url = inject('appUrl');
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => browser?.close());

  it('loads the embedded model, shows both orders and the debiased preference, and updates on edit', async () => {
    const { page, errors } = await openPage(browser, `${url}#/label`);
    const status = page.getByTestId('model-status');
    await expect
      .poll(() => status.textContent(), { timeout: 60_000 })
      .toMatch(/Loaded .*tiny-llama/);
    await expect.poll(() => page.getByTestId('synthetic-notice').isVisible()).toBe(true);
    const debiased = page.getByTestId('bars-debiased');
    await expect.poll(() => debiased.isVisible(), { timeout: 60_000 }).toBe(true);
    expect(await page.getByTestId('bars-stored').isVisible()).toBe(true);
    expect(await page.getByTestId('bars-swapped').isVisible()).toBe(true);

    const meters = debiased.getByRole('meter');
    const before = Number(await meters.first().getAttribute('aria-valuenow'));
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(1);
    const second = Number(await meters.nth(1).getAttribute('aria-valuenow'));
    expect(before + second).toBeCloseTo(1, 6);
    await screenshot(page, 'label');

    // Edit the first candidate: the labeler runs again and the bars change.
    await page
      .getByRole('textbox', { name: 'Summary 1' })
      .fill('A completely different and much longer summary about bicycles and rain.');
    await expect
      .poll(async () => Number(await meters.first().getAttribute('aria-valuenow')), {
        timeout: 90_000,
      })
      .not.toBe(before);
    expect(errors).toEqual([]);
  });

  it('renders hostile text inertly', async () => {
    const { page } = await openPage(browser, `${url}#/label`);
    await expect
      .poll(() => page.getByTestId('model-status').textContent(), { timeout: 60_000 })
      .toMatch(/Loaded/);
    const hostile =
      '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>\u202eRTL\u200b';
    await page.getByRole('textbox', { name: 'Summary 2' }).fill(hostile);
    await expect
      .poll(() => page.getByTestId('bars-debiased').isVisible(), { timeout: 90_000 })
      .toBe(true);
    expect(
      await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned),
    ).toBeUndefined();
    expect(await page.locator('img[src="x"]').count()).toBe(0);
  });
});
