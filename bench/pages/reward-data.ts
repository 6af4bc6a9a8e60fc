// The reward bench's texts, built from the shipped summarization probes: a training set of any
// size whose texts are all distinct (each one costs an encoder pass), and keystroke-like edits.
import type { TrainPair } from '../../src/lib/reward/data';
import type { ProbePair } from './common';

/** The probe file's choice as an AI soft label: the better candidate gets p = 0.9. */
const softLabel = (probe: ProbePair & { choice?: number }) => (probe.choice === 1 ? 0.1 : 0.9);

/**
 * `count` pairs cycling through the probes; every text carries its pair's number, so no two pairs
 * share a text and each pair costs three encoder passes, as in a dataset of distinct posts.
 */
export function trainingPairs(probes: readonly ProbePair[], count: number): TrainPair[] {
  if (!probes.length) throw new Error('no probe pairs to build training pairs from');
  return Array.from({ length: count }, (_, i) => {
    const probe = probes[i % probes.length]!;
    const tag = ` (#${i + 1})`;
    const [a, b] = probe.candidates;
    return { context: probe.context + tag, a: a + tag, b: b + tag, p: softLabel(probe) };
  });
}

/** `count` pairs spread evenly over all of them (a sample with every kind of probe in it). */
export function spread<T>(items: readonly T[], count: number): T[] {
  if (count >= items.length) return [...items];
  return Array.from({ length: count }, (_, i) => items[Math.floor((i * items.length) / count)]!);
}

/**
 * The last `count` states of typing `text` one character at a time: its prefixes, each one
 * character longer, ending with the whole text. Every one is new to the encoder's cache.
 */
export function keystrokes(text: string, count: number): string[] {
  const start = Math.max(1, text.length - count + 1);
  return Array.from({ length: text.length - start + 1 }, (_, i) => text.slice(0, start + i));
}
