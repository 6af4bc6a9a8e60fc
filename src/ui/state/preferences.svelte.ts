// Display preferences: light/dark theme (following the system until the user picks one) and
// presenter mode, remembered in localStorage. The document root carries them as data attributes
// (data-theme="light|dark", data-presenter) and app.css does the rest.

export type ThemeChoice = 'system' | 'light' | 'dark';
export type Theme = 'light' | 'dark';

export interface StoredPreferences {
  theme: ThemeChoice;
  presenter: boolean;
}

export const PREFERENCES_KEY = 'rlaif-lab:preferences';
export const DEFAULT_PREFERENCES: StoredPreferences = { theme: 'system', presenter: false };

/** Stored preferences, tolerating anything: a hand-edited or older value must not break the app. */
export function parsePreferences(raw: string | null): StoredPreferences {
  let value: unknown;
  try {
    value = raw === null ? null : JSON.parse(raw);
  } catch {
    return { ...DEFAULT_PREFERENCES };
  }
  const fields =
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const theme = ['system', 'light', 'dark'].includes(fields.theme as string)
    ? (fields.theme as ThemeChoice)
    : DEFAULT_PREFERENCES.theme;
  const presenter = typeof fields.presenter === 'boolean' ? fields.presenter : false;
  return { theme, presenter };
}

export function resolveTheme(choice: ThemeChoice, systemDark: boolean): Theme {
  if (choice === 'system') return systemDark ? 'dark' : 'light';
  return choice;
}

/** Where preferences live; Storage fits, and tests pass a plain object. */
export type PreferenceStorage = Pick<Storage, 'getItem' | 'setItem'>;

export class Preferences {
  theme: ThemeChoice = $state('system');
  presenter = $state(false);
  /** What the operating system asks for (prefers-color-scheme), tracked live. */
  systemDark = $state(false);

  constructor(private readonly storage: PreferenceStorage | null) {
    const stored = parsePreferences(this.read());
    this.theme = stored.theme;
    this.presenter = stored.presenter;
  }

  get resolvedTheme(): Theme {
    return resolveTheme(this.theme, this.systemDark);
  }

  setTheme(theme: ThemeChoice): void {
    this.theme = theme;
    this.save();
  }

  /** Flip light and dark: an explicit choice from then on (the select offers "system" back). */
  toggleTheme(): void {
    this.setTheme(this.resolvedTheme === 'dark' ? 'light' : 'dark');
  }

  togglePresenter(): void {
    this.presenter = !this.presenter;
    this.save();
  }

  /** Put the preferences on the document root, where app.css reads them. */
  applyTo(root: HTMLElement): void {
    root.dataset.theme = this.resolvedTheme;
    if (this.presenter) root.dataset.presenter = 'true';
    else delete root.dataset.presenter;
  }

  /** Follow prefers-color-scheme; returns the unsubscribe. */
  followSystem(media: MediaQueryList): () => void {
    this.systemDark = media.matches;
    const onChange = (e: MediaQueryListEvent) => (this.systemDark = e.matches);
    media.addEventListener('change', onChange);
    return () => media.removeEventListener('change', onChange);
  }

  private read(): string | null {
    try {
      return this.storage?.getItem(PREFERENCES_KEY) ?? null;
    } catch {
      return null; // storage disabled (private mode, policy): preferences last for the tab
    }
  }

  private save(): void {
    const value: StoredPreferences = { theme: this.theme, presenter: this.presenter };
    try {
      this.storage?.setItem(PREFERENCES_KEY, JSON.stringify(value));
    } catch {
      // Full or disabled storage: the choice still holds until the tab closes.
    }
  }
}

/** localStorage, or null where reading it throws (sandboxed frames, disabled storage). */
export function browserStorage(): PreferenceStorage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}
