// The peer a user would otherwise reach for: @huggingface/transformers on the same model folder,
// used naively. Each order's full prompt runs from scratch (no cache shared between orders or
// pairs), and the answer log-probs are read from the last position's logits.
import {
  AutoModelForCausalLM,
  AutoTokenizer,
  env,
  Tensor,
  type PreTrainedModel,
  type PreTrainedTokenizer,
} from '@huggingface/transformers';
import { logSoftmax } from '../../src/lib/engines/sampling';
import { resolveChoiceTokens } from '../../src/lib/rlaif/answer-tokens';
import type { TokenizerAccess } from '../../src/lib/rlaif/engine';
import type { LabelingConfig } from '../../src/lib/rlaif/labeler';
import { WORDING } from '../../src/lib/rlaif/preambles';
import { fullText, type Exemplar } from '../../src/lib/rlaif/prompt';
import { timed } from './common';
import type { LabelPath } from './path';
import { pairPrompts } from './tokens';
import type { Ep, PairLogprobs, RuntimeInfo } from './types';

// transformers.js points onnxruntime-web at a CDN for its .wasm files, unreachable offline (and
// from CI). Its own copy (1.31.0-dev, nested in its node_modules) is served by vite from here.
const ORT_DIST = '/node_modules/@huggingface/transformers/node_modules/onnxruntime-web/dist/';

export interface Peer {
  model: PreTrainedModel;
  tokenizer: TokenizerAccess;
  loadMs: number;
  runtime: RuntimeInfo;
}

interface GpuAware {
  location?: string;
  dispose?: () => unknown;
}

function configureRuntime(): RuntimeInfo {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = '/models/';
  env.useBrowserCache = false; // load from the server each time, like the OnnxEngine runs
  const ort = env.backends.onnx;
  if (!ort.wasm) throw new Error('transformers.js exposes no onnxruntime-web wasm settings');
  ort.wasm.wasmPaths = ORT_DIST;
  // The thread count the app's runtime picks, so the comparison is of the method, not of threads
  // (onnxruntime-web's own default would be 1 thread on a 2-core machine).
  const cores = navigator.hardwareConcurrency;
  ort.wasm.numThreads = globalThis.crossOriginIsolated ? Math.min(4, cores) : 1;
  return { version: ort.versions?.web ?? null, numThreads: ort.wasm.numThreads };
}

/** The core's TokenizerAccess over transformers.js's tokenizer, to resolve the answer tokens. */
export function accessOf(tokenizer: PreTrainedTokenizer): TokenizerAccess {
  const plain = { skip_special_tokens: false, clean_up_tokenization_spaces: false };
  return {
    encode: (text) => tokenizer.encode(text, { add_special_tokens: false }),
    decode: (ids) => (ids.length ? tokenizer.decode(ids, plain) : ''),
    vocabSize: tokenizer.get_vocab().size,
  };
}

export async function loadPeer(ep: Ep): Promise<Peer> {
  const runtime = configureRuntime();
  const { value, ms } = await timed(async () => {
    const tokenizer = await AutoTokenizer.from_pretrained('tiny-llama');
    const model = await AutoModelForCausalLM.from_pretrained('tiny-llama', {
      dtype: 'fp32',
      device: ep,
    });
    return { tokenizer: accessOf(tokenizer), model };
  });
  return { ...value, loadMs: ms, runtime };
}

/** One prompt from scratch: the log-probs of `tokenIds` as the next token. */
async function scorePrompt(peer: Peer, text: string, tokenIds: number[]): Promise<number[]> {
  const ids = peer.tokenizer.encode(text);
  const shape = [1, ids.length];
  const input_ids = new Tensor('int64', BigInt64Array.from(ids, BigInt), shape);
  const attention_mask = new Tensor('int64', new BigInt64Array(ids.length).fill(1n), shape);
  const outputs = (await peer.model({ input_ids, attention_mask })) as Record<string, unknown>;
  const logits = outputs.logits as Tensor;
  const vocab = logits.dims[2]!;
  const last = (logits.data as Float32Array).subarray((ids.length - 1) * vocab, ids.length * vocab);
  const logprobs = logSoftmax(last);
  // Under WebGPU the KV outputs stay on the GPU: free them, nothing here reuses them.
  for (const t of Object.values(outputs) as GpuAware[]) {
    if (t?.location === 'gpu-buffer') await t.dispose?.();
  }
  return tokenIds.map((id) => logprobs[id] ?? -Infinity);
}

export function peerPath(
  peer: Peer,
  config: LabelingConfig,
  exemplars: readonly Exemplar[],
): LabelPath {
  const ending = WORDING[config.prompt.task].ending;
  const tokenIds = resolveChoiceTokens(peer.tokenizer, ending).map((t) => t.id);
  return {
    suite: 'transformers',
    reuse: null,
    loadMs: peer.loadMs,
    tokenizer: peer.tokenizer,
    async label(pair) {
      const orders: number[][] = [];
      for (const prompt of pairPrompts(config, exemplars, pair)) {
        orders.push(await scorePrompt(peer, fullText(prompt), tokenIds));
      }
      return orders as PairLogprobs;
    },
    // Nothing is kept between prompts: that is the naive way this path stands for.
    prime: async () => undefined,
    stats: () => null,
  };
}
