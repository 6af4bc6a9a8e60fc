import { existsSync, statSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launch, openPage, screenshot } from './browser';

describe('app shell, built and served from a sub-path', () => {
  let browser: Browser;
  const url = inject('appUrl');

  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => browser?.close());

  it('shows the header, the WebGPU badge and the five sections', async () => {
    const { page, errors } = await openPage(browser, url);
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toBe('RLAIF Lab');
    const badge = page.getByTestId('gpu-badge');
    await expect.poll(() => badge.textContent(), { timeout: 15_000 }).toMatch(/WebGPU/);
    const text = (await badge.textContent()) ?? '';
    // SwiftShader here: a fallback adapter without shader-f16.
    expect(text).toMatch(/swiftshader/i);
    expect(text).toContain('fallback adapter');
    expect(text).toContain('no shader-f16');
    const nav = page.getByRole('navigation', { name: 'Sections' });
    expect(await nav.getByRole('link').allTextContents()).toEqual([
      'Label',
      'Dataset',
      'Reward model',
      'Policy',
      'Results',
    ]);
    const shot = await screenshot(page, 'shell-label');
    expect(statSync(shot).size).toBeGreaterThan(5_000);
    expect(errors).toEqual([]);
  });

  it('navigates between sections by link and by URL hash', async () => {
    const { page, errors } = await openPage(browser, url);
    await page.getByRole('link', { name: 'Reward model' }).click();
    await expect
      .poll(() => page.getByRole('heading', { level: 2 }).textContent())
      .toBe('Reward model');
    expect(page.url()).toMatch(/#\/reward$/);
    expect(
      await page.getByRole('link', { name: 'Reward model' }).getAttribute('aria-current'),
    ).toBe('page');
    await page.goto(`${url}#/results`);
    await expect.poll(() => page.getByRole('heading', { level: 2 }).textContent()).toBe('Results');
    await screenshot(page, 'shell-results');
    expect(errors).toEqual([]);
  });

  it('is cross-origin isolated and carries a Content-Security-Policy', async () => {
    const { page } = await openPage(browser, url);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const csp = await page
      .locator('meta[http-equiv="Content-Security-Policy"]')
      .getAttribute('content');
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(csp).toContain('connect-src');
    // The CSP is live: an inline script is refused.
    const ran = await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true';
      document.head.append(s);
      return (window as unknown as { __inlineRan?: boolean }).__inlineRan === true;
    });
    expect(ran).toBe(false);
  });

  it('builds with relative asset paths', () => {
    expect(existsSync('dist/index.html')).toBe(true);
  });
});
