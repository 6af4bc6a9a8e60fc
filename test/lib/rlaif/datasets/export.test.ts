import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  exportCsv,
  exportLabelsJsonl,
  exportNativeJsonl,
  exportTrlJsonl,
} from '../../../../src/lib/rlaif/datasets/export';
import { parseDataset } from '../../../../src/lib/rlaif/datasets/index';
import type { OrderScore, PairLabel, PreferencePair } from '../../../../src/lib/rlaif/types';

const score = (p0: number): OrderScore => ({
  logprobs: [Math.log(p0), Math.log(1 - p0)],
  probs: [p0, 1 - p0],
  otherMass: 0.01,
});

function label(pairId: string, p0: number, extra: Partial<PairLabel> = {}): PairLabel {
  return {
    pairId,
    label: [p0, 1 - p0],
    orders: { stored: score(p0) },
    perOrder: { stored: [p0, 1 - p0] },
    modelId: 'qwen-0.5b',
    configHash: 'abc123',
    ...extra,
  };
}

const pairs: PreferencePair[] = [
  {
    id: 'p1',
    task: 'summarization',
    context: 'POST: a, "quoted"\nsecond line',
    candidates: [' leading space', 'plain'],
    humanChoice: 1,
    humanConfidence: 8,
    defect: 'verbosity',
    source: { format: 'openai-comparisons', line: 4, meta: { worker: 'w1', batch: 3 } },
  },
  {
    id: 'p2',
    task: 'harmless',
    context: 'Human: hi',
    candidates: ['hello', 'go away'],
    source: { format: 'hh-rlhf', line: 9 },
  },
  {
    id: 'p3',
    task: 'helpful',
    context: 'c',
    candidates: ['x', 'y'],
    source: { format: 'trl', line: 1 },
  },
];

/** What a pair looks like after a round trip through a file of `format`, at `line`. */
const reread = (pair: PreferencePair, format: 'native' | 'csv', line: number, keepMeta = true) => {
  const meta = keepMeta ? pair.source.meta : undefined;
  return { ...pair, source: meta ? { format, line, meta } : { format, line } };
};

describe('exportNativeJsonl', () => {
  it('writes one record per line, with absent fields left out', () => {
    const lines = exportNativeJsonl(pairs).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('');
    expect(JSON.parse(lines[1]!)).toStrictEqual({
      id: 'p2',
      task: 'harmless',
      context: 'Human: hi',
      candidates: ['hello', 'go away'],
    });
    expect(exportNativeJsonl([])).toBe('');
  });

  it('parses back to the same pairs', async () => {
    const { pairs: back, errors } = await parseDataset(exportNativeJsonl(pairs));
    expect(errors).toEqual([]);
    expect(back).toStrictEqual(pairs.map((p, i) => reread(p, 'native', i + 1)));
  });

  it('round-trips any pairs (property)', async () => {
    const text = fc.string({ unit: 'binary', maxLength: 40 });
    const scalar = fc.oneof(
      text,
      fc.integer(),
      fc.boolean(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
    );
    const pair = fc.record(
      {
        id: text,
        task: fc.constantFrom('summarization', 'helpful', 'harmless'),
        context: text,
        candidates: fc.tuple(text, text),
        humanChoice: fc.constantFrom(0, 1),
        humanConfidence: fc.integer({ min: 1, max: 9 }),
        defect: fc.constantFrom('incoherence', 'copying'),
        meta: fc.dictionary(
          text.filter((k) => k !== '__proto__'),
          scalar,
          { maxKeys: 3 },
        ),
      },
      { requiredKeys: ['id', 'task', 'context', 'candidates'] },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(pair, { maxLength: 5 }), async (records) => {
        const input: PreferencePair[] = records.map(({ meta, ...rest }, i) => ({
          ...rest,
          source: meta ? { format: 'trl', line: i + 1, meta } : { format: 'trl', line: i + 1 },
        }));
        const { pairs: back, errors } = await parseDataset(exportNativeJsonl(input), {
          format: 'native',
        });
        expect(errors).toEqual([]);
        // -0 comes back as 0 through JSON; compare through JSON to allow that alone.
        const normal = (ps: PreferencePair[]) => JSON.parse(JSON.stringify(ps)) as unknown;
        expect(normal(back)).toEqual(normal(input.map((p, i) => reread(p, 'native', i + 1))));
      }),
    );
  });
});

