// The tiny Llama exported to GGUF and run by a real llama.cpp llama-server agrees with the ONNX
// engine (onnxruntime-web on WASM, as the CLI runs it): same token ids from the GGUF's tokenizer
// metadata, the same log P("1") and log P("2") on every probe prompt, the same greedy text.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEngine } from '../../../../src/cli/engine';
import type { LabelerEngine, NextTokenScores } from '../../../../src/lib/rlaif/engine';
import {
  buildScoreRequest,
  parseScore,
  postJson,
  type ScoreQuery,
} from '../../../../src/lib/engines/server';
import { resolveChoiceTokens } from '../../../../src/lib/rlaif/answer-tokens';
import {
  DEFAULT_LABELING,
  promptsFor,
  type LabelingConfig,
} from '../../../../src/lib/rlaif/labeler';
import { WORDING } from '../../../../src/lib/rlaif/preambles';
import { EXEMPLARS, loadProbes } from '../../../../src/lib/rlaif/probes';
import { fullText, type LabelPrompt } from '../../../../src/lib/rlaif/prompt';
import type { PreferencePair } from '../../../../src/lib/rlaif/types';
import {
  llamaServerBinary,
  startLlamaServer,
  type RunningLlamaServer,
} from '../../../support/llama-server';

const binary = llamaServerBinary();
const skipReason = 'missing' in binary ? `llama-server not found: ${binary.missing}` : '';
const VOCAB = 512;
/** Both engines compute in float32 (llama-server with an f32 KV cache): far below this. */
const TOLERANCE = 1e-3;
const CHAT_EVERY = 6;

interface ProbePrompt {
  prompt: LabelPrompt;
  /** The ids of "1" and "2" after the task's ending, as the labeler resolves them. */
  answerIds: number[];
}

/**
 * Both orders of each pair as a labeler sends them: raw 0-shot (the default) for every pair, and
 * for every CHAT_EVERY-th pair also chat 2-shot (the chat template, positions up to ~1700).
 */
function probePrompts(engine: LabelerEngine, pairs: PreferencePair[]): ProbePrompt[] {
  const raw = DEFAULT_LABELING.prompt;
  const chat: LabelingConfig['prompt'] = { ...raw, format: 'chat', shots: 2 };
  return pairs.flatMap((pair, i) => {
    const forms = i % CHAT_EVERY === 0 ? [raw, chat] : [raw];
    const ending = WORDING[pair.task].ending;
    const answerIds = resolveChoiceTokens(engine.tokenizer, ending).map((t) => t.id);
    return forms.flatMap((form) => {
      const config = { ...DEFAULT_LABELING, prompt: { ...form, task: pair.task } };
      return promptsFor(config, EXEMPLARS[pair.task], pair, engine).map((prompt) => ({
        prompt,
        answerIds,
      }));
    });
  });
}

async function post(server: RunningLlamaServer, path: string, body: unknown): Promise<unknown> {
  return postJson(server.baseUrl + path, body, { fetch: (url, init) => fetch(url, init) });
}

/** The request the server engine sends: token-id prompt, top-N over the whole vocabulary. */
async function serverScore(server: RunningLlamaServer, promptIds: number[], answerIds: number[]) {
  const query: ScoreQuery = { model: 'tiny-llama', promptIds, answerIds, topN: VOCAB };
  const request = buildScoreRequest('llamacpp', query);
  return parseScore('llamacpp', await post(server, request.path, request.body), query);
}

