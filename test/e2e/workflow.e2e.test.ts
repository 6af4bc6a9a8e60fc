import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launch, openPage, screenshot } from './browser';
import { go, labelProbeBatch, trainRewardModels } from './loop';

// The whole RLAIF loop in one tab, as a speaker would show it: label a probe batch on the Dataset
// page, train reward models on its AI labels and on its human labels, read both accuracies on the
// Results page next to the paper's, and offer the AI-label reward model to the Policy page.
describe('RLAIF loop across pages', { timeout: 300_000 }, () => {
  let browser: Browser;
  const url = inject('appUrl');
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => browser?.close());

  it('labels a batch, distils it into a reward model, and reports it on Results and Policy', async () => {
    const { page, errors } = await openPage(browser, `${url}#/dataset`);
    await labelProbeBatch(page, 20);

    // Reward page: the open run's AI labels are training data now.
    const { aiPairs, heldOut } = await trainRewardModels(page);
    expect(aiPairs).toBeGreaterThan(0);
    expect(heldOut).toBeGreaterThan(0);
    expect(aiPairs + heldOut).toBeLessThanOrEqual(20);
    // Both models are judged on the same held-out human-labelled pairs.
    const nAi = await page.getByTestId('rm-n-ai').textContent();
    expect(nAi).toBe(String(heldOut));
    expect(await page.getByTestId('rm-n-human').textContent()).toBe(nAi);

    // Results: the run's alignment and both reward models next to the paper's numbers.
    await go(page, '#/results');
    await expect.poll(() => page.getByTestId('current-run').textContent()).toMatch(/n = 20/);
    const yours = page.getByTestId('rm-yours');
    await expect.poll(() => yours.textContent()).toMatch(/\d+(\.\d+)?%.*\d+(\.\d+)?%/);
    expect(await page.getByTestId('speaker-sentence').textContent()).toMatch(/tiny-llama/);
    await screenshot(page, 'results-run');

    // Policy: the trained reward models are offered as the reward.
    await go(page, '#/policy');
    const reward = page.getByRole('combobox', { name: 'Reward' });
    await expect
      .poll(() => reward.locator('option').allTextContents())
      .toEqual(
        expect.arrayContaining([
          'RM trained on AI labels (RLAIF)',
          'RM trained on human labels (RLHF)',
        ]),
      );
    expect(errors).toEqual([]);
  });
});
