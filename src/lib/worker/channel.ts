// Request/response over one Web Worker: numbered calls, streamed events, cancellation through
// AbortSignals, and every pending call rejected at once if the worker dies. Shared by the engine
// worker and the reward-model worker; each brings its own message types and errors.
import { CancelledError } from '../rlaif/engine';

interface Message {
  id: number;
  kind: string;
}

/** A request without its id: the channel numbers them. */
export type Unnumbered<R> = R extends { id: number } ? Omit<R, 'id'> : never;

/** What a worker streams before its answer (progress, tokens, epochs...). */
export type EventOf<R> = Exclude<R, { kind: 'result' | 'error' }>;

export interface ChannelHooks<Res> {
  /** The typed error for a worker's `{kind: 'error'}` answer. */
  revive: (message: Extract<Res, { kind: 'error' }>) => Error;
  /** The error every pending call gets when the worker dies. */
  crashed: (detail: string) => Error;
  /** Sees every result message (e.g. to keep statistics the worker sends along). */
  onResult?: (message: Extract<Res, { kind: 'result' }>) => void;
}

export interface CallOptions<Event> {
  signal?: AbortSignal;
  onEvent?: (event: Event) => void;
}

interface Pending<Res> {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  onEvent?: (event: EventOf<Res>) => void;
}

export class Channel<Req extends Message, Res extends Message & { value?: unknown }> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending<Res>>();
  private crashed: string | null = null;

  constructor(
    private readonly worker: Worker,
    private readonly hooks: ChannelHooks<Res>,
  ) {
    worker.onmessage = (event: MessageEvent<Res>) => this.receive(event.data);
    worker.onerror = (event) => this.crash(event.message || 'script error');
    worker.onmessageerror = () => this.crash('a message could not be read');
  }

  call<T>(
    request: Unnumbered<Req>,
    { signal, onEvent }: CallOptions<EventOf<Res>> = {},
  ): Promise<T> {
    if (this.crashed) return Promise.reject(this.hooks.crashed(this.crashed));
    // An abort listener never fires for a signal that is already aborted.
    if (signal?.aborted) return Promise.reject(new CancelledError());
    const id = this.nextId++;
    const cancel = () => this.worker.postMessage({ id: this.nextId++, kind: 'cancel', target: id });
    signal?.addEventListener('abort', cancel, { once: true });
    const done = () => signal?.removeEventListener('abort', cancel);
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, {
        resolve: (value) => (done(), resolve(value as T)),
        reject: (error) => (done(), reject(error)),
        onEvent,
      });
      this.worker.postMessage({ ...request, id });
    });
  }

  private receive(message: Res): void {
    const pending = this.pending.get(message.id);
    if (!pending) return;
    if (message.kind === 'result') {
      this.pending.delete(message.id);
      this.hooks.onResult?.(message as Extract<Res, { kind: 'result' }>);
      pending.resolve(message.value);
    } else if (message.kind === 'error') {
      this.pending.delete(message.id);
      pending.reject(this.hooks.revive(message as Extract<Res, { kind: 'error' }>));
    } else {
      pending.onEvent?.(message as EventOf<Res>);
    }
  }

  private crash(detail: string): void {
    this.crashed ??= detail;
    for (const p of this.pending.values()) p.reject(this.hooks.crashed(detail));
    this.pending.clear();
  }

  terminate(): void {
    this.worker.terminate();
    this.crash('terminated');
  }
}
