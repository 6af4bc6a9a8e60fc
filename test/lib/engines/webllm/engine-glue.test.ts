// Glue only: WebLlmEngine against a fake web-llm engine and a fake worker. This checks the
// requests it sends and how it reads answers, not web-llm itself (see engine.browser.test.ts).
import type { Completion, CompletionCreateParams, MLCEngineConfig } from '@mlc-ai/web-llm';
import { describe, expect, it } from 'vitest';
import { WebLlmEngine, type MlcEngine } from '../../../../src/lib/engines/webllm/engine';
import { WebLlmError } from '../../../../src/lib/engines/webllm/errors';
import {
  serveSideChannel,
  SIDE_PORT_MESSAGE,
  type CaptureProcessor,
  type SidePortMessage,
} from '../../../../src/lib/engines/webllm/logit-processor';
import { createLabeler, DEFAULT_LABELING } from '../../../../src/lib/rlaif/labeler';
import { byteLevelBpe, CHATML_TEMPLATE, metaspaceBpe } from '../../../support/tokenizers';

const MODEL = 'SmolLM2-360M-Instruct-q4f32_1-MLC';

function tokenizerHost(
  tokenizer: object = byteLevelBpe([]),
  config: object = { chat_template: CHATML_TEMPLATE },
): typeof fetch {
  return (async (input: RequestInfo | URL) => {
    const url = String(input);
    if (url.endsWith('/tokenizer.json')) return Response.json(tokenizer);
    if (url.endsWith('/tokenizer_config.json')) return Response.json(config);
    return new Response('missing', { status: 404 });
  }) as typeof fetch;
}

/** A worker that runs the capture side in-process, and a web-llm engine that answers requests. */
function fakes(logits: Float32Array) {
  let processor: CaptureProcessor | null = null;
  const requests: CompletionCreateParams[] = [];
  const worker = {
    addEventListener: () => {},
    postMessage: (message: SidePortMessage, transfer: MessagePort[] = []) => {
      if (message.kind === SIDE_PORT_MESSAGE)
        processor = serveSideChannel(transfer[0]!, message.capture);
    },
    terminate: () => {},
  } as unknown as Worker;
  const completion = (text: string, top: [string, number][] = []): Completion => ({
    id: 'c',
    object: 'text_completion',
    created: 0,
    model: MODEL,
    usage: { prompt_tokens: 12, completion_tokens: 1, total_tokens: 13, extra: {} as never },
    choices: [
      {
        index: 0,
        text,
        finish_reason: 'length',
        logprobs: top.length
          ? {
              content: [
                {
                  token: text,
                  bytes: [],
                  logprob: 0,
                  top_logprobs: top.map(([token, logprob]) => ({ token, bytes: [], logprob })),
                },
              ],
            }
          : null,
      },
    ],
  });
  const mlc = {
    completions: {
      create: async (request: CompletionCreateParams) => {
        requests.push(request);
        if (request.stream) {
          return (async function* () {
            yield {
              ...completion('Because'),
              choices: [{ index: 0, text: 'Because', finish_reason: null }],
            };
            yield completion(' yes.');
          })();
        }
        if (request.logit_bias)
          return completion('1', [
            ['1', Math.log(0.8)],
            ['2', Math.log(0.2)],
          ]);
        processor?.resetState(); // web-llm's resetChat, as the completion starts
        processor?.processLogits(logits);
        return completion('1');
      },
    },
    interruptGenerate: () => {},
    unload: async () => {},
  } as unknown as MlcEngine;
  return { worker, mlc, requests };
}

async function engineWith(logits: Float32Array, fullVocab: boolean, host = tokenizerHost()) {
  const f = fakes(logits);
  const configs: MLCEngineConfig[] = [];
  const engine = await WebLlmEngine.create({
    modelId: MODEL,
    fullVocab,
    fetch: host,
    cache: null,
    createWorker: () => f.worker,
    createEngine: async (_w, _id, config) => (configs.push(config), f.mlc),
  });
  return { engine, ...f, configs };
}

