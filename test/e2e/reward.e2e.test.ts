import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import * as ortNode from 'onnxruntime-node';
import { loadTokenizer } from '../../src/lib/engines/tokenizer';
import { readCombinedRewardModel } from '../../src/lib/reward/combined-onnx';
import { exportRewardModel, trainingMetadata } from '../../src/lib/reward/export';
import { trainRewardHead } from '../../src/lib/reward/train';
import { openTinyEncoder, signalPairs, TRAIN_TEMPLATES } from '../lib/reward/support';
import { launch, openPage, screenshot } from './browser';

// The Reward model page on the built site, embedded tiny encoder on WASM: training on the probe
// set's human labels with live curves and a held-out accuracy, cancelling, live scoring, export
// and re-import in a fresh page, refusing bad files, and the scores panel on the Label page.
describe('Reward model page', { timeout: 240_000 }, () => {
  const url = inject('appUrl');
  const dir = mkdtempSync(join(tmpdir(), 'rlaif-reward-e2e-'));
  let browser: Browser;
  let page: Page;
  let errors: string[];
  /** A model trained in Node on the encoder's planted signal, saved as the app saves models. */
  let signalModel: { manifest: string; head: string };

  beforeAll(async () => {
    browser = await launch();
    const encoder = await openTinyEncoder();
    const result = await trainRewardHead(encoder, signalPairs(TRAIN_TEMPLATES, 240, 1), {
      seed: 42,
      epochs: 12,
      lr: 0.01,
      batchSize: 16,
    });
    const saved = await exportRewardModel(result.head, encoder, trainingMetadata(result, 'ai'));
    await encoder.release();
    signalModel = { manifest: join(dir, 'signal.json'), head: join(dir, 'signal.onnx') };
    writeFileSync(signalModel.manifest, saved.manifestJson);
    writeFileSync(signalModel.head, saved.head);
  });
  afterAll(async () => browser?.close());

  async function openReward(): Promise<{ page: Page; errors: string[] }> {
    const opened = await openPage(browser, `${url}#/reward`);
    await expect
      .poll(() => opened.page.getByTestId('encoder-status').textContent(), { timeout: 60_000 })
      .toMatch(/Encoder .*tiny-encoder.* ready on\s+WASM/);
    return opened;
  }

  const text = async (p: Page, testid: string) => (await p.getByTestId(testid).textContent()) ?? '';
  const value = async (p: Page, testid: string) =>
    Number(await p.getByTestId(testid).getAttribute('data-value'));

  async function setResponses(p: Page, first: string, second: string): Promise<void> {
    await p.getByRole('textbox', { name: 'Response 1' }).fill(first);
    await p.getByRole('textbox', { name: 'Response 2' }).fill(second);
  }

  /** Both rewards of a model, once the box has scored the text now in it. */
  async function settledRewards(p: Page, slot: string): Promise<[number, number]> {
    const table = p.getByTestId('live-scores');
    await expect.poll(() => table.getAttribute('aria-busy'), { timeout: 30_000 }).toBe('false');
    return [await value(p, `live-${slot}-r1`), await value(p, `live-${slot}-r2`)];
  }

  it('trains on the probe set’s human labels: live curve and held-out accuracy with its CI', async () => {
    ({ page, errors } = await openReward());
    // The embedded folder's variants, asked before loading: its one fp32 graph, recommended.
    const variants = page.getByTestId('encoder-variant-select').locator('option');
    await expect
      .poll(() => variants.allTextContents())
      .toEqual([expect.stringMatching(/^fp32 · 672 kB \(recommended/)]);
    expect(await text(page, 'encoder-variant-note')).toMatch(/Recommended: fp32, .*1 variant/);
    expect(await text(page, 'encoder-status')).toMatch(
      /\(64-d, fp32, mean pooling, L2-normalised\) ready on\s+WASM/,
    );
    expect(await page.getByText('No labelled run yet').isVisible()).toBe(true);
    expect(
      await page.getByRole('checkbox', { name: 'RM trained on AI labels (RLAIF)' }).isDisabled(),
    ).toBe(true);
    const sizes = await text(page, 'split-sizes');
    const heldOut = Number(/Held out for evaluation: (\d+)/.exec(sizes)?.[1]);
    const trainN = Number(/Human-label training pairs: (\d+)/.exec(sizes)?.[1]);
    expect(heldOut).toBe(18); // 20% of the 90 probes
    expect(heldOut + trainN).toBe(90);

    await page.getByRole('button', { name: 'Train', exact: true }).click();
    const accuracy = page.getByTestId('rm-accuracy-human');
    await expect.poll(() => accuracy.isVisible(), { timeout: 120_000 }).toBe(true);
    const curves = page.getByTestId('curves-human');
    expect(Number(await curves.getAttribute('data-epochs'))).toBeGreaterThan(0);
    expect(await curves.locator('svg').count()).toBeGreaterThanOrEqual(2);
    expect(await curves.getByRole('img', { name: /epoch/ }).getAttribute('aria-label')).toMatch(
      /epoch \d+, train loss \d\.\d{3}, validation loss \d\.\d{3}, validation accuracy \d+\.\d%/,
    );

    const estimate = Number((await accuracy.textContent())?.replace('%', ''));
    const [low, high] = ((await text(page, 'rm-ci-human')).match(/[\d.]+(?=%)/g) ?? []).map(Number);
    expect(low).toBeLessThanOrEqual(estimate);
    expect(high).toBeGreaterThanOrEqual(estimate);
    expect((high ?? 0) - (low ?? 0)).toBeGreaterThan(10); // n = 18 gives a wide interval
    expect(await text(page, 'rm-n-human')).toBe(String(heldOut));
    expect(await text(page, 'rm-row-ai')).toMatch(/not trained/);
    await settledRewards(page, 'human');
    await screenshot(page, 'reward');
    expect(errors).toEqual([]);
  });

  it('cancels a long training mid-way; the page stays usable and keeps the previous model', async () => {
    const accuracy = await text(page, 'rm-accuracy-human');
    const rewards = await settledRewards(page, 'human');
    const curves = page.getByTestId('curves-human');
    const epochsBefore = await curves.getAttribute('data-epochs');
    const box = (name: string) => page.getByRole('textbox', { name });
    const defaults = [await box('Response 1').inputValue(), await box('Response 2').inputValue()];

    await page.locator('summary', { hasText: /^Settings$/ }).click();
    await page.getByRole('spinbutton', { name: 'Epochs' }).fill('20000');
    await page.getByRole('spinbutton', { name: 'Early-stopping patience' }).fill('20000');
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    // The curve grows while it trains.
    await expect
      .poll(async () => Number(await curves.getAttribute('data-epochs')), { timeout: 60_000 })
      .toBeGreaterThanOrEqual(5);
    expect(await text(page, 'train-status')).toMatch(/epoch \d+ of at most 20000/);
    await page.getByRole('button', { name: 'Cancel' }).click();

    await expect
      .poll(() => text(page, 'train-status'))
      .toMatch(/Training cancelled.*previous model is kept/);
    expect(await curves.getAttribute('data-epochs')).toBe(epochsBefore);
    expect(await text(page, 'rm-accuracy-human')).toBe(accuracy);
    expect(await page.getByRole('button', { name: 'Train', exact: true }).isEnabled()).toBe(true);
    // Still scoring with the same model.
    await setResponses(page, 'A fresh first response.', 'A fresh second response.');
    expect(await settledRewards(page, 'human')).not.toEqual(rewards);
    await setResponses(page, defaults[0] ?? '', defaults[1] ?? '');
    expect(await settledRewards(page, 'human')).toEqual(rewards);
  });

  it('scores as the user types: the planted signal, inertly rendered', async () => {
    await page
      .getByLabel(/Load a saved model/)
      .setInputFiles([signalModel.manifest, signalModel.head]);
    await expect
      .poll(() => text(page, 'import-ok'))
      .toMatch(/Loaded as the RM trained on AI labels/);
    expect(await text(page, 'rm-row-ai')).toMatch(/imported/);

    await setResponses(
      page,
      'It was accurate, correctly done and helpful.',
      'It was wrong, vague and misses the point.',
    );
    const [good, bad] = await settledRewards(page, 'ai');
    expect(good).toBeGreaterThan(bad);
    expect(Number((await text(page, 'live-ai-p')).replace('%', ''))).toBeGreaterThan(50);

    // Swap them by typing: the scores follow.
    await setResponses(
      page,
      'It was wrong, vague and misses the point.',
      'It was accurate, correctly done and helpful.',
    );
    const [bad2, good2] = await settledRewards(page, 'ai');
    expect(bad2).toBeCloseTo(bad, 6);
    expect(good2).toBeCloseTo(good, 6);

    const hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>';
    await page.getByRole('textbox', { name: 'Context' }).fill(hostile);
    await settledRewards(page, 'ai');
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('exports a model and re-imports it in a fresh page with identical scores', async () => {
    const saved: string[] = [];
    const group = page.getByTestId('export-human');
    for (const name of ['reward-model.json', 'head.onnx']) {
      const download = page.waitForEvent('download');
      await group.getByRole('button', { name }).click();
      const file = await download;
      expect(file.suggestedFilename()).toBe(name);
      const path = join(dir, `human-${name}`);
      await file.saveAs(path);
      saved.push(path);
    }
    expect(JSON.parse(readFileSync(saved[0] ?? '', 'utf8')).training.labels).toBe('human');
    const texts = ['Summarize the meeting notes.', 'A short summary.', 'A much longer summary.'];
    const fill = async (p: Page) => {
      await p.getByRole('textbox', { name: 'Context' }).fill(texts[0] ?? '');
      await setResponses(p, texts[1] ?? '', texts[2] ?? '');
    };
    await fill(page);
    const before = await settledRewards(page, 'human');
    const accuracy = await text(page, 'rm-accuracy-human');

    const second = await openReward();
    await fill(second.page);
    await second.page.getByLabel(/Load a saved model/).setInputFiles(saved);
    await expect
      .poll(() => text(second.page, 'import-ok'))
      .toMatch(/Loaded as the RM trained on human labels/);
    const after = await settledRewards(second.page, 'human');
    expect(after[0]).toBeCloseTo(before[0], 6);
    expect(after[1]).toBeCloseTo(before[1], 6);
    expect(await text(second.page, 'live-human-r1')).toBe(await text(page, 'live-human-r1'));
    // Same model, same seeded held-out split: the same accuracy.
    await expect.poll(() => text(second.page, 'rm-accuracy-human')).toBe(accuracy);

    // A malformed head and a head for another encoder are refused, and the model stays.
    const junk = join(dir, 'junk.onnx');
    writeFileSync(junk, 'this is not an onnx file');
    await second.page.getByLabel(/Load a saved model/).setInputFiles([saved[0] ?? '', junk]);
    await expect
      .poll(() => text(second.page, 'import-error'))
      .toMatch(/^RewardFormatError \(not-onnx\): /);
    const manifest = JSON.parse(readFileSync(saved[0] ?? '', 'utf8'));
    manifest.encoder.fingerprint = 'f'.repeat(64);
    const other = join(dir, 'other-encoder.json');
    writeFileSync(other, JSON.stringify(manifest));
    await second.page.getByLabel(/Load a saved model/).setInputFiles([other, saved[1] ?? '']);
    await expect
      .poll(() => text(second.page, 'import-error'))
      .toMatch(/^RewardFormatError \(encoder-mismatch\): .*trained on/);
    await second.page.getByRole('textbox', { name: 'Context' }).fill('Something else.');
    await fill(second.page);
    expect(await settledRewards(second.page, 'human')).toEqual(after);
    expect(second.errors).toEqual([]);
    await second.page.close();
  });

  it('exports one ONNX file that re-imports with identical scores and runs in onnxruntime-node', async () => {
    const download = page.waitForEvent('download');
    await page.getByTestId('export-combined-human').click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('reward-model.onnx');
    const path = join(dir, 'combined.onnx');
    await file.saveAs(path);
    const context = 'Summarize the meeting notes.';
    const responses = ['A short summary.', 'A much longer summary.'] as const;
    await page.getByRole('textbox', { name: 'Context' }).fill(context);
    await setResponses(page, ...responses);
    const before = await settledRewards(page, 'human');

    // Back into the app, in a fresh page: the head comes out of the one file byte for byte.
    const third = await openReward();
    await third.page.getByRole('textbox', { name: 'Context' }).fill(context);
    await setResponses(third.page, ...responses);
    await third.page.getByLabel(/Load a saved model/).setInputFiles([path]);
    await expect.poll(() => text(third.page, 'import-ok')).toMatch(/human labels/);
    const after = await settledRewards(third.page, 'human');
    expect(after[0]).toBeCloseTo(before[0], 6);
    expect(after[1]).toBeCloseTo(before[1], 6);
    await third.page.close();

    // And in a user's tool: onnxruntime-node, token ids from the tokenizer the file carries.
    const bytes = new Uint8Array(readFileSync(path));
    const { tokenizer, tokenizerConfig } = readCombinedRewardModel(bytes);
    const tok = loadTokenizer(JSON.parse(tokenizer), JSON.parse(tokenizerConfig ?? '{}'), {
      addSpecialTokens: true,
    });
    const session = await ortNode.InferenceSession.create(bytes);
    const ids = (text: string) => {
      const t = tok.encode(text);
      return new ortNode.Tensor('int64', BigInt64Array.from(t, BigInt), [1, t.length]);
    };
    const ones = (text: string) => {
      const n = tok.encode(text).length;
      return new ortNode.Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]);
    };
    for (const [i, response] of responses.entries()) {
      const out = await session.run({
        context_input_ids: ids(context),
        context_attention_mask: ones(context),
        response_input_ids: ids(response),
        response_attention_mask: ones(response),
      });
      expect((out.reward?.data as Float32Array)[0]).toBeCloseTo(before[i] ?? NaN, 4);
    }
    await session.release();
  });

  it('shows every published reward model’s r(x, y) on the Label page', async () => {
    await page.evaluate(() => (location.hash = '#/label'));
    const panel = page.getByTestId('reward-scores');
    await expect.poll(() => panel.locator('tbody tr').count(), { timeout: 60_000 }).toBe(2);
    const rows = await panel.locator('tbody tr').allTextContents();
    expect(rows[0]).toMatch(/RM trained on AI labels.*-?\d\.\d{4}.*-?\d\.\d{4}/);
    expect(rows[1]).toMatch(/RM trained on human labels.*-?\d\.\d{4}.*-?\d\.\d{4}/);
    expect(errors).toEqual([]);
  });

  it('probes a self-served encoder folder for its variants and loads the chosen one', async () => {
    const fourth = await openReward();
    const p = fourth.page;
    await p.getByLabel('Sentence encoder').selectOption('custom');
    // An absolute folder URL: the picker probes every variant's graph name with HEAD.
    await p.getByLabel('Encoder id or folder URL').fill(`${url}models/tiny-encoder/`);
    await p.getByLabel('Runs on').selectOption('wasm');
    const variants = p.getByTestId('encoder-variant-select').locator('option');
    await expect
      .poll(() => variants.allTextContents(), { timeout: 30_000 })
      .toEqual([expect.stringMatching(/^fp32 · 672 kB \(recommended/)]);
    expect(await text(p, 'encoder-variant-note')).toMatch(/1 variant, as the folder serves them/);
    await p.getByRole('button', { name: 'Load encoder' }).click();
    await expect
      .poll(() => text(p, 'encoder-status'), { timeout: 60_000 })
      .toMatch(
        /Encoder http.*tiny-encoder.*\(64-d, fp32, mean pooling, L2-normalised\) ready on\s+WASM/,
      );
    // The browser logs each HEAD probe of a variant the folder lacks as a 404; nothing else.
    expect(fourth.errors.filter((e) => !e.includes('status of 404 (Not Found)'))).toEqual([]);
    await p.close();
  });
});
