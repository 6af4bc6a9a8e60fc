// Asking before downloading: which variants a model folder has and their sizes. A Hub id asks the
// Hub API; a self-served folder (the app's models/, any static host) has no API, so each variant's
// graph name is probed with HEAD; offline, the Cache API's copy of the folder answers.
import { folderUrl, MODEL_CACHE, VARIANT_FILES } from './model-files';
import {
  filesFromHubInfo,
  hubApiUrl,
  HubListingError,
  variantsFromFiles,
  type FolderFile,
  type VariantInfo,
} from './variants';
import type { OnnxVariant } from './model-files';

export type ListingSource = 'hub-api' | 'folder' | 'cache';

export interface VariantListing {
  source: ListingSource;
  variants: VariantInfo[];
  /** Variants whose every file is in the Cache API already (they load offline). */
  cached: OnnxVariant[];
}

export interface ListOptions {
  fetch?: typeof fetch;
  /** The model cache; caches.open(MODEL_CACHE) by default, null for none. */
  cache?: Cache | null;
  signal?: AbortSignal;
  /** The Hub's address (tests point it at a local server). */
  hubBase?: string;
  /**
   * A self-served folder whose layout is known (the app's own models): probe only these variants'
   * graphs, and no data chunks, so the browser logs no 404 for files known to be absent.
   */
  known?: readonly OnnxVariant[];
}

/** A Hub id, from "owner/name" or a huggingface.co resolve/main URL; null for other folders. */
export function hubIdOf(idOrUrl: string): string | null {
  const trimmed = idOrUrl.trim();
  if (/^[\w.-]+\/[\w.-]+$/.test(trimmed) && !trimmed.startsWith('.')) return trimmed;
  const match = /^https:\/\/huggingface\.co\/([\w.-]+\/[\w.-]+)\/resolve\/main\/?$/.exec(trimmed);
  return match ? match[1]! : null;
}

async function defaultCache(): Promise<Cache | null> {
  try {
    return 'caches' in globalThis ? await caches.open(MODEL_CACHE) : null;
  } catch {
    return null;
  }
}

/** The folder's files held in the cache, sizes from the Content-Length stored with each. */
export async function cachedFiles(folder: string, cache: Cache | null): Promise<FolderFile[]> {
  if (!cache) return [];
  const keys = (await cache.keys()).filter((r) => r.url.startsWith(folder));
  return Promise.all(
    keys.map(async (request) => {
      const length = (await cache.match(request))?.headers.get('Content-Length');
      return { path: request.url.slice(folder.length), bytes: length ? Number(length) : null };
    }),
  );
}

/** A file exists when HEAD says 200 and it is not an HTML page (a SPA fallback answers 200). */
async function head(fetchFn: typeof fetch, url: string, signal?: AbortSignal) {
  const response = await fetchFn(url, { method: 'HEAD', signal });
  const html = (response.headers.get('Content-Type') ?? '').includes('text/html');
  if (!response.ok || html) return null;
  const length = response.headers.get('Content-Length');
  return { bytes: length ? Number(length) : null };
}

/** Probe every variant's graph, then each found graph's data chunks until one is missing. */
async function probeFolder(folder: string, fetchFn: typeof fetch, options: ListOptions) {
  const { signal, known } = options;
  const names = known ? known.map((v) => VARIANT_FILES[v]) : Object.values(VARIANT_FILES);
  const graphs = names.map((name) => `onnx/${name}`);
  const maxChunks = known ? 0 : 64;
  const found = await Promise.all(
    graphs.map(async (path) => ({ path, hit: await head(fetchFn, folder + path, signal) })),
  );
  const files: FolderFile[] = [];
  for (const { path, hit } of found) {
    if (!hit) continue;
    files.push({ path, bytes: hit.bytes });
    for (let i = 0; i < maxChunks; i++) {
      const chunk = `${path}_data${i ? `_${i}` : ''}`;
      const data = await head(fetchFn, folder + chunk, signal);
      if (!data) break;
      files.push({ path: chunk, bytes: data.bytes });
    }
  }
  return files;
}

async function hubFiles(id: string, options: ListOptions, fetchFn: typeof fetch) {
  const response = await fetchFn(hubApiUrl(id, options.hubBase), { signal: options.signal });
  if (response.status === 401 || response.status === 404) {
    throw new HubListingError(
      `The Hub has no public model ${id} (HTTP ${response.status}). Check the id; gated or private ` +
        'repos cannot be loaded from the browser.',
    );
  }
  if (!response.ok) throw new HubListingError(`The Hub API answered HTTP ${response.status}.`);
  return filesFromHubInfo(await response.json(), id);
}

/** The variants a model has, from the Hub API, the folder itself, or (offline) the cache. */
export async function listVariants(
  idOrUrl: string,
  options: ListOptions = {},
): Promise<VariantListing> {
  const fetchFn = options.fetch ?? fetch;
  const folder = folderUrl(idOrUrl);
  const cache = options.cache === undefined ? await defaultCache() : options.cache;
  const inCache = await cachedFiles(folder, cache);
  const id = hubIdOf(idOrUrl);
  let files: FolderFile[];
  try {
    files = id ? await hubFiles(id, options, fetchFn) : await probeFolder(folder, fetchFn, options);
  } catch (error) {
    // Only an unreachable host falls back to the cache; a wrong id stays an error.
    if (error instanceof HubListingError || options.signal?.aborted) throw error;
    const variants = variantsFromFiles(inCache);
    // Offline, what the cache holds is all there is to know (a missing data chunk shows at load).
    if (variants.length)
      return { source: 'cache', variants, cached: variants.map((v) => v.variant) };
    throw new HubListingError(
      `Could not list ${id ?? folder} (${error instanceof Error ? error.message : String(error)}) ` +
        'and none of its variants is cached. Connect to the network once, or serve the folder ' +
        'from this app (npm run models:fetch).',
    );
  }
  const variants = variantsFromFiles(files);
  const held = new Set(inCache.map((f) => f.path));
  const cached = variants
    .filter((v) => v.files.every((f) => held.has(f.path)))
    .map((v) => v.variant);
  return { source: id ? 'hub-api' : 'folder', variants, cached };
}