describe('WebLlmEngine glue (fake web-llm)', () => {
  const one = byteLevelBpe([]).model.vocab['1']!;
  const two = byteLevelBpe([]).model.vocab['2']!;
  const logits = new Float32Array(byteLevelBpe([]).added_tokens.length + 256).fill(-1e9);
  logits[one] = Math.log(3);
  logits[two] = 0;

  it('loads the tokenizer and chat template from the model folder', async () => {
    const { engine, configs } = await engineWith(logits, true);
    expect(engine.modelId).toBe(MODEL);
    expect(engine.chatTemplate?.([{ role: 'user', content: 'hi' }], true)).toBe(
      '<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n',
    );
    expect(configs[0]!.appConfig!.model_list.some((r) => r.model_id === MODEL)).toBe(true);
  });

  it('scores from captured full-vocabulary logits', async () => {
    const { engine, requests } = await engineWith(logits, true);
    const [s] = await engine.scoreNextToken({
      prefix: ['a\n'],
      continuations: ['b='],
      tokenIds: [one, two],
    });
    expect(s!.logprobs[0]).toBeCloseTo(Math.log(0.75), 6);
    expect(s!.logprobs[1]).toBeCloseTo(Math.log(0.25), 6);
    expect(s!.promptTokens).toBe(12);
    expect(requests[0]).toMatchObject({ prompt: 'a\nb=', max_tokens: 1, temperature: 1 });
  });

  it('falls back to biased reads without the logit processor', async () => {
    const { engine, requests } = await engineWith(logits, false);
    const [s] = await engine.scoreNextToken({
      prefix: [],
      continuations: ['x='],
      tokenIds: [one, two],
    });
    expect(s!.logprobs[0]).toBeCloseTo(Math.log(0.8), 12);
    expect(requests[0]!.logit_bias).toEqual({ [one]: 100, [two]: 100 });
  });

  it('streams generation', async () => {
    const { engine } = await engineWith(logits, true);
    const pieces: string[] = [];
    const result = await engine.generate({
      prefix: [],
      continuation: 'Why?',
      maxTokens: 8,
      temperature: 0,
      onToken: (t) => pieces.push(t),
    });
    expect(pieces).toEqual(['Because', ' yes.']);
    expect(result).toEqual({ text: 'Because yes.', tokens: 1, finishReason: 'length' });
  });

  it('refuses an f16 build on an adapter without shader-f16 before downloading anything', async () => {
    const load = WebLlmEngine.create({
      modelId: 'SmolLM2-360M-Instruct-q4f16_1-MLC',
      gpu: {
        kind: 'webgpu',
        vendor: 'google',
        architecture: 'swiftshader',
        description: '',
        isFallbackAdapter: true,
        shaderF16: false,
        maxBufferSize: 2 ** 30,
        maxStorageBufferBindingSize: 2 ** 30,
      },
      fetch: () => Promise.reject(new Error('must not fetch')),
    });
    await expect(load).rejects.toMatchObject({ kind: 'needs-f16' });
    await expect(load).rejects.toBeInstanceOf(WebLlmError);
  });
});

describe('WebLlmEngine prompts on a tokenizer that adds BOS (fake web-llm)', () => {
  // Llama 2 style: sentencepiece with a Prepend normalizer and <s> by post-processor.
  const pieces = [...new Set([...'▁Preferred▁Summary=0123456789\n'])];
  const sentencepiece = metaspaceBpe(pieces, [], { bos: true });
  const logits = new Float32Array(Object.keys(sentencepiece.model.vocab).length).fill(0);
  const pair = { id: 'p', context: 'Some text.', candidates: ['One.', 'Two.'] as [string, string] };
  const INST =
    "{{ bos_token }}{% for m in messages %}[INST] {{ m['content'] }} [/INST]{% endfor %}";

  it('a raw prompt reaches web-llm with <s> in front, once', async () => {
    const { engine, requests } = await engineWith(logits, true, tokenizerHost(sentencepiece, {}));
    expect(engine.tokenizer.specialPrefix.ids).toEqual([1]);
    await createLabeler(engine, DEFAULT_LABELING, []).label(pair);
    const prompts = requests.map((r) => r.prompt as string);
    expect(prompts).toHaveLength(2); // both orders
    for (const prompt of prompts) {
      expect(prompt.startsWith('<s>')).toBe(true);
      expect(prompt.split('<s>')).toHaveLength(2);
      expect(engine.tokenizer.encode(prompt)[0]).toBe(1);
    }
  });

  it('a chat template that writes bos_token itself is not given a second one', async () => {
    const host = tokenizerHost(sentencepiece, { chat_template: INST, bos_token: '<s>' });
    const { engine, requests } = await engineWith(logits, true, host);
    const chat = {
      ...DEFAULT_LABELING,
      prompt: { ...DEFAULT_LABELING.prompt, format: 'chat' as const },
    };
    await createLabeler(engine, chat, []).label(pair);
    for (const request of requests) {
      expect((request.prompt as string).startsWith('<s>[INST] ')).toBe(true);
      expect((request.prompt as string).split('<s>')).toHaveLength(2);
    }
  });
});
