// Accessibility of every page with axe-core, in light, dark and presenter mode, and the 1280x720
// projector layout (no horizontal scroll). Each page is reached through the app's own hash
// routing and checked once it has rendered.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PAGES } from '../../src/ui/routes';
import { PREFERENCES_KEY, type StoredPreferences } from '../../src/ui/state/preferences.svelte';
import { axeViolations } from './axe';
import { launch } from './browser';

interface Mode {
  name: string;
  colorScheme: 'light' | 'dark';
  /** Stored preferences, or null to start from the defaults (theme follows the system). */
  prefs: StoredPreferences | null;
  theme: 'light' | 'dark';
  presenter: boolean;
}

const MODES: Mode[] = [
  { name: 'light', colorScheme: 'light', prefs: null, theme: 'light', presenter: false },
  {
    name: 'dark (from the system)',
    colorScheme: 'dark',
    prefs: null,
    theme: 'dark',
    presenter: false,
  },
  {
    name: 'presenter, light',
    colorScheme: 'dark',
    prefs: { theme: 'light', presenter: true },
    theme: 'light',
    presenter: true,
  },
  {
    name: 'presenter, dark',
    colorScheme: 'light',
    prefs: { theme: 'dark', presenter: true },
    theme: 'dark',
    presenter: true,
  },
];

/** Go to a page by its hash and wait until it has rendered its heading. */
async function showPage(page: Page, id: string, title: string): Promise<void> {
  await page.evaluate((hash) => (location.hash = hash), `#/${id}`);
  const current = page.locator('nav a[aria-current="page"]');
  await expect.poll(() => current.textContent(), { timeout: 15_000 }).toBe(title);
  await page.locator('main h2').first().waitFor({ state: 'visible', timeout: 30_000 });
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  await page.waitForTimeout(500); // let late content (model status, lists) settle
}

describe('accessibility and 1280x720 layout', { timeout: 120_000 }, () => {
  let browser: Browser;
  const url = inject('appUrl');
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => browser?.close());

  describe.each(MODES)('$name', (mode) => {
    let context: BrowserContext;
    let page: Page;

    beforeAll(async () => {
      // bypassCSP only so axe can be injected as a script; the app itself is unchanged.
      context = await browser.newContext({
        viewport: { width: 1280, height: 720 },
        colorScheme: mode.colorScheme,
        bypassCSP: true,
      });
      if (mode.prefs) {
        await context.addInitScript(([key, value]) => localStorage.setItem(key, value), [
          PREFERENCES_KEY,
          JSON.stringify(mode.prefs),
        ] as const);
      }
      page = await context.newPage();
      await page.goto(`${url}#/label`);
      await page.getByRole('heading', { level: 1 }).waitFor();
    });
    afterAll(async () => context?.close());

    it('is in the expected theme', async () => {
      const root = await page.evaluate(() => ({ ...document.documentElement.dataset }));
      expect(root.theme).toBe(mode.theme);
      expect(root.presenter === 'true').toBe(mode.presenter);
    });

    it('would catch a violation: a planted image without alt text is reported', async () => {
      await page.evaluate(() => {
        const img = document.createElement('img');
        img.id = 'planted';
        img.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw=';
        document.querySelector('main')?.append(img);
      });
      const found = await axeViolations(page);
      await page.evaluate(() => document.getElementById('planted')?.remove());
      expect(found.some((v) => v.startsWith('image-alt') && v.includes('#planted'))).toBe(true);
    });

    it.each(PAGES.map((p) => [p.title, p.id] as const))(
      '%s page: no axe violations, no horizontal scroll',
      async (title, id) => {
        await showPage(page, id, title);
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        // Both in one assertion, so a failure shows the layout and every violation at once.
        expect({ axe: await axeViolations(page), overflowPx: overflow }).toEqual({
          axe: [],
          overflowPx: 0,
        });
      },
    );
  });
});
