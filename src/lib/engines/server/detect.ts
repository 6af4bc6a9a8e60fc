// Which server answers at a base URL, and which models it serves. Each kind has an endpoint only
// it has (llama.cpp /props, SGLang /get_server_info, Ollama /api/version) or a telltale in
// /v1/models (vLLM's owned_by "vllm"). A browser that cannot reach the server learns why: the
// server must allow the page's origin (CORS), or the page's CSP must list the server's host.
import { connectAllowed } from '../webllm/custom-form';
import type { ServerKind } from './kinds';
import type { FetchLike } from './retry';

export interface ServerProbe {
  kind: ServerKind | null;
  models: string[];
  /** What gave the kind away, for the connection test's message. */
  evidence: string;
}

export type ConnectFailure = 'cors-or-network' | 'csp' | 'http' | 'not-openai';

export class ServerConnectError extends Error {
  constructor(
    readonly reason: ConnectFailure,
    readonly baseUrl: string,
    message: string,
  ) {
    super(message);
    this.name = 'ServerConnectError';
  }
}

export interface ProbeOptions {
  fetch?: FetchLike;
  apiKey?: string;
  signal?: AbortSignal;
  /** In a page: its URL and CSP, so a host the policy refuses is named before any fetch. */
  page?: { url: string; policy: string | null };
}

export function authHeaders(apiKey: string | undefined): Record<string, string> {
  return apiKey ? { Authorization: `Bearer ${apiKey}` } : {};
}

/** The base URL without a trailing slash or a trailing /v1 (paths here all start at the root). */
export function normaliseBaseUrl(baseUrl: string): string {
  return baseUrl.trim().replace(/\/+$/, '').replace(/\/v1$/, '');
}

export async function probeServer(
  baseUrl: string,
  options: ProbeOptions = {},
): Promise<ServerProbe> {
  const base = normaliseBaseUrl(baseUrl);
  checkUrl(base, options.page);
  const get = (path: string) => getJson(base, path, options);
  const models = await get('/v1/models');
  if (models.status === 401 || models.status === 403)
    throw new ServerConnectError(
      'http',
      base,
      `${base}/v1/models answered HTTP ${models.status}: the server wants an API key (or this ` +
        'one is wrong). Give the key the server was started with.',
    );
  const ids = modelIds(models.json);
  const owned = ownersOf(models.json);
  if (owned.includes('vllm')) return { kind: 'vllm', models: ids, evidence: 'owned_by "vllm"' };
  const props = await get('/props');
  if (props.ok && isRecord(props.json) && 'default_generation_settings' in props.json)
    return { kind: 'llamacpp', models: ids, evidence: 'GET /props (llama.cpp)' };
  for (const path of ['/get_server_info', '/server_info']) {
    const info = await get(path);
    if (info.ok && isRecord(info.json) && ('model_path' in info.json || 'tp_size' in info.json))
      return { kind: 'sglang', models: ids, evidence: `GET ${path} (SGLang)` };
  }
  const version = await get('/api/version');
  if (version.ok && isRecord(version.json) && typeof version.json.version === 'string') {
    const tags = await get('/api/tags');
    const names = isRecord(tags.json) && Array.isArray(tags.json.models) ? tags.json.models : [];
    const ollamaModels = names.flatMap((m) =>
      isRecord(m) && typeof m.name === 'string' ? [m.name] : [],
    );
    return {
      kind: 'ollama',
      models: ollamaModels.length ? ollamaModels : ids,
      evidence: 'GET /api/version (Ollama)',
    };
  }
  if (models.ok && ids.length)
    return { kind: 'openai', models: ids, evidence: 'GET /v1/models only (OpenAI-compatible)' };
  throw new ServerConnectError(
    'not-openai',
    base,
    `${base} answers, but not like an OpenAI-compatible server (GET /v1/models gave HTTP ` +
      `${models.status} and no model list). Check the URL: it is the server's root, e.g. ` +
      'http://127.0.0.1:8080.',
  );
}

function checkUrl(base: string, page: ProbeOptions['page']): void {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new ServerConnectError(
      'not-openai',
      base,
      `"${base}" is not a URL, e.g. http://127.0.0.1:8080.`,
    );
  }
  if (page && !connectAllowed(url, page.policy, page.url))
    throw new ServerConnectError(
      'csp',
      base,
      `This page's Content-Security-Policy (connect-src) does not list ${url.origin}, so the ` +
        `browser refuses to contact it. Build the app with RLAIF_MODEL_HOSTS=${url.origin} ` +
        '(added to connect-src), or serve it without that policy.',
    );
}

interface Got {
  ok: boolean;
  status: number;
  json: unknown;
}

async function getJson(base: string, path: string, options: ProbeOptions): Promise<Got> {
  const fetcher = options.fetch ?? ((url, init) => fetch(url, init));
  let response: Response;
  try {
    response = await fetcher(base + path, {
      method: 'GET',
      headers: authHeaders(options.apiKey),
      signal: options.signal,
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    const why = error instanceof Error ? error.message : String(error);
    throw new ServerConnectError(
      'cors-or-network',
      base,
      `Could not reach ${base}${path} (${why}). Check that the server runs there. From a ` +
        "browser, the server must also allow this page's origin (CORS): start vLLM with " +
        '--allowed-origins, set OLLAMA_ORIGINS for Ollama; llama.cpp allows any origin unless started with --cors-origins.',
    );
  }
  return { ok: response.ok, status: response.status, json: parseOrNull(await response.text()) };
}

// An HTML error page or plain text is no JSON: not this endpoint.
function parseOrNull(text: string): unknown {
  try {
    return text ? (JSON.parse(text) as unknown) : null;
  } catch {
    return null;
  }
}

function modelIds(json: unknown): string[] {
  const data = isRecord(json) && Array.isArray(json.data) ? json.data : [];
  return data.flatMap((m) => (isRecord(m) && typeof m.id === 'string' ? [m.id] : []));
}

function ownersOf(json: unknown): string[] {
  const data = isRecord(json) && Array.isArray(json.data) ? json.data : [];
  return data.flatMap((m) => (isRecord(m) && typeof m.owned_by === 'string' ? [m.owned_by] : []));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
