// Command-line flags: node:util's parseArgs with our own help text and typed errors. Every
// mistake a user can make here ends in a UsageError that says what to type instead.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in the command line: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A command's flags as parseArgs wants them, plus one help line per flag. */
export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export function parse(argv: string[], options: Options, usage: string): Parsed {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Parsed['values'], positionals };
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error), usage);
  }
}

export function text(parsed: Parsed, name: string): string | undefined {
  const value = parsed.values[name];
  return typeof value === 'string' ? value : undefined;
}

export function flag(parsed: Parsed, name: string): boolean {
  return parsed.values[name] === true;
}

/** A whole number in [min, max], or the default when absent. */
export function integer(parsed: Parsed, name: string, fallback: number, min = 0, max = Infinity) {
  const raw = text(parsed, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Infinity ? `>= ${min}` : `${min}..${max}`;
    throw new UsageError(`--${name} must be a whole number ${range}, got "${raw}".`);
  }
  return value;
}

export function number(parsed: Parsed, name: string, fallback: number, min = 0): number {
  const raw = text(parsed, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) {
    throw new UsageError(`--${name} must be a number >= ${min}, got "${raw}".`);
  }
  return value;
}

/** One of a fixed set of words. */
export function choice<T extends string>(
  parsed: Parsed,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const raw = text(parsed, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new UsageError(`--${name} must be one of ${allowed.join(', ')}; got "${raw}".`);
  }
  return raw as T;
}
