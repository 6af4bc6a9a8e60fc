import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadTokenizer, type HfTokenizer } from '../../../src/lib/engines/tokenizer';
import { chatTemplateFrom, type TokenizerConfig } from '../../../src/lib/rlaif/chat-template';
import {
  inspectPrompt,
  maxPositionsOf,
  tokenPieces,
  visibleText,
  type PromptInspection,
} from '../../../src/lib/rlaif/inspect';
import { promptsFor, DEFAULT_LABELING, type LabelingConfig } from '../../../src/lib/rlaif/labeler';
import { EXEMPLARS } from '../../../src/lib/rlaif/probes';
import { buildPrompt, fullText, type PromptConfig } from '../../../src/lib/rlaif/prompt';
import { byteLevelBpe, metaspaceBpe } from '../../support/tokenizers';

// The embedded model's real tokenizer files (byte-level BPE, ChatML template).
const tinyConfig = JSON.parse(
  readFileSync('models/tiny-llama/tokenizer_config.json', 'utf8'),
) as TokenizerConfig;
const tiny = loadTokenizer(
  JSON.parse(readFileSync('models/tiny-llama/tokenizer.json', 'utf8')) as object,
  tinyConfig,
);
const chatTemplate = chatTemplateFrom(tinyConfig);

const pair = {
  context: 'My landlord raised the rent by 20% — café upstairs closed. 🚲 Should I move?',
  candidates: ['Rent up 20%; café closed; asks whether to move.', 'A post about bicycles.'] as [
    string,
    string,
  ],
};

/** The properties every inspection must have, whatever the tokenizer. */
function expectConsistent(inspection: PromptInspection, tok: HfTokenizer) {
  const { pieces, counts, total, text } = inspection;
  expect(inspection.exact).toBe(true);
  expect(pieces.map((p) => p.text).join('')).toBe(text);
  expect(pieces.flatMap((p) => p.ids)).toEqual(tok.encode(text));
  expect(counts.bos + counts.dataset + counts.pair + counts.ending).toBe(total);
  expect(total).toBe(tok.encode(text).length);
  // No piece shows half a character.
  for (const p of pieces) expect(p.text).not.toContain('\uFFFD');
}

function config(prompt: Partial<PromptConfig>): LabelingConfig {
  return { ...DEFAULT_LABELING, prompt: { ...DEFAULT_LABELING.prompt, ...prompt } };
}

