import { describe, expect, it } from 'vitest';
import {
  parsePreferences,
  Preferences,
  PREFERENCES_KEY,
  resolveTheme,
  type PreferenceStorage,
} from '../../src/ui/state/preferences.svelte';

function memoryStorage(initial: Record<string, string> = {}): PreferenceStorage & {
  data: Record<string, string>;
} {
  const data = { ...initial };
  return {
    data,
    getItem: (key) => data[key] ?? null,
    setItem: (key, value) => void (data[key] = value),
  };
}

describe('display preferences', () => {
  it('defaults to following the system, presenter off, whatever is stored', () => {
    for (const raw of [null, '', '{', 'null', '42', '{"theme":"blue","presenter":"yes"}']) {
      expect(parsePreferences(raw)).toEqual({ theme: 'system', presenter: false });
    }
    expect(parsePreferences('{"theme":"dark","presenter":true}')).toEqual({
      theme: 'dark',
      presenter: true,
    });
  });

  it('resolves "system" from prefers-color-scheme, and an explicit choice over it', () => {
    expect(resolveTheme('system', true)).toBe('dark');
    expect(resolveTheme('system', false)).toBe('light');
    expect(resolveTheme('light', true)).toBe('light');
    expect(resolveTheme('dark', false)).toBe('dark');
  });

  it('persists theme and presenter choices and reads them back', () => {
    const storage = memoryStorage();
    const prefs = new Preferences(storage);
    prefs.systemDark = true;
    prefs.toggleTheme(); // dark (from the system) -> light, now explicit
    prefs.togglePresenter();
    expect(JSON.parse(storage.data[PREFERENCES_KEY] ?? '')).toEqual({
      theme: 'light',
      presenter: true,
    });
    const again = new Preferences(storage);
    expect(again.theme).toBe('light');
    expect(again.presenter).toBe(true);
  });

  it('keeps working when storage throws', () => {
    const broken: PreferenceStorage = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('denied');
      },
    };
    const prefs = new Preferences(broken);
    prefs.setTheme('dark');
    expect(prefs.resolvedTheme).toBe('dark');
  });
});
