// Small seeded randomness: the same seed gives the same numbers in every browser and in Node,
// so a dataset shuffled or a pair ordered today is ordered the same way tomorrow.

/** FNV-1a (32-bit) over the string's UTF-16 code units: a cheap, stable hash of a short key. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** mulberry32: a 32-bit PRNG with good spread; returns floats in [0, 1). Not cryptographic. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A fair coin for item `index` under `seed`: true about half the time, the same answer every call.
 * FNV alone is weak in its low bits for keys a digit apart, so one mulberry32 step mixes them.
 */
export function seededCoin(seed: number, index: number): boolean {
  return mulberry32(fnv1a(`${seed}:${index}`))() < 0.5;
}
