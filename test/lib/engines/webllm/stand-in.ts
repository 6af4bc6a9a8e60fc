// A stand-in for web-llm 0.2.86 behind its worker front end, for Node tests of WebLlmEngine. It
// reproduces the behaviour the engine depends on, each method naming the function of
// node_modules/@mlc-ai/web-llm/lib/index.js it imitates: one lock per model, resetState on every
// completion, the logit processor on every prefill and decode step, stream deltas cut like
// web-llm's (holding nothing back before a stop string completes), the interrupt flag reset when a
// stream's generator first runs, and unload on a lost device, after which calls throw
// ModelNotLoadedError. The worker side of the app (serveSideChannel) runs in-process.
import type { Completion, CompletionCreateParams, LogitProcessor } from '@mlc-ai/web-llm';
import type { MlcEngine } from '../../../../src/lib/engines/webllm/engine';
import {
  reportDeviceLost,
  serveSideChannel,
  SIDE_PORT_MESSAGE,
  type SidePortMessage,
} from '../../../../src/lib/engines/webllm/logit-processor';

export interface StandInOptions {
  /** The model's raw logits after `text` (the prompt and what it generated so far). */
  logits: (text: string) => Float32Array;
  /** What a generation decodes: one token's text per step, then the end-of-sequence token. */
  script?: string[];
  /** web-llm's own prompt token count (its tokenizer, not the app's). */
  promptTokens?: (prompt: string) => number;
  /** Called as each request reaches web-llm (before any of its own work). */
  onRequest?: (request: CompletionCreateParams) => void;
}

// Errors cross web-llm's worker boundary as err.toString() strings (WebWorkerMLCEngineHandler).
const MODEL_NOT_LOADED =
  'ModelNotLoadedError: Model not loaded before trying to complete CompletionCreateParams. ' +
  'Please ensure you have called MLCEngine.reload(model) to load the model before initiating APIs, ' +
  'or initialize your engine using CreateMLCEngine() with a valid model configuration.';
const MODULUS = 2147483647;
const tick = () => new Promise<void>((ok) => setTimeout(ok, 0)); // a GPU step yields the thread

export class StandInWebLlm {
  /** Registered by the worker side (setLogitProcessorRegistry); undefined without capture. */
  processor: LogitProcessor | undefined;
  onDeviceLost: ((message: string) => void) | undefined;
  decodeSteps = 0;
  /** A dead worker: nothing it was doing ever answers. */
  frozen = false;
  private loaded = true;
  private interruptSignal = false;
  private lockTail: Promise<void> = Promise.resolve();

  constructor(private readonly options: StandInOptions) {}

  readonly completions = {
    create: (request: CompletionCreateParams) => this.completion(request),
  };

  /** As the engine types web-llm (the Completions class has more than the engine uses). */
  asMlc(): MlcEngine {
    return this as unknown as MlcEngine;
  }

  /** MLCEngine.interruptGenerate: only sets the flag. */
  async interruptGenerate(): Promise<void> {
    this.interruptSignal = true;
  }

  /** MLCEngine.unload. */
  async unload(): Promise<void> {
    this.loaded = false;
  }

  /** MLCEngine.reload's device.lost.then(): log, then unload(); the app's worker side reports. */
  loseDevice(message = 'Device was lost.'): void {
    void this.unload();
    this.onDeviceLost?.(message);
  }

  /** CustomLock as loadedModelIdToLock: one request at a time, in arrival order. */
  private async acquire(): Promise<() => void> {
    let release!: () => void;
    const previous = this.lockTail;
    this.lockTail = new Promise<void>((ok) => (release = ok));
    await previous;
    return release;
  }

  /** getLLMStates → getModelIdToUse; LinearCongruentialGenerator.setSeed → checkRandState. */
  private check(request: CompletionCreateParams): void {
    if (!this.loaded) throw MODEL_NOT_LOADED;
    const seed = request.seed;
    if (seed !== undefined && seed !== null && (seed % MODULUS || 1) <= 0)
      throw 'Error: Random state is unexpectedly not strictly positive.';
  }

