// The float64 reference Llama as a LabelerEngine (test code only): scoring and greedy generation
// done the plainest way, with no cache reuse, so the ONNX engine has an independent oracle to
// match end to end, labels included.
import { loadTokenizer } from '../../src/lib/engines/tokenizer';
import { chatTemplateFrom, type TokenizerConfig } from '../../src/lib/rlaif/chat-template';
import type { GenerateResult, LabelerEngine, NextTokenScores } from '../../src/lib/rlaif/engine';
import type { KvCache, LlamaReference } from './llama-reference';

/** log-softmax in float64. */
export function refLogSoftmax(logits: number[]): number[] {
  const max = Math.max(...logits);
  const logZ = max + Math.log(logits.reduce((s, l) => s + Math.exp(l - max), 0));
  return logits.map((l) => l - logZ);
}

export function referenceEngine(
  model: LlamaReference,
  tokenizerJson: object,
  tokenizerConfig: object,
  eosId: number,
): LabelerEngine {
  const tokenizer = loadTokenizer(tokenizerJson, tokenizerConfig);
  // The reference is slow (plain arrays, O(n^2)); memoise its own cache at each prefix boundary.
  // Boundaries are found on the token ids of the whole prompt, so the sequence fed is exactly the
  // full prompt's, whatever the tokenizer does where segments meet.
  const memo = new Map<string, KvCache>();
  const lastLogprobs = (prefix: string[], continuation: string) => {
    const ids = tokenizer.encode(prefix.join('') + continuation);
    let cache: KvCache | undefined;
    let done = 0;
    for (let i = 1; i <= prefix.length; i++) {
      const head = tokenizer.encode(prefix.slice(0, i).join(''));
      let k = 0;
      while (k < head.length && k < ids.length - 1 && head[k] === ids[k]) k++;
      if (k <= done) continue;
      const key = ids.slice(0, k).join(',');
      const known = memo.get(key);
      cache = known ?? model.forward(ids.slice(done, k), cache).cache;
      if (!known) memo.set(key, cache);
      done = k;
    }
    if (memo.size > 16) memo.clear();
    const logits = model.forward(ids.slice(done), cache).logits.at(-1)!;
    return { logprobs: refLogSoftmax(logits), count: ids.length };
  };
  return {
    modelId: 'float64-reference',
    tokenizer,
    chatTemplate: chatTemplateFrom(tokenizerConfig as TokenizerConfig),
    async scoreNextToken(request): Promise<NextTokenScores[]> {
      return request.continuations.map((c) => {
        const { logprobs, count } = lastLogprobs(request.prefix, c);
        return {
          logprobs: request.tokenIds.map((id) => logprobs[id]!),
          top: [],
          promptTokens: count,
        };
      });
    },
    async generate(request): Promise<GenerateResult> {
      if (request.temperature > 0) throw new Error('the reference engine decodes greedily only');
      const ids = tokenizer.encode(request.prefix.join('') + request.continuation);
      const out: number[] = [];
      let step = model.forward(ids);
      while (out.length < request.maxTokens) {
        const logits = step.logits.at(-1)!;
        const next = logits.indexOf(Math.max(...logits));
        if (next === eosId)
          return { text: tokenizer.decode(out), tokens: out.length, finishReason: 'eos' };
        out.push(next);
        const text = tokenizer.decode(out);
        const stop = (request.stop ?? []).map((s) => text.indexOf(s)).filter((i) => i >= 0);
        if (stop.length)
          return {
            text: text.slice(0, Math.min(...stop)),
            tokens: out.length,
            finishReason: 'stop',
          };
        step = model.forward([next], step.cache);
      }
      return { text: tokenizer.decode(out), tokens: out.length, finishReason: 'length' };
    },
    async dispose() {},
  };
}
