import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  AutoModelForCausalLM,
  AutoTokenizer,
  env,
  Tensor,
  type PreTrainedModel,
  type PreTrainedTokenizer,
} from '@huggingface/transformers';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { OnnxEngine } from '../../../../src/lib/engines/onnx/engine';
import { loadModelFolder } from '../../../../src/lib/engines/onnx/model-files';
import { logSoftmax } from '../../../../src/lib/engines/sampling';
import { DEFAULT_LABELING, promptsFor } from '../../../../src/lib/rlaif/labeler';
import { fullText } from '../../../../src/lib/rlaif/prompt';
import { fileFetch } from '../../../support/file-fetch';
import { loadLlamaReference } from '../../../support/llama-reference-node';

// The embedded tiny Llama is a real transformers.js-format model: @huggingface/transformers loads
// the folder as it would a Hub model (in Node, on onnxruntime-node's CPU EP) and computes what the
// float64 reference and the project's OnnxEngine (onnxruntime-web, WASM EP) compute.
const TOL = 1e-4;
const BASE = 'http://models.test/';
ort.env.wasm.numThreads = 1;

env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = `${resolve('models')}/`;
env.useFSCache = false; // nothing to cache: the files are local

const [probe] = readFileSync('data/probes/summarization.jsonl', 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as { context: string; candidates: [string, string] });

/** A labeling prompt as the app builds it, a chat-templated one with special tokens, a short one. */
const PROMPTS: [string, string][] = [
  ['Base 0-shot labeling prompt', fullText(promptsFor(DEFAULT_LABELING, [], probe!, {})[0]!)],
  [
    'chat template with special tokens',
    '<|im_start|>user\nWhich summary is better?<|im_end|>\n<|im_start|>assistant\n',
  ],
  ['short plain text', 'Human: Tell me about cats.\nAssistant:'],
];

const ref = loadLlamaReference('models/tiny-llama');
let tokenizer: PreTrainedTokenizer;
let model: PreTrainedModel;
let engine: OnnxEngine;
let eosId: number;

const encode = (text: string) => tokenizer.encode(text, { add_special_tokens: false });

function inputs(ids: number[]) {
  const shape = [1, ids.length];
  return {
    input_ids: new Tensor('int64', BigInt64Array.from(ids, BigInt), shape),
    attention_mask: new Tensor('int64', new BigInt64Array(ids.length).fill(1n), shape),
  };
}

/** transformers.js's logits at the last position. */
async function lastLogits(ids: number[]): Promise<Float32Array> {
  const { logits } = (await model(inputs(ids))) as { logits: Tensor };
  const vocab = logits.dims[2]!;
  return (logits.data as Float32Array).slice((ids.length - 1) * vocab);
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i]!)));

beforeAll(async () => {
  tokenizer = await AutoTokenizer.from_pretrained('tiny-llama');
  model = await AutoModelForCausalLM.from_pretrained('tiny-llama', {
    dtype: 'fp32',
    device: 'cpu',
  });
  const files = await loadModelFolder(`${BASE}tiny-llama`, 'fp32', {
    fetch: fileFetch(BASE, 'models'),
    cache: null,
  });
  engine = await OnnxEngine.create({ ort, ep: 'wasm', modelId: 'tiny-llama', files });
  eosId = files.generationConfig.eos_token_id as number;
}, 60_000);

describe('transformers.js on models/tiny-llama', () => {
  it.each(PROMPTS)('%s: tokenizes exactly as the project tokenizer', (_name, text) => {
    expect(encode(text)).toEqual(engine.tokenizer.encode(text));
  });

  it.each(PROMPTS)(
    '%s: last-position logits equal the float64 reference within 1e-4',
    async (_name, text) => {
      const ids = encode(text);
      const got = await lastLogits(ids);
      const want = ref.forward(ids).logits.at(-1)!;
      expect(got).toHaveLength(ref.config.vocabSize);
      expect(maxAbsDiff(got, want)).toBeLessThan(TOL);
    },
    60_000,
  );

  it.each(PROMPTS)(
    '%s: next-token log-probs equal the OnnxEngine (WASM EP) within 1e-4',
    async (_name, text) => {
      const vocab = Array.from({ length: ref.config.vocabSize }, (_, id) => id);
      const got = logSoftmax(await lastLogits(encode(text)));
      const [scores] = await engine.scoreNextToken({
        prefix: [],
        continuations: [text],
        tokenIds: vocab,
      });
      expect(maxAbsDiff(got, scores!.logprobs)).toBeLessThan(TOL);
    },
    60_000,
  );

  it.each(PROMPTS)(
    '%s: greedy generate() yields the tokens of OnnxEngine.generate at temperature 0',
    async (_name, text) => {
      const ids = encode(text);
      const sequences = (await model.generate({
        ...inputs(ids),
        max_new_tokens: 8,
        do_sample: false,
      })) as Tensor;
      const generated = (sequences.tolist() as bigint[][])[0]!.slice(ids.length).map(Number);
      // transformers.js keeps the EOS token it stopped on; the engine reports it as finishReason.
      const eos = generated.indexOf(eosId);
      const tokens = eos >= 0 ? generated.slice(0, eos) : generated;
      const ours = await engine.generate({
        prefix: [],
        continuation: text,
        maxTokens: 8,
        temperature: 0,
      });
      expect(ours.tokens).toBe(tokens.length);
      expect(ours.text).toBe(engine.tokenizer.decode(tokens));
      expect(ours.finishReason).toBe(eos >= 0 ? 'eos' : 'length');
    },
    60_000,
  );
});
