// Model records for self-hosted MLC models: a folder URL with the weights, a wasm library URL and
// an id. web-llm 0.2.86 resolves a record's `model` with `cleanModelUrl`: it appends
// "resolve/main/" unless the URL already contains "/resolve/…/" (the Hugging Face layout), and it
// needs an absolute URL. A plain folder such as /models/mlc/<id>/ would become
// /models/mlc/<id>/resolve/main/, so such folders get "#/resolve/main/" instead: the fragment
// satisfies web-llm's check, and every file URL it derives (new URL(file, base)) drops it.
import { prebuiltAppConfig, type AppConfig, type ModelRecord } from '@mlc-ai/web-llm';
import { findRecord } from './catalog';

/** Where the app serves locally fetched MLC models (see scripts/models/fetch-mlc.ts). */
export const LOCAL_MLC_FOLDER = 'models/mlc/';

const RESOLVE_SUFFIX = '#/resolve/main/';

function pageHref(): string | undefined {
  return globalThis.location?.href;
}

function isHuggingFaceRepo(url: URL): boolean {
  return /(^|\.)huggingface\.co$/.test(url.hostname) && url.pathname.split('/').length <= 4;
}

/**
 * The `model` URL to give web-llm for a folder: absolute, with a trailing slash, and marked so
 * web-llm does not append "resolve/main/" to a plain folder. Hugging Face repo URLs (which do
 * need resolve/main/) and URLs that already contain /resolve/ are left to web-llm.
 */
export function webLlmModelUrl(folder: string, base: string | undefined = pageHref()): string {
  const url = base ? new URL(folder, base) : new URL(folder);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  if (/\/resolve\/.+\//.test(url.href) || isHuggingFaceRepo(url)) return url.href;
  url.hash = '';
  return url.href + RESOLVE_SUFFIX;
}

/** Mirror of web-llm's cleanModelUrl: the folder its files are fetched from. */
export function modelFilesBase(modelUrl: string): string {
  let url = modelUrl.endsWith('/') ? modelUrl : `${modelUrl}/`;
  if (!/.+\/resolve\/.+\//.test(url)) url += 'resolve/main/';
  return new URL('.', url).href;
}

/** A file of a model folder as web-llm will fetch it, e.g. tokenizer.json. */
export function modelFileUrl(modelUrl: string, file: string): string {
  return new URL(file, modelFilesBase(modelUrl)).href;
}

export interface CustomModel {
  modelId: string;
  /** Folder with mlc-chat-config.json, tensor-cache.json, params_shard_*.bin, tokenizer files. */
  modelUrl: string;
  /** The compiled model library (.wasm) for this model and web-llm version. */
  modelLibUrl: string;
  vramMB?: number;
  /** Set for f16 builds so web-llm checks the adapter before downloading. */
  requiredFeatures?: string[];
  contextWindow?: number;
}

export function customModelRecord(model: CustomModel, base = pageHref()): ModelRecord {
  const lib = base ? new URL(model.modelLibUrl, base).href : new URL(model.modelLibUrl).href;
  return {
    model_id: model.modelId,
    model: webLlmModelUrl(model.modelUrl, base),
    model_lib: lib,
    ...(model.vramMB !== undefined ? { vram_required_MB: model.vramMB } : {}),
    ...(model.requiredFeatures ? { required_features: model.requiredFeatures } : {}),
    ...(model.contextWindow ? { overrides: { context_window_size: model.contextWindow } } : {}),
  };
}

/** The file name of a prebuilt model's wasm library, e.g. "Qwen2-0.5B-Instruct-q4f32_1_cs1k-webgpu.wasm". */
export function libFileName(record: ModelRecord): string {
  return new URL(record.model_lib).pathname.split('/').pop()!;
}

/**
 * A model fetched into the app's models/mlc/<id>/ folder. For a prebuilt id the library keeps its
 * prebuilt file name and the record keeps web-llm's VRAM figure, features and overrides.
 */
export function localModelRecord(
  modelId: string,
  options: { folder?: string; libFile?: string; base?: string } = {},
): ModelRecord {
  const base = options.base ?? pageHref();
  const folder = `${options.folder ?? LOCAL_MLC_FOLDER}${modelId}/`;
  const prebuilt = findRecord(modelId, prebuiltAppConfig);
  const libFile = options.libFile ?? (prebuilt ? libFileName(prebuilt) : `${modelId}-webgpu.wasm`);
  const absoluteFolder = base ? new URL(folder, base).href : folder;
  return {
    ...prebuilt,
    ...customModelRecord(
      { modelId, modelUrl: folder, modelLibUrl: absoluteFolder + libFile },
      base,
    ),
  };
}

/** An app config with extra records; a record replaces a prebuilt one with the same id. */
export function appConfigWith(
  records: ModelRecord[],
  appConfig: AppConfig = prebuiltAppConfig,
): AppConfig {
  const ids = new Set(records.map((r) => r.model_id));
  return {
    ...appConfig,
    model_list: [...appConfig.model_list.filter((r) => !ids.has(r.model_id)), ...records],
  };
}
