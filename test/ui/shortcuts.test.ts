import { describe, expect, it } from 'vitest';
import { PAGES } from '../../src/ui/routes';
import { isTypingTarget, shortcutFor, SHORTCUTS, type KeyLike } from '../../src/ui/shortcuts';

const body = { tagName: 'BODY' };
const press = (key: string, more: Partial<KeyLike> = {}): KeyLike => ({
  key,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  target: body,
  ...more,
});

describe('keyboard shortcuts', () => {
  it('maps 1-5 to the pages in nav order, and p, t, ? to their actions', () => {
    PAGES.forEach((page, i) => {
      expect(shortcutFor(press(String(i + 1)))).toEqual({ kind: 'page', page: page.id });
    });
    expect(shortcutFor(press('6'))).toBeNull();
    expect(shortcutFor(press('0'))).toBeNull();
    expect(shortcutFor(press('p'))).toEqual({ kind: 'presenter' });
    expect(shortcutFor(press('P'))).toEqual({ kind: 'presenter' });
    expect(shortcutFor(press('t'))).toEqual({ kind: 'theme' });
    expect(shortcutFor(press('?'))).toEqual({ kind: 'help' });
    expect(shortcutFor(press('x'))).toBeNull();
  });

  it('maps the speaker keys: probes, order, chain of thought, batch, folded settings', () => {
    expect(shortcutFor(press('n'))).toEqual({ kind: 'probe', step: 1 });
    expect(shortcutFor(press('b'))).toEqual({ kind: 'probe', step: -1 });
    expect(shortcutFor(press('S'))).toEqual({ kind: 'swap' });
    expect(shortcutFor(press('c'))).toEqual({ kind: 'cot' });
    expect(shortcutFor(press('g'))).toEqual({ kind: 'batch' });
    expect(shortcutFor(press('m'))).toEqual({ kind: 'settings' });
    // Key names are not letters: "Enter" must not become an action through its first letter.
    for (const key of ['Enter', 'Backspace', 'ArrowDown', ' '])
      expect(shortcutFor(press(key))).toBeNull();
  });

  it('never fires while typing in a text field, a select or contenteditable', () => {
    const typing = [
      { tagName: 'TEXTAREA' },
      { tagName: 'INPUT' },
      { tagName: 'INPUT', type: 'text' },
      { tagName: 'INPUT', type: 'number' },
      { tagName: 'INPUT', type: 'search' },
      { tagName: 'SELECT' },
      { tagName: 'DIV', isContentEditable: true },
    ];
    for (const target of typing) {
      expect(isTypingTarget(target)).toBe(true);
      for (const key of ['1', 'p', 't', '?', 'n', 'b', 's', 'c', 'g', 'm'])
        expect(shortcutFor(press(key, { target }))).toBeNull();
    }
  });

  it('works on buttons, checkboxes and links, which take no typed text', () => {
    for (const target of [
      { tagName: 'BUTTON' },
      { tagName: 'INPUT', type: 'checkbox' },
      { tagName: 'A' },
      null,
    ]) {
      expect(shortcutFor(press('p', { target }))).toEqual({ kind: 'presenter' });
    }
  });

  it('leaves modifier combinations, key repeat, IME composition and handled keys alone', () => {
    for (const more of [
      { ctrlKey: true },
      { metaKey: true },
      { altKey: true },
      { repeat: true },
      { isComposing: true },
      { defaultPrevented: true },
    ]) {
      expect(shortcutFor(press('1', more))).toBeNull();
    }
  });

  it('lists every shortcut for the help dialog', () => {
    const keys = SHORTCUTS.map((s) => s.keys);
    expect(keys).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
      'p',
      't',
      'n',
      'b',
      's',
      'c',
      'g',
      'm',
      '?',
      'Esc',
    ]);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