/** map() with at most `limit` calls in flight; results in input order. */
async function inPool<T, R>(items: T[], limit: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await f(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

describe.skipIf(skipReason !== '')(
  `llama.cpp llama-server on the tiny Llama's GGUF ${skipReason || 'agrees with the ONNX engine'}`,
  () => {
    let server: RunningLlamaServer;
    let engine: LabelerEngine;
    let pairs: PreferencePair[];

    beforeAll(async () => {
      [server, engine, pairs] = await Promise.all([
        startLlamaServer({ slots: 4 }),
        loadEngine(
          { kind: 'onnx', source: 'models/tiny-llama' },
          { variant: 'fp32', threads: 1 },
        ).then((loaded) => loaded.engine),
        loadProbes(),
      ]);
    });
    afterAll(async () => {
      await server?.stop();
      await engine?.dispose();
    });

    it("tokenizes like the project's tokenizer (the GGUF's tokenizer metadata)", async () => {
      const texts = [
        'Hello world',
        "Don't split  these  words,\n\nplease: 1 or 2?",
        'café 😀 naïve — 12345\ttab\n  indented\n',
        '<|im_start|>user\nWhich is better?<|im_end|>\n<|im_start|>assistant\n',
        ...probePrompts(engine, pairs.slice(0, 4)).map((p) => fullText(p.prompt)),
      ];
      for (const text of texts) {
        const json = await post(server, '/tokenize', {
          content: text,
          add_special: true, // what the server does with a text prompt: the GGUF says no BOS
          parse_special: true,
        });
        expect((json as { tokens: number[] }).tokens, JSON.stringify(text)).toEqual(
          engine.tokenizer.encode(text),
        );
      }
    });

    it('gives log P("1") and log P("2") within 1e-3 of the ONNX engine on every probe prompt', async () => {
      const probes = probePrompts(engine, pairs);
      // The server scores 4 at a time (its 4 slots) while the ONNX engine runs alongside.
      const fromServer = inPool(probes, 4, ({ prompt, answerIds }) =>
        serverScore(server, engine.tokenizer.encode(fullText(prompt)), answerIds),
      );
      const fromOnnx: NextTokenScores[] = [];
      for (const { prompt, answerIds } of probes) {
        const [scores] = await engine.scoreNextToken({
          prefix: prompt.prefix,
          continuations: [prompt.continuation],
          tokenIds: answerIds,
        });
        fromOnnx.push(scores!);
      }
      let maxDiff = 0;
      for (const [i, { scores, quality }] of (await fromServer).entries()) {
        expect(scores.promptTokens).toBe(fromOnnx[i]!.promptTokens);
        expect(quality.missing).toEqual([]);
        expect(quality.returnedMass).toBeCloseTo(1, 4); // all 512 tokens came back
        scores.logprobs.forEach((lp, k) => {
          maxDiff = Math.max(maxDiff, Math.abs(lp - fromOnnx[i]!.logprobs[k]!));
        });
      }
      console.log(
        `llama.cpp vs ONNX: max |log P difference| ${maxDiff.toExponential(2)} ` +
          `over ${probes.length} prompts x 2 answers`,
      );
      const chatPairs = Math.ceil(pairs.length / CHAT_EVERY);
      expect(probes.length).toBe((pairs.length + chatPairs) * 2);
      expect(maxDiff).toBeLessThan(TOLERANCE);
    });

    it('startLlamaServer fails on a file llama.cpp refuses, with the server log', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'bad-gguf-'));
      const bad = join(dir, 'bad.gguf');
      writeFileSync(bad, 'not a gguf file');
      const error = await startLlamaServer({ gguf: bad }).catch((e: unknown) => e);
      rmSync(dir, { recursive: true, force: true });
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(/exited .* before \/health was 200/);
      expect((error as Error).message).toMatch(/--- server log ---[^]*gguf/);
    });

    it("generates the ONNX engine's greedy text", async () => {
      for (const { prompt } of probePrompts(engine, pairs.slice(0, 3))) {
        const onnx = await engine.generate({
          prefix: prompt.prefix,
          continuation: prompt.continuation,
          maxTokens: 16,
          temperature: 0,
        });
        const json = (await post(server, '/completion', {
          prompt: engine.tokenizer.encode(fullText(prompt)),
          n_predict: 16,
          temperature: 0,
          cache_prompt: true,
          stream: false,
        })) as { content: string };
        expect(json.content).toBe(onnx.text);
      }
    });
  },
);
