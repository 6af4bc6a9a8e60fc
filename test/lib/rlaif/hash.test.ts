import { describe, expect, it } from 'vitest';
import { canonicalJson, configHash, hash53 } from '../../../src/lib/rlaif/hash';

describe('configHash', () => {
  it('ignores key order but not values', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 2], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,2]},"b":1}',
    );
    expect(configHash({ a: 1, b: 2 })).toBe(configHash({ b: 2, a: 1 }));
    expect(configHash({ a: 1, b: 2 })).not.toBe(configHash({ a: 1, b: 3 }));
    expect(configHash({ a: 1 })).toMatch(/^[0-9a-f]{14}$/);
  });
  it('is cyrb53: known values', () => {
    // Reference values of the published cyrb53 for these inputs.
    expect(hash53('a')).toBe(7929297801672961);
    expect(hash53('')).toBe(3338908027751811);
  });
});
