import { describe, expect, it } from 'vitest';
import { RewardFormatError } from '../../../src/lib/reward/errors';
import { pickModelFiles } from '../../../src/lib/reward/files';

const named = (...names: string[]) => names.map((name) => ({ name }));

describe('pickModelFiles', () => {
  it('tells the manifest and the head apart by extension, in either order and renamed', () => {
    const files = named('head (1).ONNX', 'reward-model (1).json');
    expect(pickModelFiles(files)).toEqual({ manifest: files[1], head: files[0] });
  });

  it.each([
    [[], /got no files/],
    [['reward-model.json'], /got reward-model\.json\)/],
    [['head.onnx', 'a.onnx', 'reward-model.json'], /head\.onnx, a\.onnx/],
    [['head.onnx', 'reward-model.json', 'notes.txt'], /notes\.txt/],
  ])('refuses %j with a RewardFormatError naming what it got', (names, message) => {
    const error = (() => {
      try {
        pickModelFiles(named(...names));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(RewardFormatError);
    expect((error as RewardFormatError).kind).toBe('bad-manifest');
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toMatch(/reward-model\.json and head\.onnx/);
  });
});
