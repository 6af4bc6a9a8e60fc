// The interface every labeler engine implements (onnxruntime-web, web-llm, a test reference).
// The core asks for two things: exact next-token log-probs after a prompt, and generated text.
// Prompts arrive split where a KV cache can be reused, outermost first, so an engine that keeps
// caches never recomputes the preamble of a dataset or the context shared by a pair's two orders.

/**
 * The tokens a tokenizer's post-processor puts in front of a text when Hugging Face encodes it
 * with its defaults (add_special_tokens=True): Llama 2's "<s>", Gemma's "<bos>", nothing for Qwen.
 */
export interface SpecialPrefix {
  ids: number[];
  tokens: string[];
  /** Text that encodes to exactly `ids`, written at the start of raw prompts; null if none does. */
  text: string | null;
}

/** Tokenizer access the core needs: answer-token resolution and prompt inspection. */
export interface TokenizerAccess {
  /** Token ids for plain text; special-token strings such as "<|im_start|>" map to their ids. */
  encode(text: string): number[];
  decode(ids: number[]): string;
  /** Size of the model's output distribution. */
  readonly vocabSize: number;
  /** What raw prompts start with (see SpecialPrefix); absent or empty: nothing. */
  readonly specialPrefix?: SpecialPrefix;
}

/**
 * A prompt as cacheable segments. The exact text the model sees is `prefix.join('') + continuation`
 * for each continuation. prefix[0] is shared by a whole dataset (template header, preamble,
 * exemplars); prefix[1] by the two orders of one pair (its context). Every boundary falls right
 * after a newline, where byte-level and sentencepiece tokenizers do not merge across it; an engine
 * must still run exactly the whole text's tokens (encoding a part alone can differ, e.g. with a
 * Prepend "▁" normalizer) and reuse a cache only where the whole has a token edge.
 */
export interface ScoreRequest {
  prefix: string[];
  /** One or more continuations scored independently (an engine may batch them). */
  continuations: string[];
  /** Token ids whose log-probs to return, e.g. the ids of "1" and "2". */
  tokenIds: number[];
  /** Also return the k most likely tokens (for the next-token view); 0 or absent for none. */
  topK?: number;
  signal?: AbortSignal;
}

export interface TokenLogprob {
  id: number;
  logprob: number;
}

/** Next-token log-probs for one continuation, normalised over the full vocabulary. */
export interface NextTokenScores {
  /** Aligned with ScoreRequest.tokenIds. */
  logprobs: number[];
  /** The top-k tokens when asked for, most likely first. */
  top: TokenLogprob[];
  /** Tokens in the full prompt (prefix + continuation). */
  promptTokens: number;
}

export interface GenerateRequest {
  prefix: string[];
  continuation: string;
  maxTokens: number;
  /** 0 decodes greedily. */
  temperature: number;
  topK?: number;
  topP?: number;
  /** Generation stops before any of these strings; they are not part of the result. */
  stop?: string[];
  seed?: number;
  signal?: AbortSignal;
  /** Called with each new piece of text as it is decoded. */
  onToken?: (text: string) => void;
}

export interface GenerateResult {
  text: string;
  tokens: number;
  finishReason: 'stop' | 'length' | 'eos';
  /**
   * Each generated token with log pi(token | prompt, earlier tokens) under the model itself: the
   * softmax at temperature 1 over the full vocabulary, whatever temperature, top-k or top-p drew
   * it. That is the reference ("SFT") policy of RLAIF. The EOS token that ended generation is the
   * last entry (finishing is part of the sequence); with a stop string the list covers every token
   * decoded, including the one that completed the stop string. Optional: engines that never see
   * the logits (web-llm) leave it undefined.
   */
  tokenLogprobs?: TokenLogprob[];
  /** log pi_SFT(y | x): the sum of tokenLogprobs. */
  logprob?: number;
  /**
   * log q(y | x) under the distribution the tokens were actually drawn from (tempered, truncated
   * and renormalised), over the same tokens as tokenLogprobs; 0 when decoding greedily. With
   * `logprob` it gives the importance weight pi_SFT(y) / q(y) of a sample.
   */
  samplerLogprob?: number;
}

/** A chat template rendered to text: what instruct models expect around a conversation. */
export type ChatTemplate = (messages: ChatMessage[], addGenerationPrompt: boolean) => string;

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface LabelerEngine {
  /** The model's id as the user picked it, recorded with every label. */
  readonly modelId: string;
  readonly tokenizer: TokenizerAccess;
  /** Present for instruct models; the prompt builder then wraps the prompt in it. */
  readonly chatTemplate?: ChatTemplate;
  scoreNextToken(request: ScoreRequest): Promise<NextTokenScores[]>;
  generate(request: GenerateRequest): Promise<GenerateResult>;
  dispose(): Promise<void>;
}

/** Thrown by engines and the core when a job is cancelled through its AbortSignal. */
export class CancelledError extends Error {
  constructor(what = 'The job') {
    super(`${what} was cancelled.`);
    this.name = 'CancelledError';
  }
}

export function throwIfAborted(signal: AbortSignal | undefined, what?: string): void {
  if (signal?.aborted) throw new CancelledError(what);
}
