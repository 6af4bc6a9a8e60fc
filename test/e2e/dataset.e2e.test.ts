import { mkdtempSync, readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import type { Summary } from '../../src/cli/summary';
import { launch, openPage, screenshot } from './browser';

// The Dataset page on the built site with the embedded tiny model (WASM): batch labelling saved
// to IndexedDB as it goes, resume after a reload, file import with a bad-line report, hostile text.
describe('Dataset page', { timeout: 240_000 }, () => {
  let browser: Browser;
  const url = inject('appUrl');
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => browser?.close());

  async function openDataset(): Promise<{ page: Page; errors: string[] }> {
    const opened = await openPage(browser, `${url}#/dataset`);
    await modelReady(opened.page);
    return opened;
  }

  async function modelReady(page: Page): Promise<void> {
    await expect
      .poll(() => page.getByTestId('dataset-model').textContent(), { timeout: 90_000 })
      .toMatch(/Labeler: .*tiny-llama/);
  }

  /** Stage the probes and create a run of the first `n` summarization probes. */
  async function probeRun(page: Page, n: number): Promise<void> {
    await page.getByRole('button', { name: 'Use the probe set' }).click();
    await page.getByRole('spinbutton', { name: 'First N pairs' }).fill(String(n));
    await page.getByRole('button', { name: 'Create run' }).click();
    await expect.poll(() => page.getByTestId('open-run').isVisible()).toBe(true);
  }

  /** "done/total" as numbers. */
  async function count(page: Page): Promise<[number, number]> {
    const text = (await page.getByTestId('batch-count').textContent()) ?? '';
    const [done, total] = text.split('/').map(Number);
    return [done ?? NaN, total ?? NaN];
  }

  /** The labels stored in IndexedDB, read directly (not through the app). */
  function storedLabels(page: Page): Promise<{ pairId: string; p0: number }[]> {
    return page.evaluate(
      () =>
        new Promise<{ pairId: string; p0: number }[]>((resolve, reject) => {
          const open = indexedDB.open('rlaif-lab-runs');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const db = open.result;
            const request = db.transaction('labels').objectStore('labels').getAll();
            request.onerror = () => reject(request.error);
            request.onsuccess = () => {
              type Row = { pairId: string; label: { label: [number, number] } };
              resolve(
                (request.result as Row[]).map((r) => ({ pairId: r.pairId, p0: r.label.label[0] })),
              );
              db.close();
            };
          };
        }),
    );
  }

  it('labels 20 probes in a batch, fills the table and draws the charts', async () => {
    const { page, errors } = await openDataset();
    await probeRun(page, 20);
    await expect.poll(() => page.getByTestId('run-config').textContent()).toMatch(/fixed/);
    await page.getByRole('button', { name: 'Label 20 pairs' }).click();
    await expect.poll(() => count(page), { timeout: 90_000 }).toEqual([20, 20]);
    await expect.poll(() => page.getByTestId('batch-status').textContent()).toMatch(/complete/);

    const rows = page.getByTestId('pairs-table').locator('tbody tr');
    expect(await rows.count()).toBe(20);
    const p1 = await page.getByTestId('p1').allTextContents();
    expect(p1.every((t) => Number(t) > 0 && Number(t) < 1)).toBe(true);
    for (const chart of ['chart-alignment', 'chart-confidence', 'chart-calibration']) {
      await expect.poll(() => page.getByTestId(chart).locator('svg').count()).toBeGreaterThan(0);
    }
    const label = await page
      .getByTestId('chart-alignment')
      .getByRole('img')
      .getAttribute('aria-label');
    expect(label).toMatch(/Alignment with human labels: .*over 20 pairs/);
    // The estimate's dot is drawn inside the plot (a scale mistake would put it off-canvas).
    const plot = await page.getByTestId('chart-alignment').locator('svg').first().boundingBox();
    const dot = await page
      .getByTestId('chart-alignment')
      .locator('svg circle')
      .first()
      .boundingBox();
    expect(dot!.x).toBeGreaterThan(plot!.x);
    expect(dot!.x + dot!.width).toBeLessThan(plot!.x + plot!.width);
    const bars = page.getByTestId('chart-confidence').locator('svg rect');
    const heights = await bars.evaluateAll((rects) =>
      rects.map((r) => (r as SVGRectElement).getBBox().height),
    );
    expect(heights.some((h) => h > 0)).toBe(true);

    // The disagreement filter keeps exactly the rows whose "Agrees" cell says no.
    const agrees = await rows.locator('td:nth-child(5)').allTextContents();
    const noes = agrees.filter((t) => t.trim() === 'no').length;
    await page.getByRole('combobox', { name: 'Show' }).selectOption('disagree');
    await expect
      .poll(() => page.getByTestId('table-count').textContent())
      .toBe(`${noes} of 20 pairs`);
    const filtered = await rows.locator('td:nth-child(5)').allTextContents();
    expect(filtered.map((t) => t.trim())).toEqual(Array<string>(noes).fill('no'));
    await page.getByRole('combobox', { name: 'Show' }).selectOption('all');

    expect(await storedLabels(page)).toHaveLength(20);
    await screenshot(page, 'dataset');
    expect(errors).toEqual([]);
  });

  it('resumes after a reload mid-run without losing or changing a label', async () => {
    const { page } = await openDataset();
    await probeRun(page, 30);
    await page.getByRole('button', { name: 'Label 30 pairs' }).click();
    await expect.poll(async () => (await count(page))[0], { timeout: 60_000 }).toBeGreaterThan(5);

    const before = await storedLabels(page); // every label shown so far is already stored
    await page.reload(); // mid-run: the batch dies with the page
    await modelReady(page);
    await expect.poll(() => page.getByTestId('open-run').isVisible()).toBe(true); // reopened
    const after = await storedLabels(page);
    expect(after.length).toBeGreaterThanOrEqual(before.length);
    expect(after.length).toBeLessThan(30);
    expect((await count(page))[0]).toBe(after.length);
    expect(await page.getByTestId('runs').textContent()).toMatch(/interrupted/);

    await page.getByRole('button', { name: /^Resume \(\d+ left\)$/ }).click();
    await expect.poll(() => count(page), { timeout: 90_000 }).toEqual([30, 30]);
    const final = new Map((await storedLabels(page)).map((l) => [l.pairId, l.p0]));
    expect(final.size).toBe(30);
    for (const label of before) expect(final.get(label.pairId)).toBe(label.p0);
  });

  it('imports labels made by the CLI into a run of the same pairs: same labels, same numbers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rlaif-e2e-cli-'));
    const out = join(dir, 'labels.jsonl');
    const quiet = { write: () => true };
    const argv = ['label', 'probes', '--engine', 'onnx:models/tiny-llama', '--limit', '6'];
    const code = await main([...argv, '--out', out, '--summary-json', `${out}.json`], {
      stdout: quiet,
      stderr: quiet,
    });
    expect(code).toBe(0);
    const summary = JSON.parse(readFileSync(`${out}.json`, 'utf8')) as Summary;
    const cliLabels = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { pairId: string; pA: number });

    const { page, errors } = await openDataset();
    await probeRun(page, 6);
    await page.getByLabel('Import labels JSONL').setInputFiles({
      name: 'labels.jsonl',
      mimeType: 'application/x-ndjson',
      buffer: readFileSync(out),
    });
    await expect
      .poll(() => page.getByTestId('import-report').textContent())
      .toMatch(/Imported 6 labels\./);
    await expect.poll(() => count(page)).toEqual([6, 6]);
    const stored = await storedLabels(page);
    expect(stored.sort((a, b) => a.pairId.localeCompare(b.pairId))).toEqual(
      cliLabels.map((l) => ({ pairId: l.pairId, p0: l.pA })),
    );
    const a = summary.alignment;
    await expect
      .poll(() => page.getByTestId('chart-alignment').getByRole('img').getAttribute('aria-label'))
      .toContain(`over ${a.n} pairs (${a.correct} agree, ${a.ties} ties)`);
    expect(errors).toEqual([]);
  });

  it('imports a file with bad lines: reports them by number and keeps the good pairs', async () => {
    const { page, errors } = await openDataset();
    const good = (i: number) =>
      JSON.stringify({
        id: `g${i}`,
        task: 'helpful',
        context: `Human: question ${i}`,
        candidates: [`answer ${i}`, `other ${i}`],
        choice: 0,
      });
    const text = [
      good(1),
      '{not json',
      good(2),
      '{"id":"x","task":"helpful","context":"c"}',
      good(3),
    ];
    await page.locator('input[type="file"]').setInputFiles({
      name: 'mixed.jsonl',
      mimeType: 'application/x-ndjson',
      buffer: Buffer.from(text.join('\n')),
    });
    const report = page.getByTestId('parse-report');
    await expect.poll(() => report.textContent()).toMatch(/Read 3 pairs; 2 bad lines/);
    expect(await report.textContent()).toMatch(/line 2:\s*invalid JSON/);
    expect(await report.textContent()).toMatch(/line 4:\s*missing field "candidates"/);
    await page.getByRole('button', { name: 'Create run' }).click();
    await expect.poll(() => page.getByTestId('open-run').isVisible()).toBe(true);
    expect(await page.getByTestId('pairs-table').locator('tbody tr').count()).toBe(3);
    expect(await page.getByTestId('run-config').textContent()).toMatch(/helpful/);
    expect(errors).toEqual([]);
  });

  it('lists a Hub dataset’s splits and reads its rows through the datasets-server', async () => {
    const { page, errors } = await openDataset();
    // No network here: the datasets-server's two endpoints answer from recorded-shape fixtures.
    const rows = readFileSync('test/fixtures/dataset/hf-rows-hh.json', 'utf8');
    const asked: string[] = [];
    await page.route('https://datasets-server.huggingface.co/**', async (route) => {
      const url = new URL(route.request().url());
      asked.push(`${url.pathname}${url.search}`);
      const body =
        url.pathname === '/splits'
          ? JSON.stringify({
              splits: [
                { dataset: 'Anthropic/hh-rlhf', config: 'default', split: 'train' },
                { dataset: 'Anthropic/hh-rlhf', config: 'default', split: 'test' },
              ],
            })
          : rows;
      await route.fulfill({ contentType: 'application/json', body });
    });
    await page.getByRole('button', { name: 'List configs and splits' }).click();
    const pick = page.getByRole('combobox', { name: 'Config / split' });
    await expect
      .poll(() => pick.locator('option').allTextContents())
      .toEqual(['default / train', 'default / test']);
    await pick.selectOption({ label: 'default / train' });
    expect(await page.getByRole('textbox', { name: 'Split' }).inputValue()).toBe('train');
    await page.getByRole('spinbutton', { name: 'Rows' }).fill('4');
    await page.getByRole('button', { name: 'Fetch rows' }).click();
    // The fixture's four rows: two good pairs, and two bad rows reported by their row number.
    const report = page.getByTestId('parse-report');
    await expect.poll(() => report.textContent()).toMatch(/Read 2 pairs; 2 bad rows/);
    expect(await report.textContent()).toMatch(
      /row 102:\s*field "chosen" has no "Assistant:" turn/,
    );
    expect(asked).toContain(
      '/rows?dataset=Anthropic%2Fhh-rlhf&config=default&split=train&offset=0&length=4',
    );
    expect(await page.getByTestId('staged').textContent()).toMatch(/Anthropic\/hh-rlhf/);
    expect(errors).toEqual([]);
  });

  it('renders hostile dataset text inertly and stays usable', async () => {
    const { page } = await openDataset();
    const long = 'x'.repeat(200_000);
    const hostile = [
      { context: '<script>window.__pwned=1</script>', candidates: ['<b>bold?</b>', 'plain'] },
      {
        context: '<img src=x onerror="window.__pwned=1">',
        candidates: ['\u202eevil override', 'zero\u200bwidth\u200d'],
      },
      { context: long, candidates: [long, '<svg onload="window.__pwned=1">'] },
    ].map((p, i) => JSON.stringify({ id: `h${i}`, task: 'summarization', ...p, choice: 1 }));
    await page.locator('input[type="file"]').setInputFiles({
      name: 'hostile.jsonl',
      mimeType: 'application/x-ndjson',
      buffer: Buffer.from(hostile.join('\n')),
    });
    await expect.poll(() => page.getByTestId('parse-report').textContent()).toMatch(/Read 3 pairs/);
    await page.getByRole('button', { name: 'Create run' }).click();
    const table = page.getByTestId('pairs-table');
    await expect.poll(() => table.locator('tbody tr').count()).toBe(3);
    for (const n of [1, 2, 3]) await page.getByRole('button', { name: `Show pair ${n}` }).click();

    expect(await table.textContent()).toContain('<script>window.__pwned=1</script>');
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(await page.locator('main svg[onload]').count()).toBe(0);
    expect(await table.locator('b').count()).toBe(0);
    // Still usable: the filter answers and the page's own controls work.
    await page.getByRole('combobox', { name: 'Show' }).selectOption('unlabelled');
    await expect.poll(() => page.getByTestId('table-count').textContent()).toBe('3 of 3 pairs');
    await page.getByRole('button', { name: 'Use the probe set' }).click();
    await expect.poll(() => page.getByTestId('staged').textContent()).toMatch(/Built-in probe set/);
  });
});
