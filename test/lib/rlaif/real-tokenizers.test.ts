// The labeling core on the real tokenizer files of Llama 2, Gemma 3, Qwen3 and Llama 3: answer
// and score tokens, chat templates, and BOS exactly as Hugging Face's default encode adds it.
import { Tokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { resolveChoiceTokens } from '../../../src/lib/rlaif/answer-tokens';
import { chatTemplateFrom } from '../../../src/lib/rlaif/chat-template';
import { buildDirectPrompt, resolveScoreTokens } from '../../../src/lib/rlaif/direct';
import { inspectPrompt } from '../../../src/lib/rlaif/inspect';
import { DEFAULT_LABELING, promptsFor, type LabelingConfig } from '../../../src/lib/rlaif/labeler';
import { WORDING } from '../../../src/lib/rlaif/preambles';
import { EXEMPLARS } from '../../../src/lib/rlaif/probes';
import { fullText, type PromptConfig } from '../../../src/lib/rlaif/prompt';
import type { Task } from '../../../src/lib/rlaif/types';
import {
  FAMILIES,
  realTokenizer,
  realTokenizerFiles,
  type Family,
} from '../../support/real-tokenizers';

const pair = {
  context: 'My landlord raised the rent by 20%, and the café upstairs closed. Should I move?',
  candidates: ['Rent up 20%, café closed; asks whether to move.', 'A post about bicycles.'] as [
    string,
    string,
  ],
};

function config(prompt: Partial<PromptConfig>): LabelingConfig {
  return { ...DEFAULT_LABELING, prompt: { ...DEFAULT_LABELING.prompt, ...prompt } };
}

function engineOf(family: Family) {
  const tokenizer = realTokenizer(family);
  return { tokenizer, chatTemplate: chatTemplateFrom(realTokenizerFiles(family).config) };
}

const count = (ids: number[], id: number) => ids.filter((x) => x === id).length;

describe('answer and score tokens on real tokenizers', () => {
  const tasks: Task[] = ['summarization', 'helpful', 'harmless'];

  it.each(FAMILIES)('%s: "1" and "2" after each ending are the vocabulary\'s digit tokens', (f) => {
    const tok = realTokenizer(f);
    const vocab = realTokenizerFiles(f).tokenizer.model as { vocab: Record<string, number> };
    for (const task of tasks) {
      const [one, two] = resolveChoiceTokens(tok, WORDING[task].ending);
      // Looked up independently: the plain digit's entry in the vocabulary.
      expect(one).toEqual({ text: '1', id: vocab.vocab['1'], via: 'context' });
      expect(two).toEqual({ text: '2', id: vocab.vocab['2'], via: 'context' });
    }
  });

  it.each(FAMILIES)(
    '%s: d-RLAIF scores 1-9 are digit tokens; "10" is one token only in Llama 3',
    (f) => {
      const vocab = (realTokenizerFiles(f).tokenizer.model as { vocab: Record<string, number> })
        .vocab;
      const scores = resolveScoreTokens(engineOf(f));
      expect(scores.digits).toEqual(
        ['1', '2', '3', '4', '5', '6', '7', '8', '9'].map((d) => vocab[d]),
      );
      expect(scores.zero).toBe(vocab['0']);
      expect(scores.ten).toBe(f === 'llama3' ? vocab['10'] : null);
    },
  );
});

describe('chat templates of real models through @huggingface/jinja', () => {
  const hi = [{ role: 'user' as const, content: 'Hello' }];

  it('Qwen3: ChatML, no BOS', () => {
    expect(engineOf('qwen3').chatTemplate!(hi, true)).toBe(
      '<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n',
    );
  });

  it('Llama 3: writes <|begin_of_text|> and the header tokens', () => {
    expect(engineOf('llama3').chatTemplate!(hi, true)).toBe(
      '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n\n',
    );
  });

  it('Gemma 3: writes <bos> and the turn tokens, "model" for the assistant', () => {
    expect(engineOf('gemma3').chatTemplate!(hi, true)).toBe(
      '<bos><start_of_turn>user\nHello<end_of_turn>\n<start_of_turn>model\n',
    );
  });

  it('Llama 2 (a base tokenizer) has none', () => {
    expect(engineOf('llama2').chatTemplate).toBeUndefined();
  });
});

describe('BOS as Hugging Face adds it', () => {
  const expectedPrefix: Record<Family, number[]> = {
    llama2: [1],
    gemma3: [2],
    qwen3: [],
    llama3: [], // this copy's post-processor is ByteLevel only: it adds nothing
  };

  it.each(FAMILIES)('%s: the tokenizer reports what its post-processor puts in front', (f) => {
    const { specialPrefix } = realTokenizer(f);
    expect(specialPrefix.ids).toEqual(expectedPrefix[f]);
    expect(specialPrefix.text).toBe(specialPrefix.ids.length ? specialPrefix.tokens[0] : null);
  });

  it.each(FAMILIES)(
    '%s: a raw prompt encodes exactly as HF encode(text) with its defaults',
    (f) => {
      const files = realTokenizerFiles(f);
      const hf = new Tokenizer(files.tokenizer, files.config);
      for (const cfg of [config({}), config({ preamble: 'detailed', shots: 2 })]) {
        const engine = engineOf(f);
        const [prompt] = promptsFor(cfg, EXEMPLARS.summarization, pair, engine);
        const bos = engine.tokenizer.specialPrefix.text ?? '';
        const withoutOurs = fullText(prompt!).slice(bos.length);
        expect(fullText(prompt!).startsWith(bos)).toBe(true);
        expect(engine.tokenizer.encode(fullText(prompt!))).toEqual(
          hf.encode(withoutOurs, { add_special_tokens: true }).ids,
        );
      }
    },
  );

  it('Llama 2: a custom preamble that already starts with <s> gets no second one', () => {
    const engine = engineOf('llama2');
    const cfg = config({ preamble: 'custom', customPreamble: '<s>Judge these.' });
    const [prompt] = promptsFor(cfg, [], pair, engine);
    const ids = engine.tokenizer.encode(fullText(prompt!));
    expect(ids[0]).toBe(1);
    expect(count(ids, 1)).toBe(1);
  });

  it('Llama 2 with add_bos_token: false adds none, as its Python tokenizer would', async () => {
    const { loadTokenizer } = await import('../../../src/lib/engines/tokenizer');
    const files = realTokenizerFiles('llama2');
    const tok = loadTokenizer(files.tokenizer, { ...files.config, add_bos_token: false });
    expect(tok.specialPrefix.ids).toEqual([]);
    const [prompt] = promptsFor(config({}), [], pair, { tokenizer: tok });
    expect(tok.encode(fullText(prompt!))[0]).not.toBe(1);
  });

  it.each(['gemma3', 'llama3'] as const)(
    '%s: a chat template that writes BOS is not given a second one',
    (f) => {
      const engine = engineOf(f);
      const bosId = f === 'gemma3' ? 2 : 128000;
      const cfg = config({ format: 'chat', preamble: 'detailed', shots: 2 });
      for (const prompt of promptsFor(cfg, EXEMPLARS.summarization, pair, engine)) {
        const ids = engine.tokenizer.encode(fullText(prompt));
        expect(ids[0]).toBe(bosId);
        expect(count(ids, bosId)).toBe(1);
      }
    },
  );

  it('d-RLAIF prompts follow the same rule: raw gets BOS on Llama 2, chat on Gemma keeps one', () => {
    const raw = buildDirectPrompt(
      { task: 'helpful', format: 'raw' },
      'Hi?',
      'Hello!',
      engineOf('llama2'),
    );
    expect(realTokenizer('llama2').encode(fullText(raw)).slice(0, 2)).toEqual([
      1,
      realTokenizer('llama2').encode('You')[0],
    ]);
    const chat = buildDirectPrompt(
      { task: 'helpful', format: 'chat' },
      'Hi?',
      'Hello!',
      engineOf('gemma3'),
    );
    expect(count(realTokenizer('gemma3').encode(fullText(chat)), 2)).toBe(1);
  });

  it('the prompt inspector shows the BOS as its own segment, and none for Qwen', () => {
    const llama2 = engineOf('llama2');
    const [prompt] = promptsFor(config({}), [], pair, llama2);
    const inspection = inspectPrompt(prompt!, llama2.tokenizer);
    expect(inspection.pieces[0]).toMatchObject({ text: '<s>', ids: [1], segment: 'bos' });
    expect(inspection.counts.bos).toBe(1);
    expect(inspection.pieces[1]!.segment).toBe('dataset');
    expect(inspection.straddling).toBe(0);
    const qwen = engineOf('qwen3');
    const [plain] = promptsFor(config({}), [], pair, qwen);
    expect(inspectPrompt(plain!, qwen.tokenizer).counts.bos).toBe(0);
  });
});
