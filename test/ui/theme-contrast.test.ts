// Text contrast of the theme in app.css, in light, dark and both presenter variants: every text
// colour against the page and panel backgrounds must reach WCAG AA (4.5:1); borders and focus
// rings, as non-text, 3:1.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const css = readFileSync('src/ui/app.css', 'utf8');

/** The custom properties (--name: #hex) of the first rule with exactly this selector. */
function block(selector: string): Record<string, string> {
  const start = css.indexOf(`${selector} {`);
  if (start < 0) throw new Error(`app.css has no rule "${selector}"`);
  const body = css.slice(start, css.indexOf('}', start));
  return Object.fromEntries(
    [...body.matchAll(/--([\w-]+):\s*(#[0-9a-f]{6})/gi)].map((m) => [m[1], m[2]]),
  );
}

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

const light = block(':root');
const dark = { ...light, ...block(":root[data-theme='dark']") };
const presenterLight = { ...light, ...block(":root[data-presenter='true']") };
const presenterDark = {
  ...dark,
  ...block(":root[data-presenter='true']"),
  ...block(":root[data-theme='dark'][data-presenter='true']"),
};
const THEMES = { light, dark, presenterLight, presenterDark };

describe('theme contrast', () => {
  it('computes WCAG contrast ratios', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
  });

  for (const [name, theme] of Object.entries(THEMES)) {
    it(`${name}: text >= 4.5:1 on background and panel, borders >= 3:1`, () => {
      const failures: string[] = [];
      for (const text of ['fg', 'muted', 'accent', 'ok', 'warn', 'bad', 'series-1', 'series-2']) {
        for (const ground of ['bg', 'panel']) {
          const ratio = contrast(theme[text] ?? '', theme[ground] ?? '');
          if (ratio < 4.5) failures.push(`--${text} on --${ground}: ${ratio.toFixed(2)}`);
        }
      }
      for (const line of ['border', 'focus']) {
        const ratio = contrast(theme[line] ?? '', theme.bg ?? '');
        if (ratio < 3) failures.push(`--${line} on --bg: ${ratio.toFixed(2)}`);
      }
      expect(failures).toEqual([]);
    });
  }

  it('presenter mode raises the contrast of body and secondary text', () => {
    expect(contrast(presenterLight.fg!, presenterLight.bg!)).toBeGreaterThan(
      contrast(light.fg!, light.bg!),
    );
    expect(contrast(presenterDark.muted!, presenterDark.bg!)).toBeGreaterThan(
      contrast(dark.muted!, dark.bg!),
    );
  });

  it('the no-script dark fallback matches the dark theme', () => {
    const start = css.indexOf('@media (prefers-color-scheme: dark)');
    const fallback = css.slice(start, css.indexOf('}', start));
    for (const [name, value] of Object.entries(block(":root[data-theme='dark']"))) {
      expect(fallback).toContain(`--${name}: ${value};`);
    }
  });
});
