// Fetching a Hugging Face model folder in the transformers.js layout (config.json, tokenizer files,
// onnx/model*.onnx) from the Hub or from the app's own models/ folder, with byte-level progress,
// a Cache API copy so the next load works offline, and errors that say what to do.

export type OnnxVariant = 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4' | 'q4f16' | 'bnb4';

/** transformers.js file names for each weight format. */
export const VARIANT_FILES: Record<OnnxVariant, string> = {
  fp32: 'model.onnx',
  fp16: 'model_fp16.onnx',
  q8: 'model_quantized.onnx',
  int8: 'model_int8.onnx',
  uint8: 'model_uint8.onnx',
  q4: 'model_q4.onnx',
  q4f16: 'model_q4f16.onnx',
  bnb4: 'model_bnb4.onnx',
};

export const NEEDS_SHADER_F16: ReadonlySet<OnnxVariant> = new Set(['fp16', 'q4f16']);

export type LoadErrorKind =
  'not-found' | 'http' | 'network' | 'quota' | 'corrupt' | 'unsupported' | 'needs-f16';

export class ModelLoadError extends Error {
  constructor(
    readonly kind: LoadErrorKind,
    message: string,
    readonly url?: string,
  ) {
    super(message);
    this.name = 'ModelLoadError';
  }
}

export interface FileProgress {
  file: string;
  loaded: number;
  /** From Content-Length; null when the server does not say. */
  total: number | null;
  fromCache: boolean;
}

export interface LoadOptions {
  /** Injected for tests and Node; the browser's fetch by default. */
  fetch?: typeof fetch;
  /** A Cache API cache; by default caches.open(MODEL_CACHE) where the browser has it. */
  cache?: Cache | null;
  onProgress?: (progress: FileProgress) => void;
  /** Non-fatal problems, e.g. the cache is full: the model still loads, just not offline. */
  onWarning?: (message: string) => void;
  signal?: AbortSignal;
}

export const MODEL_CACHE = 'rlaif-lab-models-v1';

/** A Hub id ("onnx-community/SmolLM2-135M-Instruct") becomes its resolve/main URL. */
export function folderUrl(idOrUrl: string): string {
  const trimmed = idOrUrl.trim();
  if (/^[\w.-]+\/[\w.-]+$/.test(trimmed) && !trimmed.startsWith('.')) {
    return `https://huggingface.co/${trimmed}/resolve/main/`;
  }
  const folder = trimmed.endsWith('/') ? trimmed : `${trimmed}/`;
  // Absolute in a page, so cache keys are the URLs the browser actually fetched.
  return globalThis.location ? new URL(folder, globalThis.location.href).href : folder;
}

async function openDefaultCache(): Promise<Cache | null> {
  try {
    return 'caches' in globalThis ? await caches.open(MODEL_CACHE) : null;
  } catch {
    return null; // e.g. an opaque origin or a private window: load without caching
  }
}

function isQuotaError(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'QuotaExceededError';
}

/** Read a response body chunk by chunk, reporting bytes as they arrive. */
async function readBody(
  response: Response,
  report: (loaded: number, total: number | null) => void,
  signal?: AbortSignal,
): Promise<Uint8Array<ArrayBuffer>> {
  const header = response.headers.get('Content-Length');
  const total = header ? Number(header) : null;
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    report(bytes.length, total);
    return bytes;
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    if (signal?.aborted) {
      await reader.cancel();
      throw new DOMException('The download was cancelled.', 'AbortError');
    }
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    report(loaded, total);
  }
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return bytes;
}

