// Command-line values both benchmarks read: whole-number counts and the execution providers.
import type { Ep } from '../pages/types.ts';

/** `--flag N`: a whole number, or an error naming the flag. */
export function count(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`--${flag}: expected a whole number, got ${value}`);
  return n;
}

/** `--eps wasm,webgpu`: the execution providers to run, in order. */
export function eps(value: string): Ep[] {
  const items = value.split(',').map((s) => s.trim());
  const bad = items.filter((s) => s !== 'wasm' && s !== 'webgpu');
  if (bad.length) throw new Error(`--eps: unknown ${bad.join(', ')} (use wasm, webgpu)`);
  return items as Ep[];
}

/** The first line of an error's message, for a one-line failure row. */
export function firstLine(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
}
