// Which web-llm models this browser already holds, and deleting them. web-llm keeps weights, the
// wasm library and the chat config in its own stores (Cache API, IndexedDB or OPFS, chosen by
// appConfig.cacheBackend); these helpers only pick the store and pass through.
import {
  deleteModelAllInfoInCache,
  hasModelInCache,
  prebuiltAppConfig,
  type AppConfig,
} from '@mlc-ai/web-llm';
import { MODEL_CACHE } from '../onnx/model-files';
import { findRecord } from './catalog';
import { modelFileUrl } from './custom-model';

/** The stores web-llm 0.2.86 offers to pages ("cross-origin" needs a browser extension). */
export type CacheBackend = 'cache' | 'indexeddb' | 'opfs';

/** The functions web-llm exports, injectable so the choice of store can be tested in Node. */
export interface CacheApi {
  has: (modelId: string, appConfig: AppConfig) => Promise<boolean>;
  remove: (modelId: string, appConfig: AppConfig) => Promise<void>;
}

const WEB_LLM_CACHE: CacheApi = { has: hasModelInCache, remove: deleteModelAllInfoInCache };

export interface CacheOptions {
  appConfig?: AppConfig;
  cacheBackend?: CacheBackend;
  api?: CacheApi;
  /** The app's own model cache, where the engine keeps the tokenizer files it fetches itself. */
  pageCache?: Cache | null;
}

/** Files the engine fetches on the page (web-llm has no tokenizer API), outside web-llm's store. */
const PAGE_FILES = ['tokenizer.json', 'tokenizer_config.json', 'mlc-chat-config.json'];

async function openPageCache(): Promise<Cache | null> {
  try {
    return 'caches' in globalThis ? await caches.open(MODEL_CACHE) : null;
  } catch {
    return null;
  }
}

/** The app config with the chosen store; web-llm reads the store from the config itself. */
export function withCacheBackend(appConfig: AppConfig, cacheBackend?: CacheBackend): AppConfig {
  return cacheBackend ? { ...appConfig, cacheBackend } : appConfig;
}

/** True when every weight shard of the model is stored (a later load needs no network). */
export async function isModelCached(modelId: string, options: CacheOptions = {}): Promise<boolean> {
  const config = withCacheBackend(options.appConfig ?? prebuiltAppConfig, options.cacheBackend);
  try {
    return await (options.api ?? WEB_LLM_CACHE).has(modelId, config);
  } catch {
    // No store in this context (opaque origin, private window, Node): nothing is cached.
    return false;
  }
}

/**
 * Delete weights, tokenizer, wasm library and chat config of one model from web-llm's store, and
 * the engine's own copies of the tokenizer files from the app's cache.
 */
export async function deleteCachedModel(
  modelId: string,
  options: CacheOptions = {},
): Promise<void> {
  const config = withCacheBackend(options.appConfig ?? prebuiltAppConfig, options.cacheBackend);
  await (options.api ?? WEB_LLM_CACHE).remove(modelId, config);
  const record = findRecord(modelId, config);
  const cache = options.pageCache === undefined ? await openPageCache() : options.pageCache;
  if (!record || !cache) return;
  await Promise.all(PAGE_FILES.map((file) => cache.delete(modelFileUrl(record.model, file))));
}

/**
 * The other model ids whose weights are the same files ("-1k" builds share the folder of the full
 * one, with another library): web-llm deletes weights by folder, so deleting one deletes these.
 */
export function sharedWeights(modelId: string, appConfig: AppConfig = prebuiltAppConfig): string[] {
  const record = findRecord(modelId, appConfig);
  if (!record) return [];
  const folder = modelFileUrl(record.model, '');
  return appConfig.model_list
    .filter((r) => r.model_id !== modelId && modelFileUrl(r.model, '') === folder)
    .map((r) => r.model_id);
}
