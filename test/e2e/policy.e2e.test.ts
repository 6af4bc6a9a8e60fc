import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launch, openPage, screenshot } from './browser';
import { runPolicy } from './loop';

// The Policy page on the built site with the embedded tiny model (WASM): sample N = 4 for a few
// probe contexts, reward them with d-RLAIF, train REINFORCE, judge on held-out contexts.
describe('Policy page', { timeout: 120_000 }, () => {
  let browser: Browser;
  const url = inject('appUrl');
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => browser?.close());

  it('samples, rewards, draws the frontier and curves, and fills the win-rate table', async () => {
    const { page, errors } = await openPage(browser, `${url}#/policy`);
    await runPolicy(page, { contexts: 4, heldOut: 2, n: 4, maxTokens: 16, steps: 25 });
    expect(await page.getByTestId('policy-synthetic').isVisible()).toBe(true);
    const table = page.getByTestId('policy-winrates');
    expect(await page.getByRole('alert').count()).toBe(0);

    // Three policies, each with a win rate and a 95% CI, and lengths next to them.
    const rows = table.locator('tbody tr');
    expect(await rows.count()).toBe(3);
    const first = (await rows.first().textContent()) ?? '';
    expect(first).toMatch(/Best-of-4/);
    const cells = await table.getByTestId('winrate-ai').allTextContents();
    for (const cell of cells) expect(cell).toMatch(/\d+% \[\d+%, \d+%\]/);
    expect(await table.textContent()).toMatch(/vs SFT \d/);

    // The frontier was drawn with the slider's point; REINFORCE ran every step.
    const frontier = page.getByTestId('policy-frontier');
    expect(Number(await frontier.getAttribute('data-points'))).toBeGreaterThan(10);
    expect(await frontier.locator('svg').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('policy-curves').getAttribute('data-steps')).toBe('25');
    expect(await page.getByTestId('policy-curves').locator('svg').count()).toBe(3);

    // Moving beta' to its small end moves the point towards best-of-N (more KL).
    const chart = frontier.locator('div[role="img"]');
    const label = await chart.getAttribute('aria-label');
    await page.getByRole('slider').fill('-2');
    await expect.poll(() => chart.getAttribute('aria-label')).not.toBe(label);
    expect(await chart.getAttribute('aria-label')).toMatch(/beta' 0\.010/);

    await screenshot(page, 'policy');
    expect(errors).toEqual([]);
  });
});
