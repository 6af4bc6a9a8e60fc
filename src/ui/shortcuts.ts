// Keyboard shortcuts for a speaker at a projector: pages by number, presenter mode, theme, help,
// and the actions a talk needs (probes, order, chain of thought, the batch, the folded settings).
// They never fire while the user is typing (text fields, selects, contenteditable) or holds a
// modifier, so they cannot swallow a character or a browser shortcut.
import { PAGES, type PageId } from './routes';

export type ShortcutAction =
  | { kind: 'page'; page: PageId }
  | { kind: 'presenter' }
  | { kind: 'theme' }
  | { kind: 'help' }
  | { kind: 'probe'; step: 1 | -1 }
  | { kind: 'swap' }
  | { kind: 'cot' }
  | { kind: 'batch' }
  | { kind: 'settings' };

/** Single-letter actions, lower case; Shift gives the same action (caps lock must not break them). */
const LETTERS = new Map<string, ShortcutAction>([
  ['p', { kind: 'presenter' }],
  ['t', { kind: 'theme' }],
  ['n', { kind: 'probe', step: 1 }],
  ['b', { kind: 'probe', step: -1 }],
  ['s', { kind: 'swap' }],
  ['c', { kind: 'cot' }],
  ['g', { kind: 'batch' }],
  ['m', { kind: 'settings' }],
]);

/** What the "Keyboard shortcuts" dialog lists. */
export const SHORTCUTS: readonly { keys: string; description: string }[] = [
  ...PAGES.map((page, i) => ({ keys: String(i + 1), description: `Go to ${page.title}` })),
  { keys: 'p', description: 'Presenter mode on or off (large type, high contrast)' },
  { keys: 't', description: 'Switch between light and dark theme' },
  { keys: 'n', description: 'Label page: next probe' },
  { keys: 'b', description: 'Label page: previous probe (back)' },
  { keys: 's', description: 'Label page: swap the order the candidates are shown in' },
  { keys: 'c', description: 'Label page: chain of thought on or off' },
  { keys: 'g', description: 'Dataset page: start, pause or continue the batch' },
  { keys: 'm', description: 'Presenter mode: open or close the model and settings line' },
  { keys: '?', description: 'Show these shortcuts' },
  { keys: 'Esc', description: 'Close this dialog' },
];

/** Input types that take no typed text: a letter pressed on them is not typing. */
const NON_TEXT_INPUTS = new Set([
  'checkbox',
  'radio',
  'button',
  'submit',
  'reset',
  'range',
  'color',
  'file',
  'image',
]);

/** The parts of a DOM element this needs (plain objects stand in for elements in unit tests). */
export interface TargetLike {
  tagName?: string;
  type?: string;
  isContentEditable?: boolean;
}

/** Is a key pressed on this target part of typing? */
export function isTypingTarget(target: TargetLike | null): boolean {
  if (!target) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName?.toUpperCase();
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true; // a select takes type-ahead letters
  if (tag === 'INPUT') return !NON_TEXT_INPUTS.has((target.type ?? 'text').toLowerCase());
  return false;
}

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  repeat?: boolean;
  isComposing?: boolean;
  defaultPrevented?: boolean;
  target: TargetLike | null | EventTarget;
}

/** The action for a key press, or null when the key is not a shortcut here and now. */
export function shortcutFor(event: KeyLike): ShortcutAction | null {
  if (event.ctrlKey || event.metaKey || event.altKey) return null;
  if (event.repeat || event.isComposing || event.defaultPrevented) return null;
  if (isTypingTarget(event.target as TargetLike | null)) return null;
  const index = Number(event.key) - 1;
  const page = /^[1-9]$/.test(event.key) ? PAGES[index] : undefined;
  if (page) return { kind: 'page', page: page.id };
  if (event.key === '?') return { kind: 'help' };
  return LETTERS.get(event.key.toLowerCase()) ?? null;
}
