// The Results page, presenter mode, keyboard shortcuts, themes and share links on the built app.
import { statSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launch, screenshot } from './browser';

describe('Results, presenter mode, shortcuts, themes, share links', { timeout: 120_000 }, () => {
  let browser: Browser;
  const url = inject('appUrl');
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => browser?.close());

  /** A page in a fresh context (own storage, clipboard allowed) with its errors recorded. */
  async function open(path: string, colorScheme: 'light' | 'dark' = 'light') {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 720 },
      colorScheme,
      permissions: ['clipboard-read', 'clipboard-write'],
    });
    contexts.push(context);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${url}${path}`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    return { page, errors };
  }
  afterAll(async () => Promise.all(contexts.map((c) => c.close())));

  const h2 = (page: Page) => page.locator('main h2').first().textContent();
  const rootData = (page: Page) => page.evaluate(() => ({ ...document.documentElement.dataset }));

  it('shows the paper’s tables and how to get your own numbers when there is no run', async () => {
    const { page, errors } = await open('#/results');
    await expect.poll(() => h2(page)).toBe('Results');
    expect(await page.getByTestId('no-run').textContent()).toMatch(/Dataset.*label it/s);
    const alignment = page.getByTestId('paper-alignment');
    expect(await alignment.getByRole('row').count()).toBe(12); // header + 11 prompts
    const headline = alignment.getByRole('row', { name: /Detailed \+ CoT, 0-shot/ });
    expect(await headline.getByRole('cell').allTextContents()).toEqual(['78.0%', '67.8%', '70.1%']);
    const bias = page.getByTestId('position-bias');
    expect(await bias.getByRole('row', { name: /PaLM 2 XS/ }).textContent()).toMatch(
      /56%.*second \(99%\)/,
    );
    const rm = page.getByTestId('rm-accuracy');
    expect(await rm.getByRole('row', { name: /summarization/ }).textContent()).toMatch(
      /79\.3%.*74\.2%/,
    );
    expect(await page.getByTestId('rm-yours').textContent()).toMatch(/Yours\s*—\s*—/);
    expect(statSync(await screenshot(page, 'results')).size).toBeGreaterThan(10_000);
    expect(errors).toEqual([]);
  });

  it('toggles presenter mode from the keyboard: larger type, secondary text hidden', async () => {
    const { page, errors } = await open('#/results');
    await expect.poll(() => h2(page)).toBe('Results');
    const fontSize = () => page.evaluate(() => getComputedStyle(document.documentElement).fontSize);
    const secondary = page.locator('footer .secondary');
    const toggle = page.getByTestId('presenter-toggle');
    expect(await fontSize()).toBe('16px');
    expect(await secondary.isVisible()).toBe(true);

    await page.keyboard.press('p');
    await expect.poll(async () => (await rootData(page)).presenter).toBe('true');
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');
    expect(await fontSize()).toBe('20px');
    expect(await secondary.isVisible()).toBe(false);
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBe(0);
    await screenshot(page, 'presenter');

    // The button itself works from the keyboard too: focus it and press Enter.
    await toggle.focus();
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await rootData(page)).presenter).toBeUndefined();
    expect(await toggle.getAttribute('aria-pressed')).toBe('false');
    expect(errors).toEqual([]);
  });

  it('starts the tab order with a visible skip link that moves focus to the main content', async () => {
    const { page } = await open('#/results');
    await expect.poll(() => h2(page)).toBe('Results');
    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: 'Skip to content' });
    expect(await skip.evaluate((el) => el === document.activeElement)).toBe(true);
    const box = await skip.boundingBox();
    expect(box && box.y >= 0).toBe(true); // on screen while focused
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main-content');
    expect(page.url()).toMatch(/#\/results$/); // the router's hash is untouched
    await page.keyboard.press('Tab'); // next stop is inside main, not back in the header
    expect(await page.evaluate(() => Boolean(document.activeElement?.closest('main')))).toBe(true);
  });

  it('moves between pages with 1-5, opens the shortcuts dialog with ?, closes it with Escape', async () => {
    const { page } = await open('#/label');
    await page.keyboard.press('5');
    await expect.poll(() => h2(page)).toBe('Results');
    expect(page.url()).toMatch(/#\/results$/);
    await page.keyboard.press('3');
    await expect
      .poll(() => page.locator('nav a[aria-current="page"]').textContent())
      .toBe('Reward model');
    await page.keyboard.press('?');
    const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await dialog.textContent()).toMatch(/Presenter mode on or off/);
    await page.keyboard.press('1'); // the dialog has the keyboard: no navigation behind it
    expect(page.url()).toMatch(/#\/reward$/);
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.isVisible()).toBe(false);
    await page.keyboard.press('1');
    await expect.poll(() => h2(page)).toBe('Label');
  });

  it('ignores shortcuts while typing in a text field', async () => {
    const { page } = await open('#/label');
    const text = page.getByRole('textbox', { name: 'Text' });
    await text.waitFor({ timeout: 30_000 });
    await text.fill('');
    await text.pressSequentially('5p?t2');
    expect(await text.inputValue()).toBe('5p?t2');
    expect(page.url()).toMatch(/#\/label$/);
    const data = await rootData(page);
    expect(data.presenter).toBeUndefined();
    expect(data.theme).toBe('light');
    expect(await page.getByRole('dialog').isVisible()).toBe(false);
    // Leaving the field (Escape does not; blur does) brings the shortcuts back.
    await text.blur();
    await page.keyboard.press('5');
    await expect.poll(() => h2(page)).toBe('Results');
  });

  it('keeps the chosen theme across a reload, over the system preference', async () => {
    const { page } = await open('#/results', 'light');
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(await background()).toBe('rgb(255, 255, 255)');
    await page.getByTestId('theme-select').selectOption('dark');
    await expect.poll(async () => (await rootData(page)).theme).toBe('dark');
    expect(await background()).toBe('rgb(18, 21, 26)');
    await page.reload();
    await page.getByRole('heading', { level: 1 }).waitFor();
    expect((await rootData(page)).theme).toBe('dark');
    expect(await page.getByTestId('theme-select').inputValue()).toBe('dark');
    expect(await background()).toBe('rgb(18, 21, 26)');
    // "t" flips it back, and that choice is remembered too.
    await page.keyboard.press('t');
    await expect.poll(async () => (await rootData(page)).theme).toBe('light');
    await page.reload();
    await page.getByRole('heading', { level: 1 }).waitFor();
    expect((await rootData(page)).theme).toBe('light');
  });

  it('copies a share link that restores the prompt settings on the Label page elsewhere', async () => {
    const { page, errors } = await open('#/label');
    const preamble = page.getByRole('combobox', { name: 'Preamble' });
    await preamble.waitFor({ timeout: 30_000 });
    await preamble.selectOption('detailed');
    await page.getByRole('combobox', { name: 'Few-shot exemplars' }).selectOption('2');
    await page.getByRole('combobox', { name: 'Format' }).selectOption('chat');
    await page.getByRole('checkbox', { name: /Chain of thought/ }).check();
    await page.getByRole('combobox', { name: 'Task' }).selectOption('helpful');
    const pairText = await page.getByRole('textbox', { name: 'Conversation' }).inputValue();

    await page.locator('header').getByTestId('share-button').click();
    const link = await page.locator('header').getByTestId('share-url').inputValue();
    expect(await page.locator('header').getByTestId('share-status').textContent()).toMatch(
      /Link copied.*settings only/s,
    );
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);
    expect(link).toMatch(/#\/label\?config=[\w-]+$/);
    const payload = Buffer.from(link.split('config=')[1] ?? '', 'base64url').toString();
    expect(payload).not.toContain(pairText.slice(0, 30)); // no pair text travels

    const fresh = await open(link.slice(url.length));
    const notice = fresh.page.getByTestId('shared-notice');
    await expect.poll(() => notice.textContent()).toMatch(/restored from a shared link/);
    const select = (name: string) => fresh.page.getByRole('combobox', { name, exact: true });
    await select('Preamble').waitFor({ timeout: 30_000 });
    expect(await select('Task').inputValue()).toBe('helpful');
    expect(await select('Preamble').inputValue()).toBe('detailed');
    expect(await select('Few-shot exemplars').inputValue()).toBe('2');
    expect(await select('Format').inputValue()).toBe('chat');
    expect(await fresh.page.getByRole('checkbox', { name: /Chain of thought/ }).isChecked()).toBe(
      true,
    );
    expect(new URL(fresh.page.url()).hash).toBe('#/label'); // settings applied, then dropped from the URL

    // Pasted into a tab already open on a summarization pair: the pair follows the new task.
    const open2 = await open('#/label');
    const text = open2.page.getByRole('textbox', { name: 'Text' });
    await expect.poll(() => text.inputValue(), { timeout: 30_000 }).toMatch(/SUBREDDIT/);
    await open2.page.evaluate((hash) => (location.hash = hash), link.slice(link.indexOf('#')));
    const conversation = open2.page.getByRole('textbox', { name: 'Conversation' });
    await expect.poll(() => conversation.inputValue()).toMatch(/Human:/);
    expect(open2.errors).toEqual([]);
    expect(errors).toEqual([]);
    expect(fresh.errors).toEqual([]);
  });

  it('says clearly when a share link cannot be used, and keeps the defaults', async () => {
    const bad = Buffer.from(
      JSON.stringify({ v: 1, prompt: { shots: 'many', preamble: 'detailed' } }),
    ).toString('base64url');
    const { page } = await open(`#/label?config=${bad}`);
    const notice = page.getByTestId('shared-notice');
    await expect.poll(() => notice.textContent()).toMatch(/prompt\.shots.*kept the default/s);
    await page.getByRole('combobox', { name: 'Preamble' }).waitFor({ timeout: 30_000 });
    expect(await page.getByRole('combobox', { name: 'Preamble' }).inputValue()).toBe('detailed');
    expect(await page.getByRole('combobox', { name: 'Few-shot exemplars' }).inputValue()).toBe('0');

    const broken = await open('#/label?config=%%%not-a-link');
    await expect
      .poll(() => broken.page.getByTestId('shared-notice').textContent())
      .toMatch(/not valid base64url.*unchanged/s);
    // A link that cannot be read at all is an alert, not a quiet status.
    expect(await broken.page.getByTestId('shared-notice').getAttribute('role')).toBe('alert');
  });
});
