import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launch, openPage, screenshot } from './browser';

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
    const go = (hash: string) => page.evaluate((h) => (location.hash = h), hash);
    await expect
      .poll(() => page.getByTestId('dataset-model').textContent(), { timeout: 90_000 })
      .toMatch(/Labeler: .*tiny-llama/);
    await page.getByRole('button', { name: 'Use the probe set' }).click();
    await page.getByRole('spinbutton', { name: 'First N pairs' }).fill('20');
    await page.getByRole('button', { name: 'Create run' }).click();
    await page.getByRole('button', { name: 'Label 20 pairs' }).click();
    await expect
      .poll(() => page.getByTestId('batch-count').textContent(), { timeout: 120_000 })
      .toBe('20/20');

    // Reward page: the open run's AI labels are training data now.
    await go('#/reward');
    const sizes = page.getByTestId('split-sizes');
    await expect.poll(() => sizes.textContent(), { timeout: 60_000 }).toMatch(/AI-label/);
    const aiPairs = Number(
      /AI-label training pairs: (\d+)/.exec((await sizes.textContent()) ?? '')?.[1],
    );
    const heldOut = Number(
      /Held out for evaluation: (\d+)/.exec((await sizes.textContent()) ?? '')?.[1],
    );
    expect(aiPairs).toBeGreaterThan(0);
    expect(heldOut).toBeGreaterThan(0);
    expect(aiPairs + heldOut).toBeLessThanOrEqual(20);
    const aiBox = page.getByRole('checkbox', { name: 'RM trained on AI labels (RLAIF)' });
    await expect.poll(() => aiBox.isEnabled(), { timeout: 60_000 }).toBe(true);
    if (!(await aiBox.isChecked())) await aiBox.check();
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    for (const slot of ['ai', 'human']) {
      await expect
        .poll(() => page.getByTestId(`rm-accuracy-${slot}`).textContent(), { timeout: 120_000 })
        .toMatch(/\d+(\.\d+)?%/);
    }
    // Both models are judged on the same held-out human-labelled pairs.
    const nAi = await page.getByTestId('rm-n-ai').textContent();
    expect(nAi).toBe(String(heldOut));
    expect(await page.getByTestId('rm-n-human').textContent()).toBe(nAi);

    // Results: the run's alignment and both reward models next to the paper's numbers.
    await go('#/results');
    await expect.poll(() => page.getByTestId('current-run').textContent()).toMatch(/n = 20/);
    const yours = page.getByTestId('rm-yours');
    await expect.poll(() => yours.textContent()).toMatch(/\d+(\.\d+)?%.*\d+(\.\d+)?%/);
    expect(await page.getByTestId('speaker-sentence').textContent()).toMatch(/tiny-llama/);
    await screenshot(page, 'results-run');

    // Policy: the trained reward models are offered as the reward.
    await go('#/policy');
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
