// Presenter mode on a projector: at 1280x720 and 1024x768 each page's point (the pair and its
// bars, the run's progress and alignment, the reward curves and accuracies, the frontier and win
// rates, your numbers beside the paper's) lies inside the first screen, with the model picker and
// notices folded into one line. The state the figures need is built once, in one tab.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PREFERENCES_KEY } from '../../src/ui/state/preferences.svelte';
import { axeViolations } from './axe';
import { launch, screenshot } from './browser';
import { batchDone, createProbeRun, go, runPolicy, trainRewardModels } from './loop';

const SIZES = [
  { width: 1280, height: 720 },
  { width: 1024, height: 768 },
] as const;

/** What each page is there to show: test ids that must be on the first screen. */
const FIRST_SCREEN: Record<string, string[]> = {
  label: [
    'label-fold',
    'synthetic-short',
    'pair-context',
    'pair-candidate-1',
    'pair-candidate-2',
    'bars-debiased',
    'bars-stored',
    'bars-swapped',
  ],
  dataset: ['model-line', 'batch-progress', 'chart-alignment'],
  reward: ['curves-ai', 'curves-human', 'rm-table'],
  policy: ['policy-frontier', 'policy-winrates'],
  results: ['presenter-headline'],
};

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The test ids whose boxes are missing or not wholly inside the viewport, with their boxes. */
async function offScreen(page: Page, ids: string[]): Promise<string[]> {
  const viewport = page.viewportSize()!;
  const out: string[] = [];
  for (const id of ids) {
    const box: Box | null = await page.getByTestId(id).first().boundingBox();
    const inside =
      box !== null &&
      box.width > 0 &&
      box.height > 0 &&
      box.x >= 0 &&
      box.y >= 0 &&
      box.x + box.width <= viewport.width + 0.5 &&
      box.y + box.height <= viewport.height + 0.5;
    if (!inside) out.push(`${id}: ${JSON.stringify(box)}`);
  }
  return out;
}

/** Arrive on a page at a size, as a speaker would: by its hash, at the top. */
async function visit(page: Page, id: string, size: (typeof SIZES)[number]): Promise<void> {
  await page.setViewportSize(size);
  await go(page, `#/${id}`);
  await page.locator('main h2').first().waitFor();
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(400); // charts redraw for the new width
}

