// The real web-llm engine end to end, in headless Chromium, on an MLC model the app serves from
// models/mlc/<id>/ (fetch it with `npm run models:fetch -- <id>` on a machine that is online).
// Nothing can be downloaded here, and SwiftShader has no shader-f16, so use a q4f32/q0f32 build:
//   RLAIF_MLC_MODEL=SmolLM2-135M-Instruct-q0f32-MLC npm run test:browser
import { describe, expect, it } from 'vitest';
import { appConfigWith, localModelRecord } from '../../../../src/lib/engines/webllm/custom-model';
import { WebLlmEngine } from '../../../../src/lib/engines/webllm/engine';
import { twoWayProbability } from '../../../../src/lib/engines/webllm/requests';
import { probeWebGPU } from '../../../../src/lib/gpu/webgpu';
import { resolveChoiceTokens } from '../../../../src/lib/rlaif/answer-tokens';

// Set by vitest.config.ts (browser project `define`) from the RLAIF_MLC_MODEL environment variable.
declare const __RLAIF_MLC_MODEL__: string | undefined;
const model = typeof __RLAIF_MLC_MODEL__ === 'string' ? __RLAIF_MLC_MODEL__ : '';

describe('WebLlmEngine on a local MLC model', () => {
  it.skipIf(!model)(
    'needs RLAIF_MLC_MODEL=<id> pointing at models/mlc/<id> (no MLC weights can be downloaded here)',
    async () => {
      const record = localModelRecord(model, { base: `${location.origin}/` });
      const load = (fullVocab: boolean) =>
        WebLlmEngine.create({
          modelId: model,
          appConfig: appConfigWith([record]),
          gpu: gpuStatus,
          fullVocab,
        });
      const gpuStatus = await probeWebGPU();
      const engine = await load(true);
      const [one, two] = resolveChoiceTokens(engine.tokenizer, 'Preferred Summary=');
      const prompt = {
        prefix: ['Which summary is better?\nSummary 1 - A cat sat.\n'],
        continuations: ['Summary 2 - The cat sat on the mat.\nPreferred Summary='],
        tokenIds: [one.id, two.id],
        topK: 3,
      };
      const [full] = await engine.scoreNextToken(prompt);
      expect(full!.logprobs.every((lp) => lp <= 0 && Number.isFinite(lp))).toBe(true);
      expect(full!.top).toHaveLength(3);
      const text = await engine.generate({
        prefix: [],
        continuation: 'The capital of France is',
        maxTokens: 4,
        temperature: 0,
      });
      expect(text.tokens).toBeGreaterThan(0);
      await engine.dispose();

      // The biased path gives the same two-way preference (up to web-llm's float32 softmax).
      const biased = await load(false);
      const [b] = await biased.scoreNextToken(prompt);
      const p = (lp: number[]) => twoWayProbability(lp[0]!, lp[1]!);
      expect(p(b!.logprobs)).toBeCloseTo(p(full!.logprobs), 3);
      await biased.dispose();
    },
    600_000,
  );
});
