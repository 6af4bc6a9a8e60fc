// The worker side of a channel (see channel.ts): run each request with its own AbortController,
// answer with a result or a serialised error, and let a `cancel` request abort another by id.
import { CancelledError } from '../rlaif/engine';

interface Request {
  id: number;
  kind: string;
}

export interface ServeOptions<Req extends Request, Error> {
  handle: (request: Req, signal: AbortSignal) => Promise<unknown>;
  serialize: (error: unknown) => Error;
  /** Extra fields for every result message (e.g. engine statistics). */
  extra?: () => Record<string, unknown>;
  /** The wording of a cancellation, by request kind. */
  cancelledWhat?: (request: Req) => string | undefined;
}

export function serve<Req extends Request, Err>(options: ServeOptions<Req, Err>): void {
  const running = new Map<number, AbortController>();
  const post = (message: unknown) => self.postMessage(message);
  self.onmessage = async (
    event: MessageEvent<Req | (Request & { kind: 'cancel'; target: number })>,
  ) => {
    const message = event.data;
    if (message.kind === 'cancel' && 'target' in message) {
      running.get(message.target)?.abort();
      post({ id: message.id, kind: 'result', value: null });
      return;
    }
    const request = message as Req;
    const controller = new AbortController();
    running.set(request.id, controller);
    try {
      const value = await options.handle(request, controller.signal);
      if (controller.signal.aborted) throw new CancelledError();
      post({ id: request.id, kind: 'result', value, ...options.extra?.() });
    } catch (error) {
      // The cores throw DOMException AbortErrors too; the page knows the project's CancelledError.
      const cancelled = controller.signal.aborted || error instanceof CancelledError;
      const reported = cancelled ? new CancelledError(options.cancelledWhat?.(request)) : error;
      post({ id: request.id, kind: 'error', error: options.serialize(reported) });
    } finally {
      running.delete(request.id);
    }
  };
}
