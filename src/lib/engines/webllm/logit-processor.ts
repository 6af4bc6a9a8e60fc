// Exact next-token log-probs over the full vocabulary. web-llm only reports log-probs for at most
// five tokens, after logit_bias; a LogitProcessor registered inside the worker sees the raw logits
// of every position before any of that. web-llm calls it on every prefill and decode step of every
// completion, and calls resetState() as each completion starts (resetChat), so the capture keeps
// the first logits after the first resetState() following arm(): the prefill of the page's own
// request. The logits go to the page over a MessageChannel of our own (web-llm's worker front end
// throws on message kinds it does not know), which also carries a lost GPU device back.
import type { LogitProcessor } from '@mlc-ai/web-llm';
import type { TokenLogprob } from '../../rlaif/engine';
import { logSoftmax, topK } from '../sampling';
import { WebLlmError } from './errors';

/** The message that hands the worker its end of the side channel, before the model loads. */
export const SIDE_PORT_MESSAGE = 'rlaif-side-port';
export interface SidePortMessage {
  kind: typeof SIDE_PORT_MESSAGE;
  /** Register the capture processor (it costs a GPU-to-CPU copy per generated token). */
  capture: boolean;
}

export type CaptureRequest = { id: number; kind: 'arm' } | { id: number; kind: 'take' };
export interface Capture {
  logits: Float32Array | null;
  /** Completions web-llm started between arm() and take(); 1 when the capture is the page's. */
  completions: number;
}
export type CaptureReply =
  | { id: number; kind: 'armed' }
  | ({ id: number; kind: 'logits' } & Capture)
  | { id: 0; kind: 'device-lost'; message: string };

/** Worker side: passes logits through unchanged, keeping the prefill logits of one completion. */
export class CaptureProcessor implements LogitProcessor {
  private state: 'idle' | 'armed' | 'open' | 'done' = 'idle';
  private captured: Float32Array | null = null;
  private completions = 0;

  arm(): void {
    this.state = 'armed';
    this.captured = null;
    this.completions = 0;
  }

  /** The captured row and how many completions ran since arm(), handed over once. */
  take(): Capture {
    const capture = { logits: this.captured, completions: this.completions };
    this.state = 'idle';
    this.captured = null;
    this.completions = 0;
    return capture;
  }

  processLogits = (logits: Float32Array): Float32Array => {
    if (this.state === 'open') {
      this.captured = logits.slice(); // web-llm copies the returned array back to the GPU
      this.state = 'done';
    }
    return logits; // decode steps of a completion still running when arm() came are not kept
  };

  processSampledToken = (): void => {};

  /** web-llm's resetChat: a new completion starts. */
  resetState = (): void => {
    if (this.state === 'idle') return;
    this.completions++;
    if (this.state === 'armed') this.state = 'open';
  };
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

/** Worker side: answer the page's arm/take requests; the processor when capture was asked for. */
export function serveSideChannel(port: MessagePort, capture: boolean): CaptureProcessor | null {
  if (!capture) return null;
  const processor = new CaptureProcessor();
  port.onmessage = (event: MessageEvent<CaptureRequest>) => {
    const { id, kind } = event.data;
    if (kind === 'arm') {
      processor.arm();
      port.postMessage({ id, kind: 'armed' } satisfies CaptureReply);
      return;
    }
    const taken = processor.take();
    port.postMessage(
      { id, kind: 'logits', ...taken } satisfies CaptureReply,
      taken.logits ? [taken.logits.buffer] : [],
    );
  };
  return processor;
}

/** Worker side: tell the page its GPU device is gone (web-llm only unloads, silently). */
export function reportDeviceLost(port: MessagePort, message: string): void {
  port.postMessage({ id: 0, kind: 'device-lost', message } satisfies CaptureReply);
}

/** What the worker needs of GPUAdapter to see the devices web-llm asks for. */
export interface AdapterClass {
  prototype: { requestDevice(descriptor?: GPUDeviceDescriptor): Promise<GPUDevice> };
}

/**
 * Worker side: call onLost when a GPU device web-llm requested is lost, other than by its own
 * destroy() on unload or reload (reason "destroyed"). web-llm keeps its device private.
 */
export function watchDeviceLoss(
  adapter: AdapterClass | undefined,
  onLost: (message: string) => void,
): void {
  if (!adapter) return;
  const request = adapter.prototype.requestDevice;
  adapter.prototype.requestDevice = async function (this: GPUAdapter, descriptor) {
    const device = await request.call(this, descriptor);
    void device.lost.then((info) => {
      if (info.reason !== 'destroyed') onLost(info.message || 'the GPU device was lost');
    });
    return device;
  };
}

/**
 * Page side. A port delivers messages in order, so `arm` is acknowledged before the completion is
 * sent on web-llm's channel, and `take` after the completion resolved finds that pass's logits.
 * The engine runs one request at a time, so no other completion can start in between.
 */
export class CaptureClient {
  private nextId = 1;
  private readonly pending = new Map<number, (reply: CaptureReply) => void>();

  constructor(
    private readonly port: MessagePort,
    onDeviceLost: (message: string) => void,
  ) {
    port.onmessage = (event: MessageEvent<CaptureReply>) => {
      const reply = event.data;
      if (reply.kind === 'device-lost') return onDeviceLost(reply.message);
      this.pending.get(reply.id)?.(reply);
      this.pending.delete(reply.id);
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

  async take(): Promise<Capture> {
    const reply = await this.ask('take');
    return reply.kind === 'logits' ? reply : { logits: null, completions: 0 };
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
  if (logits.some((x) => Number.isNaN(x) || x === Infinity)) throw badLogits();
  const logprobs = logSoftmax(logits);
  const picked = tokenIds.map((id) => logprobs[id] ?? -Infinity);
  let mass = 0;
  for (const id of new Set(tokenIds)) mass += Math.exp(logprobs[id] ?? -Infinity);
  return { logprobs: picked, top: topK(logprobs, k), otherMass: Math.max(0, 1 - mass) };
}

/** fp16 builds have produced NaN logits on WebGPU (an overflow in the model's float16 math). */
export function badLogits(): WebLlmError {
  const detail = 'NaN or +Infinity in the captured logits';
  return new WebLlmError(
    'bad-logits',
    'The model produced NaN logits, so this score means nothing (fp16 builds can overflow on ' +
      'some GPUs). Labels made so far are kept. Load the q4f32 build of this model instead.',
    detail,
  );
}
