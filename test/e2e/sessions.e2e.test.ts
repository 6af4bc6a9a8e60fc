import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launch, openPage } from './browser';

// A run is a session: its labels and the reward models trained on it are stored in this browser.
// Label a probe run, train both reward models, reload, and the run comes back with its models:
// the same held-out accuracies and the same rewards. Deleting the run deletes its models.
describe('Runs keep their reward models across a reload', { timeout: 300_000 }, () => {
  let browser: Browser;
  const url = inject('appUrl');
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => browser?.close());

  const SLOTS = ['ai', 'human'] as const;
  const text = async (page: Page, testid: string) =>
    (await page.getByTestId(testid).textContent()) ?? '';

  async function modelReady(page: Page): Promise<void> {
    await expect
      .poll(() => text(page, 'dataset-model'), { timeout: 90_000 })
      .toMatch(/Labeler: .*tiny-llama/);
  }

  async function encoderReady(page: Page): Promise<void> {
    await expect
      .poll(() => text(page, 'encoder-status'), { timeout: 60_000 })
      .toMatch(/Encoder .*tiny-encoder.* ready on\s+WASM/);
  }

  /** Accuracy, CI and n of both models, once both are evaluated. */
  async function accuracyTable(page: Page): Promise<string[]> {
    for (const slot of SLOTS) {
      await expect
        .poll(() => text(page, `rm-accuracy-${slot}`), { timeout: 120_000 })
        .toMatch(/\d+(\.\d+)?%/);
    }
    const cells = SLOTS.flatMap((slot) => [`rm-accuracy-${slot}`, `rm-ci-${slot}`, `rm-n-${slot}`]);
    return Promise.all(cells.map((cell) => text(page, cell)));
  }

  /** r(x, y1) and r(x, y2) of both models for the scoring box's default text. */
  async function rewards(page: Page): Promise<number[]> {
    const table = page.getByTestId('live-scores');
    await expect.poll(() => table.getAttribute('aria-busy'), { timeout: 30_000 }).toBe('false');
    const cells = SLOTS.flatMap((slot) => [`live-${slot}-r1`, `live-${slot}-r2`]);
    return Promise.all(
      cells.map(async (cell) => Number(await page.getByTestId(cell).getAttribute('data-value'))),
    );
  }

  /** What IndexedDB holds, read directly (not through the app): runs and reward models. */
  function stored(page: Page): Promise<{ runs: number; models: [string, string][] }> {
    return page.evaluate(
      () =>
        new Promise<{ runs: number; models: [string, string][] }>((resolve, reject) => {
          const open = indexedDB.open('rlaif-lab-runs');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const db = open.result;
            const tx = db.transaction(['runs', 'rewardModels']);
            const runs = tx.objectStore('runs').count();
            const models = tx.objectStore('rewardModels').getAll();
            tx.onerror = () => reject(tx.error);
            tx.oncomplete = () => {
              type Row = { runId: string; slot: string; head: unknown };
              const rows = models.result as Row[];
              resolve({
                runs: runs.result,
                // Slot, and whether the head came back as bytes.
                models: rows.map((r) => [r.slot, r.head instanceof Uint8Array ? 'bytes' : 'other']),
              });
              db.close();
            };
          };
        }),
    );
  }

  it('restores both reward models of the reopened run, with the same numbers', async () => {
    const { page, errors } = await openPage(browser, `${url}#/dataset`);
    const go = (hash: string) => page.evaluate((h) => (location.hash = h), hash);
    await modelReady(page);
    await page.getByRole('button', { name: 'Use the probe set' }).click();
    await page.getByRole('spinbutton', { name: 'First N pairs' }).fill('12');
    await page.getByRole('button', { name: 'Create run' }).click();
    await page.getByRole('button', { name: 'Label 12 pairs' }).click();
    await expect.poll(() => text(page, 'batch-count'), { timeout: 120_000 }).toBe('12/12');

    await go('#/reward');
    await encoderReady(page);
    const aiBox = page.getByRole('checkbox', { name: 'RM trained on AI labels (RLAIF)' });
    await expect.poll(() => aiBox.isEnabled(), { timeout: 60_000 }).toBe(true);
    if (!(await aiBox.isChecked())) await aiBox.check();
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    const table = await accuracyTable(page);
    const scores = await rewards(page);
    expect(scores.every(Number.isFinite)).toBe(true);
    expect(await page.getByTestId('rm-origin-ai').count()).toBe(0); // trained here, not restored
    await expect
      .poll(() => stored(page))
      .toEqual({
        runs: 1,
        models: [
          ['ai', 'bytes'],
          ['human', 'bytes'],
        ],
      });

    // Reload while on the Reward page: the app reopens the last run at start, whatever the page,
    // and the Reward page restores the run's models.
    await go('#/reward');
    await page.reload();
    await encoderReady(page);
    for (const slot of SLOTS) {
      await expect
        .poll(() => text(page, `rm-origin-${slot}`), { timeout: 60_000 })
        .toBe('restored from this run');
    }
    expect(await accuracyTable(page)).toEqual(table);
    const again = await rewards(page);
    for (const [i, score] of again.entries()) expect(score).toBeCloseTo(scores[i]!, 6);
    expect(await page.getByTestId('restore-notice').count()).toBe(0);
    expect(await page.getByTestId('save-error').count()).toBe(0);

    // The Dataset page has the run open, and its list names the saved models.
    await go('#/dataset');
    await modelReady(page);
    await expect.poll(() => page.getByTestId('open-run').isVisible()).toBe(true);
    await expect.poll(() => text(page, 'runs')).toMatch(/RM: AI, human/);

    // Deleting the run deletes its reward models with it.
    await go('#/dataset');
    await page.getByRole('button', { name: 'Delete run Probes' }).click();
    await page.getByRole('button', { name: 'Confirm delete' }).click();
    await expect.poll(() => stored(page)).toEqual({ runs: 0, models: [] });
    expect(errors).toEqual([]);
  });
});