describe('exportLabelsJsonl', () => {
  it('writes pA and pB first, then the label details and provenance', () => {
    const full = label('p1', 0.25, {
      orders: { stored: score(0.3), swapped: score(0.8) },
      perOrder: { stored: [0.3, 0.7], swapped: [0.2, 0.8] },
      samePosition: true,
      preferredSlot: 'first',
      rationales: { stored: ['B is shorter.'], swapped: ['A is shorter.'] },
    });
    const [line, end] = exportLabelsJsonl([full]).split('\n');
    expect(end).toBe('');
    expect(Object.keys(JSON.parse(line!) as object)).toEqual([
      'pairId',
      'pA',
      'pB',
      'samePosition',
      'preferredSlot',
      'orders',
      'perOrder',
      'rationales',
      'modelId',
      'configHash',
    ]);
    expect(JSON.parse(line!)).toMatchObject({
      pairId: 'p1',
      pA: 0.25,
      pB: 0.75,
      samePosition: true,
      preferredSlot: 'first',
      rationales: { stored: ['B is shorter.'], swapped: ['A is shorter.'] },
      modelId: 'qwen-0.5b',
      configHash: 'abc123',
    });
  });
});

describe('exportTrlJsonl', () => {
  it('makes the AI-preferred candidate "chosen", with the soft label in chosen/rejected order', () => {
    const text = exportTrlJsonl(pairs, [label('p2', 0.5), label('p1', 0.3), label('nope', 0.9)]);
    expect(
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as unknown),
    ).toEqual([
      {
        pair_id: 'p1',
        prompt: 'POST: a, "quoted"\nsecond line',
        chosen: 'plain',
        rejected: ' leading space',
        ai_soft_label: [0.7, 0.3],
      },
      // An exact tie keeps stored order; p3 has no label and is left out.
      {
        pair_id: 'p2',
        prompt: 'Human: hi',
        chosen: 'hello',
        rejected: 'go away',
        ai_soft_label: [0.5, 0.5],
      },
    ]);
  });
});

describe('exportCsv', () => {
  it('quotes what needs quoting and leaves label cells empty for unlabelled pairs', () => {
    const text = exportCsv(pairs.slice(0, 2), [label('p1', 0.25, { samePosition: false })]);
    expect(text).toBe(
      'id,task,context,candidate_a,candidate_b,choice,confidence,defect,p_a,p_b,same_position,preferred_slot,model_id,config_hash\n' +
        'p1,summarization,"POST: a, ""quoted""\nsecond line"," leading space",plain,1,8,verbosity,0.25,0.75,false,,qwen-0.5b,abc123\n' +
        'p2,harmless,Human: hi,hello,go away,,,,,,,,,\n',
    );
  });

  it('parses back to the same pairs (label columns land in meta)', async () => {
    const { pairs: back, errors } = await parseDataset(exportCsv(pairs), { fileName: 'out.csv' });
    expect(errors).toEqual([]);
    expect(back).toStrictEqual(pairs.map((p, i) => reread(p, 'csv', [2, 4, 5][i]!, false)));
    const labelled = await parseDataset(exportCsv(pairs.slice(2), [label('p3', 0.5)]), {
      format: 'csv',
    });
    expect(labelled.pairs[0]!.source.meta).toEqual({
      p_a: '0.5',
      p_b: '0.5',
      model_id: 'qwen-0.5b',
      config_hash: 'abc123',
    });
  });
});
