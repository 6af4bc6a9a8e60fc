// Label order for a batch: pairs that share a context (OpenAI TL;DR has several comparisons per
// post) go back to back, so an engine's prefix cache computes that context's KV cache once for all
// of them. Stable: contexts in order of first appearance, pairs in their order within a context.
import type { PreferencePair } from './types';

/** The prompt segment two pairs share when this key is equal: task wording plus the context. */
export function contextKey(pair: Pick<PreferencePair, 'task' | 'context'>): string {
  return `${pair.task}\u0000${pair.context}`;
}

/** `items` regrouped so equal keys are adjacent; a permutation, nothing dropped or repeated. */
export function groupByKey<T>(items: readonly T[], key: (item: T) => string): T[] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return [...groups.values()].flat();
}

/** Pairs regrouped by context (see contextKey). */
export function groupByContext<P extends Pick<PreferencePair, 'task' | 'context'>>(
  pairs: readonly P[],
): P[] {
  return groupByKey(pairs, contextKey);
}
