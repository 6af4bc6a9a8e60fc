// Exact next-token log-probs over the full vocabulary. web-llm only reports log-probs for at most
// five tokens, after logit_bias; a LogitProcessor registered inside the worker sees the raw logits
// of every position before any of that. This one copies the logits of the first position after it
// is armed, and hands them to the page over a MessageChannel of our own (web-llm's worker front end
// throws on message kinds it does not know, so its channel cannot carry them).
import type { LogitProcessor } from '@mlc-ai/web-llm';
import type { TokenLogprob } from '../../rlaif/engine';
import { logSoftmax, topK } from '../sampling';

/** The message that hands the worker its end of the capture channel. */
export const CAPTURE_PORT_MESSAGE = 'rlaif-capture-port';

export type CaptureRequest = { id: number; kind: 'arm' } | { id: number; kind: 'take' };
export type CaptureReply =
  { id: number; kind: 'armed' } | { id: number; kind: 'logits'; logits: Float32Array | null };

/** Worker side: passes logits through unchanged, keeping a copy of the first one after arm(). */
export class CaptureProcessor implements LogitProcessor {
  private armed = false;
  private captured: Float32Array | null = null;

  arm(): void {
    this.armed = true;
    this.captured = null;
  }

  /** The captured row, handed over once. */
  take(): Float32Array | null {
    const row = this.captured;
    this.captured = null;
    this.armed = false;
    return row;
  }

  processLogits = (logits: Float32Array): Float32Array => {
    if (this.armed) {
      this.captured = logits.slice(); // web-llm copies the returned array back to the GPU
      this.armed = false;
    }
    return logits;
  };

  processSampledToken = (): void => {};

  resetState = (): void => {};
}

/**
 * web-llm looks a model's processor up by model id when it loads it. The worker learns the id only
 * from web-llm's own reload message, so this registry answers every id with the one processor.
 */
export class EveryModelRegistry extends Map<string, LogitProcessor> {
  constructor(private readonly processor: LogitProcessor) {
    super();
  }

  override get(_modelId: string): LogitProcessor {
    return this.processor;
  }

  override has(_modelId: string): boolean {
    return true;
  }
}

/** Worker side: answer the page's arm/take requests on `port`. */
export function serveCapture(port: MessagePort, processor: CaptureProcessor): void {
  port.onmessage = (event: MessageEvent<CaptureRequest>) => {
    const { id, kind } = event.data;
    if (kind === 'arm') {
      processor.arm();
      port.postMessage({ id, kind: 'armed' } satisfies CaptureReply);
      return;
    }
    const logits = processor.take();
    port.postMessage(
      { id, kind: 'logits', logits } satisfies CaptureReply,
      logits ? [logits.buffer] : [],
    );
  };
}

/**
 * Page side. A port delivers messages in order, so `arm` is acknowledged before the completion is
 * sent on web-llm's channel, and `take` after the completion resolved finds that pass's logits.
 */
export class CaptureClient {
  private nextId = 1;
  private readonly pending = new Map<number, (reply: CaptureReply) => void>();

  constructor(private readonly port: MessagePort) {
    port.onmessage = (event: MessageEvent<CaptureReply>) => {
      this.pending.get(event.data.id)?.(event.data);
      this.pending.delete(event.data.id);
    };
  }

  private ask(kind: CaptureRequest['kind']): Promise<CaptureReply> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.port.postMessage({ id, kind } satisfies CaptureRequest);
    });
  }

  async arm(): Promise<void> {
    await this.ask('arm');
  }

  async take(): Promise<Float32Array | null> {
    const reply = await this.ask('take');
    return reply.kind === 'logits' ? reply.logits : null;
  }

  close(): void {
    this.port.close();
  }
}

export interface FullVocabScores {
  /** Aligned with the requested ids; exact (float64) over the whole vocabulary. */
  logprobs: number[];
  top: TokenLogprob[];
  /** Mass on every token that is not one of the requested ids. */
  otherMass: number;
}

/** log-softmax of one raw logits row, read at the requested ids. */
export function fullVocabScores(logits: Float32Array, tokenIds: number[], k = 0): FullVocabScores {
  const logprobs = logSoftmax(logits);
  const picked = tokenIds.map((id) => logprobs[id] ?? -Infinity);
  let mass = 0;
  for (const id of new Set(tokenIds)) mass += Math.exp(logprobs[id] ?? -Infinity);
  return { logprobs: picked, top: topK(logprobs, k), otherMass: Math.max(0, 1 - mass) };
}