describe('presenter mode fits a projector', { timeout: 300_000 }, () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const errors: string[] = [];
  const url = inject('appUrl');

  beforeAll(async () => {
    browser = await launch();
    // bypassCSP only so axe can be injected as a script; the app itself is unchanged.
    context = await browser.newContext({ viewport: SIZES[0], bypassCSP: true });
    await context.addInitScript(([key, value]) => localStorage.setItem(key, value), [
      PREFERENCES_KEY,
      JSON.stringify({ theme: 'light', presenter: true }),
    ] as const);
    page = await context.newPage();
    page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${url}#/label`);
    await page.getByTestId('bars-swapped').waitFor({ timeout: 90_000 });
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
  });

  it('Label: the pair, both candidates, both orders and the averaged bars on the first screen', async () => {
    for (const size of SIZES) {
      await visit(page, 'label', size);
      const ids = [...FIRST_SCREEN.label!];
      // The same-position flag shows only when the labeler followed the slot; then it fits too.
      if (await page.getByTestId('position-warning').count()) ids.push('position-warning');
      expect(await offScreen(page, ids)).toEqual([]);
      await screenshot(page, `presenter-label-${size.width}x${size.height}`, false);
    }
    expect(await axeViolations(page)).toEqual([]);
    // Folded: the picker is one key away, and the notice is short: one line, not a paragraph.
    const fold = page.getByTestId('label-fold');
    expect((await page.getByTestId('synthetic-short').boundingBox())!.height).toBeLessThan(40);
    expect(await page.getByRole('combobox', { name: 'Model', exact: true }).isVisible()).toBe(
      false,
    );
    await page.keyboard.press('m');
    expect(await page.getByRole('combobox', { name: 'Model', exact: true }).isVisible()).toBe(true);
    expect(
      await fold.getByRole('button', { name: /Model and settings/ }).getAttribute('aria-expanded'),
    ).toBe('true');
    await page.keyboard.press('m');
    expect(await page.getByRole('combobox', { name: 'Model', exact: true }).isVisible()).toBe(
      false,
    );
    // The text is trimmed to a few lines and opens in full.
    const text = page.getByTestId('pair-context');
    const trimmed = (await text.boundingBox())!.height;
    await page.getByRole('button', { name: 'Full text' }).click();
    expect((await text.boundingBox())!.height).toBeGreaterThan(trimmed);
    await page.getByRole('button', { name: 'Trim text' }).click();
  });

  it('Label: the speaker keys step the probes, swap the order and flip chain of thought', async () => {
    const text = page.getByTestId('pair-context');
    const first = await text.inputValue();
    await page.keyboard.press('n');
    await expect.poll(() => text.inputValue()).not.toBe(first);
    await page.keyboard.press('b');
    await expect.poll(() => text.inputValue()).toBe(first);
    const one = page.getByTestId('pair-candidate-1');
    const two = page.getByTestId('pair-candidate-2');
    const [a, b] = [await one.inputValue(), await two.inputValue()];
    await page.keyboard.press('s');
    await expect.poll(() => one.inputValue()).toBe(b);
    expect(await two.inputValue()).toBe(a);
    await page.keyboard.press('s');
    const cot = page.getByRole('checkbox', { name: /Chain of thought/ });
    const before = await cot.isChecked();
    await page.keyboard.press('c');
    await expect.poll(() => cot.isChecked()).toBe(!before);
    await page.keyboard.press('c');
    await expect.poll(() => cot.isChecked()).toBe(before);
    // Typed into a field, the same letters are text, not actions.
    await text.focus();
    await page.keyboard.press('End');
    await page.keyboard.type('ns');
    expect((await text.inputValue()).endsWith('ns')).toBe(true);
    expect(await one.inputValue()).toBe(a);
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');
    await page.locator('main h2').first().click(); // leave the field
    // The help dialog lists them.
    await page.keyboard.press('?');
    const dialog = page.getByTestId('shortcuts-dialog');
    const listed = await dialog.locator('tbody tr').allTextContents();
    for (const line of [
      /^nLabel page: next probe/,
      /^bLabel page: previous probe/,
      /^sLabel page: swap/,
      /^cLabel page: chain of thought/,
      /^gDataset page: start, pause/,
    ]) {
      expect(listed.some((l) => line.test(l))).toBe(true);
    }
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    // The dialog's close event (which hands the keyboard back to the shortcuts) is a task queued
    // after it hides: let it run before the next key.
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 50)));
  });

  it('Dataset, Reward model, Policy, Results: each figure on the first screen at both sizes', async () => {
    // The state the figures need is built with presenter mode off, through the unfolded controls.
    const presenter = () => page.evaluate(() => document.documentElement.dataset.presenter);
    // Wherever the last test left the focus (shortcuts never fire while a field has it), blur it.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('p');
    await expect.poll(presenter).toBeUndefined();
    await createProbeRun(page, 20);
    // "g" starts the batch, pauses it and continues it: the speaker's hands stay off the mouse.
    // Start and pause back to back, since the tiny model labels a pair in a fraction of a second.
    await page.keyboard.press('g');
    await page.keyboard.press('g');
    await page.getByRole('button', { name: 'Continue' }).waitFor();
    expect(await page.getByTestId('batch-count').textContent()).not.toBe('20/20');
    await page.keyboard.press('g');
    await batchDone(page, 20);
    await trainRewardModels(page);
    await runPolicy(page, { contexts: 3, heldOut: 1, n: 2, maxTokens: 8, steps: 10 });
    await page.keyboard.press('p');
    await expect.poll(presenter).toBe('true');
    const failures: Record<string, string[]> = {};
    for (const id of ['dataset', 'reward', 'policy', 'results']) {
      for (const size of SIZES) {
        await visit(page, id, size);
        const off = await offScreen(page, FIRST_SCREEN[id]!);
        if (off.length) failures[`${id} ${size.width}x${size.height}`] = off;
        // With its figures drawn, the page stays clean for axe, in presenter mode.
        if (size === SIZES[0]) {
          const axe = await axeViolations(page);
          if (axe.length) failures[`${id} axe`] = axe;
        }
        await screenshot(page, `presenter-${id}-${size.width}x${size.height}`, false);
      }
    }
    expect(failures).toEqual({});
    expect(errors).toEqual([]);
  });

  it('changes nothing outside presenter mode: the speaker-only parts are not drawn', async () => {
    const plain = await browser.newPage({ viewport: SIZES[0] });
    await plain.goto(`${url}#/label`);
    await plain.getByTestId('bars-swapped').waitFor({ timeout: 90_000 });
    const ids = [
      'pair-context',
      'pair-candidate-1',
      'bars-debiased',
      'bars-swapped',
      'model-status',
    ];
    const boxes = () => Promise.all(ids.map((id) => plain.getByTestId(id).boundingBox()));
    const before = await boxes();
    // The fold's wrappers take no box, its line and the trim button are not drawn.
    const display = await plain.evaluate(() =>
      [
        ...document.querySelectorAll('.presenter-fold, .fold-body, .fold-line, .presenter-only'),
      ].map((e) => getComputedStyle(e).display),
    );
    expect(new Set(display)).toEqual(new Set(['contents', 'none']));
    expect(await plain.getByRole('combobox', { name: 'Model', exact: true }).isVisible()).toBe(
      true,
    );
    expect(await plain.getByTestId('synthetic-notice').isVisible()).toBe(true);
    await plain.keyboard.press('p');
    await plain.keyboard.press('p');
    expect(await boxes()).toEqual(before);
    await plain.close();
  });
});
