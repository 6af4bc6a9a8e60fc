// Checking what a user typed for a custom or self-hosted web-llm model before anything is
// downloaded: URLs that are URLs, a .wasm model library, an id, and a host this build's
// Content-Security-Policy lets the page fetch from. Pure (no web-llm import), so the form can
// validate as the user types.
import type { CustomModel } from './custom-model';

export type CustomField = 'modelId' | 'modelUrl' | 'modelLibUrl';

export interface CustomModelInput {
  modelId: string;
  modelUrl: string;
  modelLibUrl: string;
}

export type FieldErrors = Partial<Record<CustomField, string>>;

export type CustomModelCheck =
  { ok: true; model: CustomModel } | { ok: false; errors: FieldErrors };

export interface CheckContext {
  /** The page's URL: relative paths resolve against it. */
  pageUrl: string;
  /** The page's Content-Security-Policy text, or null when it has none. */
  policy?: string | null;
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/;

/** A URL the user typed, resolved; a string saying what is wrong otherwise. */
export function resolveUserUrl(text: string, pageUrl: string): URL | string {
  const value = text.trim();
  if (!value) return 'Required.';
  const notUrl = `"${value}" is not a URL. Give a full address (https://…) or a path on this site that starts with ./ or /.`;
  const absolute = /^[a-z][a-z\d+.-]*:/i.test(value);
  // Bare words ("models/x" or "example.org/x") are ambiguous: ask for ./ or a scheme.
  if (/\s/.test(value) || (!absolute && !/^(\/|\.\/|\.\.\/)/.test(value))) return notUrl;
  let url: URL;
  try {
    url = new URL(value, pageUrl);
  } catch {
    return notUrl;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return `Only http(s) URLs can be loaded, not ${url.protocol}`;
  }
  const page = new URL(pageUrl);
  if (page.protocol === 'https:' && url.protocol === 'http:' && !LOOPBACK.test(url.hostname)) {
    return 'This page is served over https, so the browser blocks http:// downloads. Use https://.';
  }
  return url;
}

/** The sources of a policy's connect-src (or default-src when it has none); null = no limit. */
export function connectSources(policy: string | null | undefined): string[] | null {
  if (!policy) return null;
  const directives = new Map(
    policy
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map((parts) => [parts[0]!.toLowerCase(), parts.slice(1)] as const),
  );
  return directives.get('connect-src') ?? directives.get('default-src') ?? null;
}

function sourceMatches(source: string, url: URL, page: URL): boolean {
  if (source === "'self'") return url.origin === page.origin;
  const match = /^(https?):\/\/(\*\.)?([^/:]+)(?::(\d+|\*))?\/?$/i.exec(source);
  if (!match) return false;
  const [, scheme, wildcard, host, port] = match;
  // CSP lets an http: source match https: too (an upgrade), never the other way round.
  const schemeOk = url.protocol === `${scheme!.toLowerCase()}:` || scheme === 'http';
  const hostname = url.hostname.toLowerCase();
  const hostOk = wildcard
    ? hostname.endsWith(`.${host!.toLowerCase()}`)
    : hostname === host!.toLowerCase();
  // A port of * matches any port, the scheme's default included.
  const portOk = port === '*' || (port ? url.port === port : url.port === '');
  return schemeOk && hostOk && portOk;
}

/** Whether the page may fetch from this URL under its connect-src. */
export function connectAllowed(url: URL, policy: string | null | undefined, pageUrl: string) {
  const sources = connectSources(policy);
  if (!sources) return true;
  const page = new URL(pageUrl);
  return sources.some((s) => sourceMatches(s, url, page));
}

function checkModelId(modelId: string): string | null {
  const id = modelId.trim();
  if (!id) return 'Required: the id web-llm files this model under, e.g. MyModel-q4f32_1-MLC.';
  if (/[\s/\\]/.test(id)) return 'An id has no spaces or slashes, e.g. MyModel-q4f32_1-MLC.';
  return null;
}

function checkModelUrl(text: string, context: CheckContext): URL | string {
  const url = resolveUserUrl(text, context.pageUrl);
  if (typeof url === 'string') return url;
  // The page fetches the tokenizer from the model folder itself, so the page's policy applies.
  if (!connectAllowed(url, context.policy, context.pageUrl)) {
    return (
      `This build may not download from ${url.origin}. Rebuild the app with ` +
      `RLAIF_MODEL_HOSTS="${url.origin}" npm run build, or serve the model from this site.`
    );
  }
  return url;
}

function checkLibUrl(text: string, context: CheckContext): URL | string {
  const url = resolveUserUrl(text, context.pageUrl);
  if (typeof url === 'string') return url;
  if (!url.pathname.endsWith('.wasm')) {
    return 'The model library is the compiled .wasm file built for this model (…-webgpu.wasm).';
  }
  return url;
}

/** The custom model the form describes, or what to fix, field by field. */
export function checkCustomModel(input: CustomModelInput, context: CheckContext): CustomModelCheck {
  const errors: FieldErrors = {};
  const id = checkModelId(input.modelId);
  if (id) errors.modelId = id;
  const modelUrl = checkModelUrl(input.modelUrl, context);
  if (typeof modelUrl === 'string') errors.modelUrl = modelUrl;
  const libUrl = checkLibUrl(input.modelLibUrl, context);
  if (typeof libUrl === 'string') errors.modelLibUrl = libUrl;
  if (typeof modelUrl === 'string' || typeof libUrl === 'string' || id)
    return { ok: false, errors };
  return {
    ok: true,
    model: { modelId: input.modelId.trim(), modelUrl: modelUrl.href, modelLibUrl: libUrl.href },
  };
}

/** An id for a model the app serves from models/mlc/<id>/; null when it is usable. */
export function checkLocalModelId(modelId: string): string | null {
  const problem = checkModelId(modelId);
  if (problem) return problem;
  return /^[\w.-]+$/.test(modelId.trim())
    ? null
    : 'A folder id uses letters, digits, ".", "_" and "-" only.';
}

/** Added to a "not found" load error for models/mlc/<id>/: how to fill the folder. */
export function localFolderHint(modelId: string): string {
  return (
    `This app does not serve models/mlc/${modelId}/. On a machine that is online, run ` +
    `npm run models:fetch -- ${modelId} and rebuild (or restart the dev server).`
  );
}
