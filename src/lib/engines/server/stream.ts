// Reading a streamed HTTP answer as JSON events: server-sent events ("data: {...}" lines, as
// llama.cpp, vLLM, SGLang and OpenAI stream) or NDJSON (one object a line, as Ollama streams).
// A network chunk may end anywhere, inside a line or inside a UTF-8 character: lines are cut
// only at "\n", after decoding with a streaming TextDecoder.
import { CancelledError } from '../../rlaif/engine';

export type StreamFormat = 'sse' | 'ndjson';

/** Splits decoded text into complete lines, keeping the unfinished tail for the next chunk. */
export class LineSplitter {
  private tail = '';

  push(text: string): string[] {
    const parts = (this.tail + text).split('\n');
    this.tail = parts.pop() ?? '';
    return parts.map((line) => line.replace(/\r$/, ''));
  }

  end(): string[] {
    const last = this.tail.replace(/\r$/, '');
    this.tail = '';
    return last ? [last] : [];
  }
}

/** The JSON payload of one line, null for lines that carry none (comments, "event:", "[DONE]"). */
export function payloadOf(line: string, format: StreamFormat): unknown {
  const trimmed = line.trim();
  if (!trimmed) return null;
  if (format === 'ndjson') return JSON.parse(trimmed) as unknown;
  if (!trimmed.startsWith('data:')) return null;
  const data = trimmed.slice(5).trim();
  if (data === '[DONE]' || data === '') return null;
  return JSON.parse(data) as unknown;
}

/**
 * Each JSON event of a streamed body, in order. Cancelling the signal cancels the reader, which
 * closes the connection: the server sees the client go and stops generating.
 */
export async function* jsonEvents(
  body: ReadableStream<Uint8Array>,
  format: StreamFormat,
  signal?: AbortSignal,
): AsyncGenerator<unknown> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const lines = new LineSplitter();
  const onAbort = () => void reader.cancel().catch(() => undefined);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      if (signal?.aborted) throw new CancelledError('Generation');
      const { done, value } = await reader.read();
      if (signal?.aborted) throw new CancelledError('Generation');
      const text = done ? decoder.decode() : decoder.decode(value, { stream: true });
      for (const line of [...lines.push(text), ...(done ? lines.end() : [])]) {
        const payload = payloadOf(line, format);
        // One chunk may hold many events: none is handed on after a cancel.
        if (signal?.aborted) throw new CancelledError('Generation');
        if (payload !== null) yield payload;
      }
      if (done) return;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await reader.cancel().catch(() => undefined);
  }
}

export interface OpenStreamOptions {
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  headers: Record<string, string>;
  attempts: number;
  baseDelayMs: number;
  signal?: AbortSignal;
}

/**
 * POST and return the streamed body. 429 / 5xx / failed connections are retried with backoff
 * before any byte arrived; once text has streamed, a failure is the caller's (text was shown).
 */
export async function openStream(
  url: string,
  body: unknown,
  options: OpenStreamOptions,
): Promise<ReadableStream<Uint8Array>> {
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) throw new CancelledError('Generation');
    let failure: string;
    try {
      const response = await options.fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...options.headers },
        body: JSON.stringify(body),
        signal: options.signal,
      });
      if (response.ok && response.body) return response.body;
      const text = await response.text();
      failure = `HTTP ${response.status}: ${text.slice(0, 300)}`;
      if (response.status !== 429 && response.status < 500)
        throw new StreamOpenError(url, failure, attempt, false);
    } catch (error) {
      if (error instanceof StreamOpenError) throw error;
      if (options.signal?.aborted) throw new CancelledError('Generation');
      failure = error instanceof Error ? error.message : String(error);
    }
    if (attempt >= options.attempts) throw new StreamOpenError(url, failure, attempt, true);
    await new Promise((resolve) => setTimeout(resolve, options.baseDelayMs * 2 ** (attempt - 1)));
  }
}

export class StreamOpenError extends Error {
  constructor(url: string, failure: string, attempts: number, retried: boolean) {
    super(
      `${url} refused to stream (${failure}) after ${attempts} ${attempts === 1 ? 'try' : 'tries'}. ` +
        (retried
          ? 'The server is down or overloaded: check it runs, or lower the concurrency.'
          : 'Check the request against the server kind chosen.'),
    );
    this.name = 'StreamOpenError';
  }
}