  /** preparePrefillInput (resetChat → logitProcessor.resetState) then prefillStep. */
  private async prefill(prompt: string): Promise<void> {
    this.processor?.resetState();
    await this.step(prompt);
  }

  /** sampleFromRawLogits: the processor sees every position's raw logits, prefill and decode. */
  private async step(text: string): Promise<void> {
    await tick();
    if (this.frozen) await new Promise<never>(() => {});
    const logits = this.options.logits(text);
    this.processor?.processLogits(logits);
  }

  private usage(prompt: string, completion: number) {
    const promptTokens = this.options.promptTokens?.(prompt) ?? prompt.length;
    return {
      prompt_tokens: promptTokens,
      completion_tokens: completion,
      total_tokens: promptTokens + completion,
      extra: {} as never,
    };
  }

  /** MLCEngine.completion: streaming returns asyncGenerate at once, without the lock. */
  private async completion(request: CompletionCreateParams) {
    this.options.onRequest?.(request);
    this.check(request);
    if (request.stream) return this.asyncGenerate(request);
    const release = await this.acquire();
    try {
      this.interruptSignal = false;
      await this.prefill(request.prompt as string);
      const result: Completion = {
        id: 'c',
        object: 'text_completion',
        created: 0,
        model: 'stand-in',
        usage: this.usage(request.prompt as string, 1),
        choices: [{ index: 0, text: '1', finish_reason: 'length', logprobs: null }],
      };
      return result;
    } finally {
      release();
    }
  }

  /**
   * asyncGenerate + streamCurrentGeneration + makeStreamDeltaChunk, with processNextToken's
   * stop-string cut (lastIndexOf on the whole decoded message).
   */
  private async *asyncGenerate(request: CompletionCreateParams) {
    const release = await this.acquire();
    const prompt = request.prompt as string;
    const script = this.options.script ?? [];
    const stops = typeof request.stop === 'string' ? [request.stop] : (request.stop ?? []);
    const max = request.max_tokens ?? Infinity;
    let produced = 0;
    let message = '';
    let sent = 0;
    let finish: 'stop' | 'length' | null = null;
    // Decode one token; the message is cut once a whole stop string appears in it.
    const decode = () => {
      const token = script[produced];
      produced++;
      if (token === undefined) return void (finish = 'stop'); // end-of-sequence token
      message += token;
      for (const stop of stops) {
        const at = message.lastIndexOf(stop);
        if (at !== -1) return void ((message = message.slice(0, at)), (finish = 'stop'));
      }
      if (produced >= max) finish = 'length';
    };
    const delta = () => {
      const text = message.slice(sent);
      sent = message.length; // web-llm sets prevMessageLength even when a stop cut shrank it
      return chunk(text, null);
    };
    try {
      this.interruptSignal = false;
      await this.prefill(prompt);
      decode();
      yield delta();
      while (finish === null) {
        if (this.interruptSignal) break;
        this.decodeSteps++;
        await this.step(prompt + message);
        decode();
        yield delta();
      }
      yield chunk('', finish ?? 'abort');
      yield { ...chunk('', null), choices: [], usage: this.usage(prompt, produced) };
    } finally {
      release();
    }
  }
}

function chunk(text: string, finish: string | null): Completion {
  return {
    id: 's',
    object: 'text_completion',
    created: 0,
    model: 'stand-in',
    choices: [{ index: 0, text, finish_reason: finish as never, logprobs: null }],
  };
}

/** A Worker whose side port is served in-process, as webllm.worker.ts serves it. */
export function standInWorker(mlc: StandInWebLlm) {
  const listeners = new Map<string, (event: { message?: string }) => void>();
  const worker = {
    addEventListener: (type: string, listener: (event: { message?: string }) => void) =>
      listeners.set(type, listener),
    postMessage: (message: SidePortMessage, transfer: MessagePort[] = []) => {
      const port = transfer[0];
      if (message.kind !== SIDE_PORT_MESSAGE || !port) return;
      mlc.processor = serveSideChannel(port, message.capture) ?? undefined;
      mlc.onDeviceLost = (text) => reportDeviceLost(port, text);
    },
    terminate: () => {},
  } as unknown as Worker;
  return { worker, crash: (message: string) => listeners.get('error')?.({ message }) };
}
