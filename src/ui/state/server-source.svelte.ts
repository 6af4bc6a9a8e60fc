// The "Server (OpenAI-compatible)" source of the labeler picker: where the server is, which model,
// which tokenizer builds the prompts, and what the connection test found. The API key lives in
// this object only (this tab's memory): nothing here is written to storage, a share link or a label.
import { probeServer, ServerConnectError, type ServerProbe } from '../../lib/engines/server/detect';
import { KINDS, type ServerKind } from '../../lib/engines/server/kinds';
import type { FetchLike } from '../../lib/engines/server/retry';

export type ServerKindChoice = ServerKind | 'auto';

/** What LabelerModel.loadServer needs; apiKey only in memory. */
export interface ServerModelChoice {
  baseUrl: string;
  kind: ServerKindChoice;
  model: string;
  apiKey?: string;
  /** A folder URL or a Hugging Face id with tokenizer.json. */
  tokenizer: string;
}

export type ConnectionTest =
  | { phase: 'idle' }
  | { phase: 'testing' }
  | { phase: 'ok'; probe: ServerProbe; message: string }
  | { phase: 'error'; reason: ServerConnectError['reason'] | 'other'; message: string };

/** The page's URL and Content-Security-Policy, so a host the policy refuses is named up front. */
export interface PageContext {
  url: string;
  policy: string | null;
}

/** This page's URL and CSP (the meta tag the build writes); undefined outside a page. */
export function pageContext(): PageContext | undefined {
  if (typeof document === 'undefined') return undefined;
  const meta = document.querySelector('meta[http-equiv="Content-Security-Policy"]');
  return { url: location.href, policy: meta?.getAttribute('content') ?? null };
}

/** "owner/name", as on the Hugging Face Hub (a served model name often is one). */
export function looksLikeHubId(name: string): boolean {
  return /^[\w.-]+\/[\w.-]+$/.test(name.trim());
}

/** The tokenizer to offer for a model: the model's own name when it is a Hub id. */
export function defaultTokenizer(model: string): string {
  return looksLikeHubId(model) ? model.trim() : '';
}

/** One sentence on what answered: the kind, how it was told, the models it serves. */
export function describeProbe(baseUrl: string, probe: ServerProbe): string {
  const kind = probe.kind ? KINDS[probe.kind].label : 'An OpenAI-compatible server';
  const models = probe.models.length ? probe.models.join(', ') : 'no model listed';
  return `${kind} at ${baseUrl} (${probe.evidence}); serves ${models}.`;
}

export class ServerSource {
  baseUrl = $state('http://127.0.0.1:8080');
  kind: ServerKindChoice = $state('auto');
  model = $state('');
  /** Filled by the connection test. */
  models: string[] = $state([]);
  /** Sent as a Bearer token; never persisted. */
  apiKey = $state('');
  tokenizer = $state('');
  test: ConnectionTest = $state({ phase: 'idle' });
  private controller: AbortController | null = null;

  constructor(private readonly fetcher?: FetchLike) {}

  /** Ask the server what it is and what it serves; fills the model list and a default tokenizer. */
  async testConnection(page?: PageContext): Promise<void> {
    this.controller?.abort();
    const controller = (this.controller = new AbortController());
    this.test = { phase: 'testing' };
    try {
      const probe = await probeServer(this.baseUrl, {
        fetch: this.fetcher,
        apiKey: this.apiKey || undefined,
        signal: controller.signal,
        page,
      });
      if (this.controller !== controller) return;
      this.models = probe.models;
      if (!probe.models.includes(this.model)) this.model = probe.models[0] ?? '';
      if (!this.tokenizer) this.tokenizer = defaultTokenizer(this.model);
      this.test = { phase: 'ok', probe, message: describeProbe(this.baseUrl.trim(), probe) };
    } catch (error) {
      if (this.controller !== controller) return;
      this.test =
        error instanceof ServerConnectError
          ? { phase: 'error', reason: error.reason, message: error.message }
          : { phase: 'error', reason: 'other', message: messageOf(error) };
    }
  }

  /** The model changed: follow it with the tokenizer when the user has not typed one of their own. */
  pickModel(model: string): void {
    const followed = this.tokenizer === '' || this.tokenizer === defaultTokenizer(this.model);
    this.model = model;
    if (followed) this.tokenizer = defaultTokenizer(model);
  }

  /** Why the source cannot load yet, or null. */
  get missing(): string | null {
    if (!this.baseUrl.trim()) return 'Give the server URL.';
    if (!this.tokenizer.trim())
      return "Give the model's tokenizer (a Hugging Face id or a folder URL with tokenizer.json).";
    return null;
  }

  choice(): ServerModelChoice {
    return {
      baseUrl: this.baseUrl.trim(),
      kind: this.kind,
      model: this.model,
      apiKey: this.apiKey || undefined,
      tokenizer: this.tokenizer.trim(),
    };
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