/** One file: from the cache when there, else downloaded (and then cached). */
export async function fetchModelFile(
  url: string,
  file: string,
  options: LoadOptions = {},
): Promise<Uint8Array<ArrayBuffer>> {
  const cache = options.cache === undefined ? await openDefaultCache() : options.cache;
  const report = (fromCache: boolean) => (loaded: number, total: number | null) =>
    options.onProgress?.({ file, loaded, total, fromCache });
  const cached = await cache?.match(url);
  if (cached) return readBody(cached, report(true), options.signal);

  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, { signal: options.signal, mode: 'cors' });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new ModelLoadError(
      'network',
      `Could not download ${file} from ${url}: the network is down, the host is unreachable, or it ` +
        'does not allow cross-origin requests (CORS). Check the URL, or serve the model from this app.',
      url,
    );
  }
  if (response.status === 404) {
    throw new ModelLoadError(
      'not-found',
      `${file} was not found at ${url} (404). Check the model id or folder.`,
      url,
    );
  }
  if (!response.ok) {
    throw new ModelLoadError(
      'http',
      `Downloading ${file} failed: HTTP ${response.status} from ${url}.`,
      url,
    );
  }
  const bytes = await readBody(response, report(false), options.signal);
  if (cache) {
    try {
      await cache.put(
        url,
        new Response(bytes, { headers: { 'Content-Length': String(bytes.length) } }),
      );
    } catch (error) {
      const why = isQuotaError(error)
        ? 'the browser storage quota is full; free space (delete cached models) to load offline next time'
        : `the cache refused it (${String(error)})`;
      options.onWarning?.(`${file} was loaded but not kept for offline use: ${why}.`);
    }
  }
  return bytes;
}

export interface HfModelFiles {
  folder: string;
  variant: OnnxVariant;
  config: Record<string, unknown>;
  generationConfig: Record<string, unknown>;
  tokenizer: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  onnx: Uint8Array;
  externalData: { path: string; data: Uint8Array }[];
}

function parseJson(bytes: Uint8Array, file: string, url: string): Record<string, unknown> {
  const text = new TextDecoder().decode(bytes);
  if (/^\s*</.test(text)) {
    // Many static hosts (and dev servers) answer a missing file with their index page.
    throw new ModelLoadError(
      'not-found',
      `${file} at ${url} is an HTML page, not a model file: the model folder is probably not there.`,
      url,
    );
  }
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // fall through to the error below
  }
  throw new ModelLoadError('corrupt', `${file} at ${url} is not a JSON object.`, url);
}

/** transformers.js marks big graphs whose weights sit beside them in model.onnx_data files. */
function externalDataFiles(config: Record<string, unknown>, onnxFile: string): string[] {
  const flag = (
    config['transformers.js_config'] as { use_external_data_format?: unknown } | undefined
  )?.use_external_data_format;
  if (!flag) return [];
  const count = typeof flag === 'number' ? flag : 1;
  return Array.from({ length: count }, (_, i) => `${onnxFile}_data${i ? `_${i}` : ''}`);
}

/** Every file of a model folder, JSON parsed, the graph as bytes. */
export async function loadModelFolder(
  idOrUrl: string,
  variant: OnnxVariant,
  options: LoadOptions = {},
): Promise<HfModelFiles> {
  const folder = folderUrl(idOrUrl);
  const json = async (file: string, optional = false) => {
    try {
      return parseJson(await fetchModelFile(folder + file, file, options), file, folder + file);
    } catch (error) {
      if (optional && error instanceof ModelLoadError && error.kind === 'not-found') return {};
      throw error;
    }
  };
  const config = await json('config.json');
  const [generationConfig, tokenizer, tokenizerConfig] = await Promise.all([
    json('generation_config.json', true),
    json('tokenizer.json'),
    json('tokenizer_config.json', true),
  ]);
  const onnxFile = VARIANT_FILES[variant];
  const onnx = await fetchModelFile(`${folder}onnx/${onnxFile}`, `onnx/${onnxFile}`, options);
  const externalData = await Promise.all(
    externalDataFiles(config, onnxFile).map(async (path) => ({
      path,
      data: await fetchModelFile(`${folder}onnx/${path}`, `onnx/${path}`, options),
    })),
  );
  return {
    folder,
    variant,
    config,
    generationConfig,
    tokenizer,
    tokenizerConfig,
    onnx,
    externalData,
  };
}

/** Delete every cached file of one model folder; returns how many were removed. */
export async function deleteCachedModel(idOrUrl: string, cache?: Cache): Promise<number> {
  const store = cache ?? (await openDefaultCache());
  if (!store) return 0;
  const folder = folderUrl(idOrUrl);
  const keys = (await store.keys()).filter((request) => request.url.startsWith(folder));
  await Promise.all(keys.map((request) => store.delete(request)));
  return keys.length;
}
