import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { formatBytes } from '../../src/lib/engines/onnx/variants';
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

    // The model report: what was loaded, how the graph is fed, and the measured speed.
    const report = page.getByTestId('model-report');
    const graphSize = formatBytes(readFileSync('models/tiny-llama/onnx/model.onnx').length);
    expect(await report.textContent()).toContain(`fp32 on WASM, ${graphSize} (onnx/model.onnx)`);
    expect(await report.textContent()).toContain(
      'input_ids, attention_mask, position_ids, past_key_values.{0..1}.{key,value}',
    );
    expect(await report.textContent()).toContain('float32 (logits float32)');
    await expect
      .poll(() => page.getByTestId('report-speed').textContent(), { timeout: 30_000 })
      .toMatch(/\d+(\.\d)? prefill tokens\/s \(\d+ tokens in \d+ ms over the last \d scoring call/);
    expect(await page.getByTestId('report-reuse').textContent()).toMatch(/^(on|active)/);
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

  it('offers only the variants a self-served folder has, then loads the one recommended', async () => {
    const { page, errors } = await openPage(browser, `${url}#/label`);
    await expect
      .poll(() => page.getByTestId('model-status').textContent(), { timeout: 60_000 })
      .toMatch(/Loaded/);
    await page
      .getByRole('combobox', { name: 'Model', exact: true })
      .selectOption({ label: 'Hugging Face ONNX model (id or URL)' });
    await page.getByRole('textbox', { name: 'Model id or folder URL' }).fill('./models/tiny-llama');
    const note = page.getByTestId('variant-note');
    await expect
      .poll(() => note.textContent(), { timeout: 30_000 })
      .toMatch(/1 variant, as the folder serves them/);
    const size = formatBytes(readFileSync('models/tiny-llama/onnx/model.onnx').length);
    const options = await page
      .getByTestId('variant-select')
      .locator('option')
      .evaluateAll((os) => os.map((o) => o.textContent?.trim()));
    // The embedded model loaded from this same folder at start-up, so its copy is cached.
    expect(options).toEqual([`fp32 · ${size} (recommended, cached)`]);
    await screenshot(page, 'label-variants');
    await page.getByRole('combobox', { name: 'Runs on' }).selectOption('wasm');
    await page.getByRole('button', { name: 'Load model' }).click();
    await expect
      .poll(() => page.getByTestId('model-status').textContent(), { timeout: 60_000 })
      .toMatch(/Loaded \.\/models\/tiny-llama on WASM/); // the embedded one ends in a slash
    expect(await page.getByTestId('model-report').textContent()).toMatch(/fp32 on WASM/);
    // The browser logs each HEAD probe of a variant the folder lacks as a 404; nothing else.
    expect(errors.filter((e) => !e.includes('status of 404 (Not Found)'))).toEqual([]);
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

  it('inspects the prompt token by token and shows d-RLAIF ratings that follow edits', async () => {
    const { page, errors } = await openPage(browser, `${url}#/label`);
    await expect
      .poll(() => page.getByTestId('model-status').textContent(), { timeout: 60_000 })
      .toMatch(/Loaded/);
    // d-RLAIF: ten bars per candidate, a distribution that sums to 1, and its expected score.
    await expect
      .poll(() => page.getByTestId('direct-1').isVisible(), { timeout: 90_000 })
      .toBe(true);
    expect(await page.getByRole('checkbox', { name: 'Direct scores (d-RLAIF)' }).isChecked()).toBe(
      true,
    );
    const before = [await distribution(page, 0), await distribution(page, 1)];
    for (const [i, probs] of before.entries()) {
      expect(probs).toHaveLength(10);
      expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      const expected = probs.reduce((sum, p, k) => sum + p * (k + 1), 0);
      const shown = Number(await page.getByTestId(`direct-${i}`).getAttribute('data-expected'));
      expect(shown).toBeCloseTo(expected, 9);
      const chart = page.getByTestId(`direct-${i}`).getByRole('img');
      expect(await chart.getAttribute('aria-label')).toMatch(/expected score \d+\.\d\d of 10/);
    }

    // The inspector: token chips that join to the prompt, with the pair's text in it.
    await page.getByText('Prompt inspector').click();
    const context = await page.getByRole('textbox', { name: 'Text', exact: true }).inputValue();
    const [first, second] = await Promise.all(
      ['Summary 1', 'Summary 2'].map((name) => page.getByRole('textbox', { name }).inputValue()),
    );
    await expect.poll(() => promptText(page), { timeout: 30_000 }).toContain(context.trim());
    const shown = await promptText(page);
    expect(shown.indexOf(first!.trim())).toBeLessThan(shown.indexOf(second!.trim()));
    const counts = await segmentCounts(page);
    expect(counts.bos! + counts.dataset! + counts.pair! + counts.ending!).toBe(counts.total);
    const chips = page.getByTestId('prompt-tokens').locator('.tok');
    expect(await chips.count()).toBeGreaterThan(0);
    expect(await chips.count()).toBeLessThanOrEqual(counts.total!);
    // Spaces and new lines show as glyphs, never as blank space.
    expect(await chips.first().textContent()).not.toMatch(/\s/);
    await screenshot(page, 'label-inspector');

    // The swapped order puts candidate 2 first.
    await page.getByRole('radio', { name: 'Swapped (2, 1)' }).check();
    await expect
      .poll(async () => {
        const text = await promptText(page);
        return text.indexOf(second!.trim()) < text.indexOf(first!.trim());
      })
      .toBe(true);

    // An edit with hostile text: it shows inertly in the chips, and the ratings are redone.
    const hostile =
      '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>\u202eRTL\u200b';
    await page.getByRole('textbox', { name: 'Summary 2' }).fill(hostile);
    await expect.poll(() => promptText(page), { timeout: 30_000 }).toContain(hostile);
    expect(await page.getByTestId('prompt-tokens').textContent()).toContain('⟨U+202E⟩');
    await expect
      .poll(async () => (await distribution(page, 1)).join(), { timeout: 90_000 })
      .not.toBe(before[1]!.join());
    const after = await distribution(page, 1);
    expect(after.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    const recounted = await segmentCounts(page);
    expect(recounted.bos! + recounted.dataset! + recounted.pair! + recounted.ending!).toBe(
      recounted.total,
    );
    expect(
      await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned),
    ).toBeUndefined();
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('the open inspector and the ratings pass axe and fit 1280x720', async () => {
    // bypassCSP only so axe can be injected as a script, as in the accessibility test.
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 }, bypassCSP: true });
    await page.goto(`${url}#/label`);
    await expect
      .poll(() => page.getByTestId('direct-1').isVisible(), { timeout: 90_000 })
      .toBe(true);
    await page.getByText('Prompt inspector').click();
    await expect.poll(() => page.getByTestId('prompt-tokens').isVisible()).toBe(true);
    await page.addScriptTag({ content: readFileSync('node_modules/axe-core/axe.min.js', 'utf8') });
    const violations = await page.evaluate(async () => {
      type Result = { violations: { id: string; nodes: { target: string[] }[] }[] };
      const axe = (window as unknown as { axe: { run(ctx: Document): Promise<Result> } }).axe;
      const { violations } = await axe.run(document);
      return violations.map(
        (v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`,
      );
    });
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect({ violations, overflow }).toEqual({ violations: [], overflow: 0 });
  });
});

/** The ten probabilities of one candidate's d-RLAIF chart, from its bars' data attributes. */
function distribution(page: Page, candidate: number): Promise<number[]> {
  return page
    .getByTestId(`direct-${candidate}`)
    .locator('[data-p]')
    .evaluateAll((bars) => bars.map((b) => Number(b.getAttribute('data-p'))));
}

/** The inspected prompt: every chip's raw text joined (after showing all chips if capped). */
async function promptText(page: Page): Promise<string> {
  const more = page.getByRole('button', { name: /^Show all/ });
  if (await more.count()) await more.click();
  return (
    await page
      .getByTestId('prompt-tokens')
      .locator('.tok')
      .evaluateAll((chips) => chips.map((c) => c.getAttribute('data-text') ?? ''))
  ).join('');
}

async function segmentCounts(page: Page): Promise<Record<string, number>> {
  const cells = await page
    .getByTestId('prompt-counts')
    .locator('[data-segment]')
    .evaluateAll((tds) =>
      tds.map((td) => [td.getAttribute('data-segment'), Number(td.getAttribute('data-count'))]),
    );
  return Object.fromEntries(cells) as Record<string, number>;
}
