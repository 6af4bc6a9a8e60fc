// The OpenAI-compatible servers the server engine talks to, and what each can do for scoring.
// Facts from shared/docs/servers.md (late 2026 versions): change them there first, then here.

export type ServerKind = 'vllm' | 'sglang' | 'llamacpp' | 'ollama' | 'openai';

export interface KindCapabilities {
  label: string;
  /** The next-token scoring endpoint this engine uses (path under the base URL). */
  scorePath: string;
  /** Full-vocabulary log-probs of chosen ids (vLLM logprob_token_ids, SGLang token_ids_logprob). */
  exactIds: boolean;
  /** Most ids one exact request may name; null where there is no documented limit. */
  exactIdsCap: number | null;
  /** Most top-N entries a request may ask for; null where none is documented. */
  topNCap: number | null;
  /** Takes a prompt as token ids, so the server sees exactly the client's tokens (BOS included). */
  tokenIdPrompts: boolean;
  /** Has a top_k sampling parameter, which must be sent (servers default to generation_config). */
  hasTopK: boolean;
  /** The tokenize endpoint, or null where the server has none. */
  tokenizePath: string | null;
}

export const KINDS: Record<ServerKind, KindCapabilities> = {
  // --max-logprobs defaults to 20; logprob_token_ids takes at most 128 ids.
  vllm: {
    label: 'vLLM',
    scorePath: '/v1/completions',
    exactIds: true,
    exactIdsCap: 128,
    topNCap: 20,
    tokenIdPrompts: true,
    hasTopK: true,
    tokenizePath: '/tokenize',
  },
  // Native /generate takes input_ids and token_ids_logprob; no top-N cap found.
  sglang: {
    label: 'SGLang',
    scorePath: '/generate',
    exactIds: true,
    exactIdsCap: null,
    topNCap: null,
    tokenIdPrompts: true,
    hasTopK: true,
    tokenizePath: '/v1/tokenize',
  },
  // Top-N only (n_probs), no documented cap; prompts may be token-id arrays.
  llamacpp: {
    label: 'llama.cpp llama-server',
    scorePath: '/completion',
    exactIds: false,
    exactIdsCap: null,
    topNCap: null,
    tokenIdPrompts: true,
    hasTopK: true,
    tokenizePath: '/tokenize',
  },
  // Top-N at most 20, entries carry text and bytes but no ids; raw text prompts only.
  ollama: {
    label: 'Ollama',
    scorePath: '/api/generate',
    exactIds: false,
    exactIdsCap: null,
    topNCap: 20,
    tokenIdPrompts: false,
    hasTopK: true,
    tokenizePath: null,
  },
  // Hosted: chat top_logprobs at most 20 (legacy completions: 5), no ids, no top_k parameter.
  openai: {
    label: 'OpenAI-style hosted API',
    scorePath: '/v1/chat/completions',
    exactIds: false,
    exactIdsCap: null,
    topNCap: 20,
    tokenIdPrompts: false,
    hasTopK: false,
    tokenizePath: null,
  },
};

/** Legacy /v1/completions on OpenAI takes logprobs of at most 5. */
export const OPENAI_LEGACY_TOP_N_CAP = 5;

export function isServerKind(value: string): value is ServerKind {
  return Object.hasOwn(KINDS, value);
}
