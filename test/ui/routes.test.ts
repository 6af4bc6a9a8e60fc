import { describe, expect, it } from 'vitest';
import { PAGES, pageFromHash } from '../../src/ui/routes';

describe('pageFromHash', () => {
  it('maps each page hash to its page', () => {
    for (const page of PAGES) expect(pageFromHash(`#/${page.id}`)).toBe(page.id);
  });
  it('accepts a hash without the slash and ignores trailing parts', () => {
    expect(pageFromHash('#dataset')).toBe('dataset');
    expect(pageFromHash('#/reward/run-3?x=1')).toBe('reward');
  });
  it('falls back to the Label page for empty or unknown hashes', () => {
    expect(pageFromHash('')).toBe('label');
    expect(pageFromHash('#/nope')).toBe('label');
  });
});
