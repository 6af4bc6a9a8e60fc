// `npm run models:fetch -- <owner/name> [--variant q4,q4f16] [--name <dir>]`: copy a Hugging Face
// transformers.js-format folder (configs, tokenizer files, the chosen variants' graphs and data
// chunks) into models/<dir>/, so the app serves it with no network. It is loaded in the picker as
// "Hugging Face ONNX model" with the folder ./models/<dir>/.
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebStream } from 'node:stream/web';
import type { OnnxVariant } from '../../src/lib/engines/onnx/model-files.ts';
import {
  filesFromHubInfo,
  formatBytes,
  hubApiUrl,
  recommendVariant,
  variantsFromFiles,
  type FolderFile,
  type VariantInfo,
} from '../../src/lib/engines/onnx/variants.ts';

export class FetchOnnxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FetchOnnxError';
  }
}

/** The folder's own files: configs and tokenizer. The first and third are required. */
const FOLDER_FILES = [
  'config.json',
  'generation_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
];
const REQUIRED = new Set(['config.json', 'tokenizer.json']);
/** Folders under models/ that the project owns: never overwritten by a fetch. */
const RESERVED = new Set(['mlc', 'tiny-llama', 'tiny-encoder']);

export interface FetchOnnxOptions {
  /** Variants to copy; by default the one recommended for WebGPU without shader-f16. */
  variants?: OnnxVariant[];
  /** Folder name under root; by default the repo's name. */
  name?: string;
  /** The Hub's address (a test points it at a local server). */
  hubBase?: string;
  root?: string;
  fetch?: typeof fetch;
  log?: (line: string) => void;
}

/** The variants to copy: those asked for (each must exist), else the portable recommendation. */
export function chooseVariants(available: VariantInfo[], asked?: OnnxVariant[]): VariantInfo[] {
  const names = available.map((v) => v.variant).join(', ') || 'none';
  if (!asked?.length) {
    // Runs on any WebGPU adapter and on WASM; a q4f16-only repo gets its q4f16.
    const pick =
      recommendVariant(available, { ep: 'webgpu', shaderF16: false }) ??
      recommendVariant(available, { ep: 'webgpu', shaderF16: true });
    if (!pick)
      throw new FetchOnnxError(`The repo has no onnx/model*.onnx variant (found: ${names}).`);
    return available.filter((v) => v.variant === pick.variant);
  }
  return asked.map((variant) => {
    const found = available.find((v) => v.variant === variant);
    if (!found) throw new FetchOnnxError(`The repo has no ${variant} variant; it has: ${names}.`);
    return found;
  });
}

type Fetch = typeof fetch;

async function get(fetchFn: Fetch, url: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetchFn(url);
  } catch (error) {
    throw new FetchOnnxError(
      `Cannot reach ${new URL(url).host} (${error instanceof Error ? error.message : String(error)}). ` +
        'This command needs the network: run it on a machine that is online, then copy the ' +
        'models/<name>/ folder to this one.',
    );
  }
  if (response.status === 401 || response.status === 404) {
    throw new FetchOnnxError(
      `${url} was not found (HTTP ${response.status}); gated repos are not supported.`,
    );
  }
  if (!response.ok) throw new FetchOnnxError(`HTTP ${response.status} for ${url}`);
  return response;
}

/** Stream one file to disk through a .part file, so an interrupted copy never looks complete. */
async function saveFile(fetchFn: Fetch, url: string, path: string, expected: number | null) {
  const response = await get(fetchFn, url);
  await mkdir(dirname(path), { recursive: true });
  const part = `${path}.part`;
  const body = response.body
    ? Readable.fromWeb(response.body as WebStream<Uint8Array>)
    : Readable.from([]);
  await pipeline(body, createWriteStream(part));
  const { size } = await stat(part);
  if (expected !== null && size !== expected) {
    throw new FetchOnnxError(`${url} gave ${size} bytes, the Hub lists ${expected}; run it again.`);
  }
  await rename(part, path);
  return size;
}

/** Already there with the listed size: a rerun skips it. */
async function present(path: string, expected: number | null): Promise<boolean> {
  if (!existsSync(path)) return false;
  return expected === null || (await stat(path)).size === expected;
}

/** Copy the folder into root/<name>/; returns the folder and the files in it. */
export async function fetchOnnxModel(id: string, options: FetchOnnxOptions = {}) {
  const fetchFn = options.fetch ?? fetch;
  const log = options.log ?? console.log;
  const hub = (options.hubBase ?? 'https://huggingface.co').replace(/\/$/, '');
  if (!/^[\w.-]+\/[\w.-]+$/.test(id)) {
    throw new FetchOnnxError(`"${id}" is not a Hub model id (owner/name).`);
  }
  const name = options.name ?? id.split('/')[1]!;
  if (RESERVED.has(name) || !/^[\w.-]+$/.test(name)) {
    throw new FetchOnnxError(
      `models/${name}/ is not a usable folder name; pick another with --name.`,
    );
  }
  const listed = filesFromHubInfo(await (await get(fetchFn, hubApiUrl(id, hub))).json(), id);
  const chosen = chooseVariants(variantsFromFiles(listed), options.variants);
  const byPath = new Map(listed.map((f) => [f.path, f]));
  for (const file of REQUIRED) {
    if (!byPath.has(file)) throw new FetchOnnxError(`${id} has no ${file}: not a model folder.`);
  }
  const files: FolderFile[] = [
    ...FOLDER_FILES.flatMap((f) => byPath.get(f) ?? []),
    ...chosen.flatMap((v) => v.files),
  ];
  const outDir = join(options.root ?? 'models', name);
  await mkdir(outDir, { recursive: true });
  // Weights do not belong in git: the folder ignores itself, .gitignore included.
  await writeFile(join(outDir, '.gitignore'), '*\n');
  const total = files.reduce((s, f) => s + (f.bytes ?? 0), 0);
  log(`${id} (${chosen.map((v) => v.variant).join(', ')}, ${formatBytes(total)}) -> ${outDir}`);
  for (const file of files) {
    const path = join(outDir, file.path);
    if (await present(path, file.bytes)) {
      log(`  ${file.path} (already there)`);
      continue;
    }
    const size = await saveFile(
      fetchFn,
      `${hub}/${id}/resolve/main/${file.path}`,
      path,
      file.bytes,
    );
    log(`  ${file.path} (${formatBytes(size)})`);
  }
  return { outDir, files: files.map((f) => f.path), variants: chosen.map((v) => v.variant) };
}
