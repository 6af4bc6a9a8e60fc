// A scripted LabelerEngine for testing the core's glue (prompt flow, orders, chain of thought,
// cancellation). It is no model: real engines are tested against the float64 reference instead.
import { loadTokenizer } from '../../src/lib/engines/tokenizer';
import {
  CancelledError,
  type GenerateRequest,
  type GenerateResult,
  type LabelerEngine,
  type NextTokenScores,
  type ScoreRequest,
} from '../../src/lib/rlaif/engine';
import { byteLevelBpe } from './tokenizers';

export interface ScriptedEngine extends LabelerEngine {
  scoreCalls: ScoreRequest[];
  generateCalls: GenerateRequest[];
}

/**
 * `logprobs(fullPrompt, tokenIds)` decides the scores; `rationale(fullPrompt, call)` the generated
 * text, streamed word by word.
 */
export function scriptedEngine(
  logprobs: (prompt: string, tokenIds: number[]) => number[],
  rationale: (prompt: string, call: number) => string = () => 'Because.',
): ScriptedEngine {
  const tokenizer = loadTokenizer(byteLevelBpe([]));
  const scoreCalls: ScoreRequest[] = [];
  const generateCalls: GenerateRequest[] = [];
  return {
    modelId: 'scripted',
    tokenizer,
    scoreCalls,
    generateCalls,
    async scoreNextToken(request): Promise<NextTokenScores[]> {
      scoreCalls.push(request);
      if (request.signal?.aborted) throw new CancelledError();
      return request.continuations.map((c) => {
        const prompt = request.prefix.join('') + c;
        return {
          logprobs: logprobs(prompt, request.tokenIds),
          top: [],
          promptTokens: tokenizer.encode(prompt).length,
        };
      });
    },
    async generate(request): Promise<GenerateResult> {
      generateCalls.push(request);
      const text = rationale(
        request.prefix.join('') + request.continuation,
        generateCalls.length - 1,
      );
      const words = text.split(/(?<= )/);
      for (const word of words) {
        if (request.signal?.aborted) throw new CancelledError();
        request.onToken?.(word);
        await Promise.resolve();
      }
      return { text, tokens: words.length, finishReason: 'stop' };
    },
    async dispose() {},
  };
}
