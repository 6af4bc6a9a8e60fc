// Where the ONNX engine cuts a prompt's ids for KV reuse, on the real tokenizers and the real
// probe prompts: the ids are always the whole prompt's, and every segment boundary of the labeler's
// prompts is a clean cut, including on Llama 2's sentencepiece with its Prepend "▁" normalizer.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  commonPrefixLength,
  promptIds,
  type PromptEncoder,
} from '../../../src/lib/engines/prompt-ids';
import { loadTokenizer, type HfTokenizer } from '../../../src/lib/engines/tokenizer';
import { chatTemplateFrom } from '../../../src/lib/rlaif/chat-template';
import { DEFAULT_LABELING, promptsFor, type LabelingConfig } from '../../../src/lib/rlaif/labeler';
import { EXEMPLARS, loadProbes } from '../../../src/lib/rlaif/probes';
import { fullText, type LabelPrompt } from '../../../src/lib/rlaif/prompt';
import type { PreferencePair } from '../../../src/lib/rlaif/types';
import {
  FAMILIES,
  realTokenizer,
  realTokenizerFiles,
  type Family,
} from '../../support/real-tokenizers';
import { metaspaceBpe } from '../../support/tokenizers';

const encoderOf = (tok: Pick<HfTokenizer, 'encode'>): PromptEncoder => ({
  head: (t) => tok.encode(t),
  whole: (t) => tok.encode(t),
});

const CONFIGS: [string, LabelingConfig][] = [
  ['Base 0-shot raw', DEFAULT_LABELING],
  [
    'Detailed 2-shot raw',
    { ...DEFAULT_LABELING, prompt: { ...DEFAULT_LABELING.prompt, preamble: 'detailed', shots: 2 } },
  ],
  [
    'Detailed 1-shot chat',
    {
      ...DEFAULT_LABELING,
      prompt: { ...DEFAULT_LABELING.prompt, preamble: 'detailed', shots: 1, format: 'chat' },
    },
  ],
];

// Samples of the probe set: the tokenizers here encode a long prompt in tens of milliseconds.
let summaries: PreferencePair[];
let dialogue: PreferencePair[];
beforeAll(async () => {
  const all = await loadProbes();
  summaries = all.filter((p) => p.task === 'summarization').slice(0, 3);
  dialogue = all.filter((p) => p.task !== 'summarization').slice(0, 1);
});

/** The probes' prompts (both orders) under a config, with a family's tokenizer and template. */
function probePrompts(family: Family, config: LabelingConfig, pairs: PreferencePair[]) {
  const engine = {
    tokenizer: realTokenizer(family),
    chatTemplate: chatTemplateFrom(realTokenizerFiles(family).config),
  };
  return pairs.flatMap((pair) => {
    const cfg = { ...config, prompt: { ...config.prompt, task: pair.task } };
    return promptsFor(cfg, EXEMPLARS[pair.task], pair, engine);
  });
}

describe('promptIds on the real probe prompts', () => {
  it.each(FAMILIES)('%s: the whole prompt ids, cut cleanly at both boundaries', (family) => {
    const tok = realTokenizer(family);
    for (const [name, config] of CONFIGS) {
      if (config.prompt.format === 'chat' && family === 'llama2') continue; // no template
      for (const prompt of probePrompts(family, config, [summaries[0]!, dialogue[0]!])) {
        const plan = promptIds(encoderOf(tok), prompt.prefix, prompt.continuation);
        const [dataset, pair] = prompt.prefix;
        expect(plan.ids, name).toEqual(tok.encode(fullText(prompt)));
        expect(plan.fallback, name).toBeNull();
        expect(plan.cuts, name).toEqual([
          tok.encode(dataset).length,
          tok.encode(dataset + pair).length,
        ]);
      }
    }
  });

  it('Llama 2: encoding segments alone (the old check) differs from the whole on every probe', () => {
    const tok = realTokenizer('llama2');
    const prompts = probePrompts('llama2', DEFAULT_LABELING, [...summaries, ...dialogue]);
    const alone = (p: LabelPrompt) => [...p.prefix, p.continuation].flatMap((s) => tok.encode(s));
    const differing = prompts.filter((p) => {
      const whole = tok.encode(fullText(p));
      return commonPrefixLength(alone(p), whole) !== whole.length;
    });
    expect(differing).toHaveLength(prompts.length);
  });

  it('the orders of a pair share both cuts, and pairs of a task share the first', () => {
    const tok = realTokenizer('llama2');
    const prompts = probePrompts('llama2', DEFAULT_LABELING, summaries);
    const plans = prompts.map((p) => promptIds(encoderOf(tok), p.prefix, p.continuation));
    const head = (i: number, cut: number) => plans[i]!.ids.slice(0, plans[i]!.cuts[cut]);
    expect(head(1, 1)).toEqual(head(0, 1)); // stored and swapped order of pair 1
    expect(head(2, 0)).toEqual(head(0, 0)); // pair 2 shares the dataset prefix
    expect(head(2, 1)).not.toEqual(head(0, 1));
  });
});

describe('promptIds on a small sentencepiece tokenizer with a Prepend normalizer', () => {
  const tok = loadTokenizer(
    metaspaceBpe(
      ['▁', 'a', 'b', 'c', 'T', 'x', '=', '\n'],
      [
        ['▁', 'a'],
        ['▁a', 'b'],
        ['a', 'b'],
        ['T', 'x'],
      ],
    ),
  );

  it('a segment alone gets a "▁" it lacks inside the prompt; the cuts use the whole', () => {
    expect(tok.encode('Tx')).not.toEqual(tok.encode('\nTx').slice(1));
    const plan = promptIds(encoderOf(tok), ['ab\n', 'Tx\n'], 'c=');
    expect(plan.ids).toEqual(tok.encode('ab\nTx\nc='));
    expect(plan.cuts).toEqual([tok.encode('ab\n').length, tok.encode('ab\nTx\n').length]);
    expect(plan.fallback).toBeNull();
  });

  it('a boundary inside a token: the cut moves back to the last shared token, and says why', () => {
    // "▁a" | "b" inside the whole is the one token "▁ab".
    const plan = promptIds(encoderOf(tok), ['a', 'b\n'], 'c=');
    expect(plan.ids).toEqual(tok.encode('ab\nc='));
    expect(plan.cuts).toEqual([tok.encode('ab\n').length]);
    expect(plan.fallback).toMatchObject({ reason: 'boundary-inside-token', segment: 0 });
    expect(plan.fallback!.message).toMatch(/segment 1 falls inside a token/);
  });

  it('always leaves one token to run, even when the continuation adds none', () => {
    const plan = promptIds(encoderOf(tok), ['ab\n'], '');
    expect(plan.cuts).toEqual([plan.ids.length - 1]);
  });
});