describe('inspectPrompt on the embedded model tokenizer', () => {
  it('raw prompt: pieces join to the prompt, counts per segment sum to the total', () => {
    const [prompt] = promptsFor(config({ format: 'raw' }), [], pair, {});
    const inspection = inspectPrompt(prompt!, tiny);
    expectConsistent(inspection, tiny);
    expect(inspection.text).toBe(fullText(prompt!));
    expect(inspection.text).toContain(pair.context);
    // Every boundary follows a newline: each segment's count is its own encoding's length.
    expect(inspection.straddling).toBe(0);
    expect(inspection.counts.dataset).toBe(tiny.encode(prompt!.prefix[0]).length);
    expect(inspection.counts.pair).toBe(tiny.encode(prompt!.prefix[1]).length);
    expect(inspection.counts.ending).toBe(tiny.encode(prompt!.continuation).length);
  });

  it('chat template, 2-shot Detailed, swapped order: special tokens are chips of their own', () => {
    const cfg = config({ format: 'chat', preamble: 'detailed', shots: 2 });
    const [stored, swapped] = promptsFor(cfg, EXEMPLARS.summarization, pair, { chatTemplate });
    const inspection = inspectPrompt(swapped!, tiny);
    expectConsistent(inspection, tiny);
    expect(inspection.text).not.toBe(fullText(stored!));
    expect(inspection.pieces[0]).toMatchObject({ text: '<|im_start|>', segment: 'dataset' });
    expect(inspection.pieces.at(-1)!.segment).toBe('ending');
    // The swapped order shows candidate 2 first, in the last segment.
    const ending = inspection.pieces
      .filter((p) => p.segment === 'ending')
      .map((p) => p.text)
      .join('');
    expect(ending.indexOf(pair.candidates[1])).toBeLessThan(ending.indexOf(pair.candidates[0]));
    expect(inspection.counts.dataset).toBeGreaterThan(inspection.counts.pair);
  });

  it('keeps a multi-byte character whole: the emoji is one chip of several byte tokens', () => {
    const pieces = tokenPieces(tiny, tiny.encode('ride 🚲 é'));
    const emoji = pieces.find((p) => p.text.includes('🚲'));
    expect(emoji?.ids.length).toBeGreaterThan(1);
    expect(pieces.map((p) => p.text).join('')).toBe('ride 🚲 é');
  });

  it('inspects a 2-shot Detailed prompt with a long text quickly', () => {
    const long = { ...pair, context: pair.context.repeat(20) };
    const cfg = config({ format: 'chat', preamble: 'detailed', shots: 2 });
    const [prompt] = promptsFor(cfg, EXEMPLARS.summarization, long, { chatTemplate });
    const started = performance.now();
    const inspection = inspectPrompt(prompt!, tiny);
    expect(inspection.total).toBeGreaterThan(2000);
    expectConsistent(inspection, tiny);
    // Generous for a loaded 2-core machine; a quadratic split would take many seconds here.
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe('inspectPrompt on other tokenizer families', () => {
  it('sentencepiece (metaspace): leading spaces stay on their pieces', () => {
    const text = 'Text - the rent rose\nSummary 1 - rent up\n';
    const chars = [...new Set([...text.replace(/ /g, '▁'), '▁'])];
    const tok = loadTokenizer(
      metaspaceBpe(chars, [
        ['▁', 'r'],
        ['▁r', 'e'],
        ['▁re', 'n'],
        ['▁ren', 't'],
      ]),
    );
    const prompt = {
      prefix: ['Text - the rent rose\n', ''] as [string, string],
      continuation: 'Summary 1 - rent up\n',
    };
    const inspection = inspectPrompt(prompt, tok);
    expectConsistent(inspection, tok);
    expect(inspection.pieces.map((p) => p.text)).toContain(' rent');
    expect(inspection.counts.pair).toBe(0);
  });

  it('sentencepiece with a BOS post-processor: <s> is a segment of its own, once', () => {
    const tok = loadTokenizer(
      metaspaceBpe(['▁', 'a', 'b', '\n', '='], [['▁', 'a']], { bos: true }),
    );
    const [prompt] = promptsFor(config({ preamble: 'custom', customPreamble: 'a b' }), [], pair, {
      tokenizer: tok,
    });
    const inspection = inspectPrompt(prompt!, tok);
    expect(inspection.pieces[0]).toMatchObject({ text: '<s>', ids: [1], segment: 'bos' });
    expect(inspection.pieces.filter((p) => p.segment === 'bos')).toHaveLength(1);
    expect(inspection.counts.bos).toBe(1);
    expect(inspection.pieces[1]).toMatchObject({ segment: 'dataset' });
  });

  it('counts a token merged across a segment boundary once, and flags it', () => {
    const tok = loadTokenizer(
      byteLevelBpe([
        ['H', 'e'],
        ['l', 'l'],
        ['He', 'll'],
        ['Hell', 'o'],
      ]),
    );
    const prompt = { prefix: ['Hel', 'lo'] as [string, string], continuation: ' there' };
    const inspection = inspectPrompt(prompt, tok);
    expectConsistent(inspection, tok);
    expect(inspection.pieces[0]).toMatchObject({ text: 'Hello', segment: 'dataset' });
    expect(inspection.straddling).toBe(1);
    expect(inspection.counts.pair).toBe(0);
  });

  it('reports a tokenizer that does not round-trip the text as inexact', () => {
    const tok = loadTokenizer(metaspaceBpe(['▁', 'a'], []));
    const inspection = inspectPrompt({ prefix: ['a', ''], continuation: 'b' }, tok);
    expect(inspection.exact).toBe(false);
    expect(inspection.counts.dataset + inspection.counts.ending).toBe(inspection.total);
  });
});

describe('visibleText', () => {
  it('shows whitespace as glyphs and invisible characters as code points', () => {
    expect(visibleText('a b\n\tc')).toBe('a·b↵→c');
    expect(visibleText('\u202eRTL\u200b\u0000')).toBe('⟨U+202E⟩RTL⟨U+200B⟩⟨U+0000⟩');
    expect(visibleText('<img src=x>')).toBe('<img·src=x>');
  });
});

describe('maxPositionsOf', () => {
  it('reads max_position_embeddings from an engine config, else null', () => {
    expect(maxPositionsOf({ config: { max_position_embeddings: 4096 } })).toBe(4096);
    expect(maxPositionsOf({ config: {} })).toBeNull();
    expect(maxPositionsOf({})).toBeNull();
  });
});

describe('the inspected prompt is the labeler prompt', () => {
  it('matches buildPrompt for the order as shown', () => {
    const cfg = config({ format: 'raw', shots: 1 });
    const [prompt] = promptsFor(cfg, EXEMPLARS.summarization, pair, {});
    const built = buildPrompt(cfg.prompt, EXEMPLARS.summarization, pair.context, pair.candidates);
    expect(inspectPrompt(prompt!, tiny).text).toBe(fullText(built));
  });
});
