// Steps of the RLAIF loop on the built app, shared by the e2e tests that need its state: label a
// probe batch on the Dataset page, train both reward models on the Reward page, run the Policy page.
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

export const go = (page: Page, hash: string) => page.evaluate((h) => (location.hash = h), hash);

/** Open the built-in probes as a new run of their first `pairs` pairs, once the model is ready. */
export async function createProbeRun(page: Page, pairs: number): Promise<void> {
  await go(page, '#/dataset');
  await expect
    .poll(() => page.getByTestId('dataset-model').textContent(), { timeout: 90_000 })
    .toMatch(/Labeler: .*tiny-llama/);
  await page.getByRole('button', { name: 'Use the probe set' }).click();
  await page.getByRole('spinbutton', { name: 'First N pairs' }).fill(String(pairs));
  await page.getByRole('button', { name: 'Create run' }).click();
  await page.getByRole('button', { name: `Label ${pairs} pairs` }).waitFor(); // the run is open
}

/** Wait until every pair of the open run of `pairs` pairs is labelled. */
export async function batchDone(page: Page, pairs: number): Promise<void> {
  await expect
    .poll(() => page.getByTestId('batch-count').textContent(), { timeout: 120_000 })
    .toBe(`${pairs}/${pairs}`);
}

/** Open the built-in probes as a run of the first `pairs` pairs and label all of them. */
export async function labelProbeBatch(page: Page, pairs: number): Promise<void> {
  await createProbeRun(page, pairs);
  await page.getByRole('button', { name: `Label ${pairs} pairs` }).click();
  await batchDone(page, pairs);
}

/** Train the AI-label and human-label reward models on the open run; returns the split sizes. */
export async function trainRewardModels(page: Page): Promise<{ aiPairs: number; heldOut: number }> {
  await go(page, '#/reward');
  const sizes = page.getByTestId('split-sizes');
  await expect.poll(() => sizes.textContent(), { timeout: 60_000 }).toMatch(/AI-label/);
  const text = (await sizes.textContent()) ?? '';
  const aiPairs = Number(/AI-label training pairs: (\d+)/.exec(text)?.[1]);
  const heldOut = Number(/Held out for evaluation: (\d+)/.exec(text)?.[1]);
  const aiBox = page.getByRole('checkbox', { name: 'RM trained on AI labels (RLAIF)' });
  await expect.poll(() => aiBox.isEnabled(), { timeout: 60_000 }).toBe(true);
  if (!(await aiBox.isChecked())) await aiBox.check();
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  for (const slot of ['ai', 'human']) {
    await expect
      .poll(() => page.getByTestId(`rm-accuracy-${slot}`).textContent(), { timeout: 120_000 })
      .toMatch(/\d+(\.\d+)?%/);
  }
  return { aiPairs, heldOut };
}

export interface PolicyRun {
  contexts: number;
  heldOut: number;
  n: number;
  maxTokens: number;
  steps: number;
}

/** Fill the Policy page's settings and "Run all" until the win-rate table is drawn. */
export async function runPolicy(page: Page, run: PolicyRun): Promise<void> {
  await go(page, '#/policy');
  const runAll = page.getByRole('button', { name: 'Run all' });
  await expect.poll(() => runAll.isEnabled(), { timeout: 60_000 }).toBe(true);
  await page.getByLabel('Count').fill(String(run.contexts));
  await page.getByLabel('Held out').fill(String(run.heldOut));
  await page.getByLabel('N', { exact: true }).fill(String(run.n));
  await page.getByLabel('Max tokens').fill(String(run.maxTokens));
  await page.getByLabel('Steps').fill(String(run.steps));
  await runAll.click();
  await expect.poll(() => page.getByTestId('policy-job').isVisible()).toBe(true);
  await expect
    .poll(() => page.getByTestId('policy-winrates').isVisible(), { timeout: 80_000 })
    .toBe(true);
}
