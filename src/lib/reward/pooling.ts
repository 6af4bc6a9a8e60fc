// How a sentence encoder turns last_hidden_state into one vector, as its sentence-transformers
// config says: `modules.json` lists the modules (Transformer, Pooling, optionally Normalize) and
// `1_Pooling/config.json` names the pooling mode (mean for all-MiniLM-L6-v2, CLS for BGE).
// Folders without these files (many transformers.js copies) get mean pooling and L2 unit length,
// what transformers.js users pass as { pooling: 'mean', normalize: true }.
import {
  fetchModelFile,
  folderUrl,
  ModelLoadError,
  type LoadOptions,
} from '../engines/onnx/model-files';

/** Mean over the real tokens, or the first token's ([CLS]) hidden state. */
export type Pooling = 'mean' | 'cls';
/** 'l2': scaled to unit length (sentence-transformers' Normalize module); 'none': as pooled. */
export type Normalization = 'l2' | 'none';

export interface PoolingSpec {
  pooling: Pooling;
  normalize: Normalization;
}

export const DEFAULT_POOLING: PoolingSpec = { pooling: 'mean', normalize: 'l2' };

const MODULES_FILE = 'modules.json';
const POOLING_TYPE = 'sentence_transformers.models.Pooling';
const NORMALIZE_TYPE = 'sentence_transformers.models.Normalize';

/** The sentence-transformers modules of a folder: where Pooling lives, whether Normalize runs. */
export function parseModules(json: unknown): { poolingPath: string | null; normalize: boolean } {
  if (!Array.isArray(json)) {
    throw new ModelLoadError('corrupt', `${MODULES_FILE} is not a list of modules.`);
  }
  const modules = json.filter((m): m is Record<string, unknown> => typeof m === 'object' && !!m);
  const pooling = modules.find((m) => m.type === POOLING_TYPE);
  return {
    poolingPath: pooling && typeof pooling.path === 'string' ? pooling.path : null,
    normalize: modules.some((m) => m.type === NORMALIZE_TYPE),
  };
}

/** Pooling modes this app cannot compute, as sentence-transformers spells their flags. */
const OTHER_MODES = [
  'pooling_mode_max_tokens',
  'pooling_mode_mean_sqrt_len_tokens',
  'pooling_mode_weightedmean_tokens',
  'pooling_mode_lasttoken',
] as const;

/** The one mode a 1_Pooling/config.json turns on; anything but mean or CLS is refused. */
export function parsePoolingConfig(json: unknown, file = '1_Pooling/config.json'): Pooling {
  const config = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
  const on = (key: string) => config[key] === true;
  const others = OTHER_MODES.filter(on);
  const modes = [
    ...(on('pooling_mode_mean_tokens') ? (['mean'] as const) : []),
    ...(on('pooling_mode_cls_token') ? (['cls'] as const) : []),
  ];
  if (others.length || modes.length !== 1) {
    const named = [...modes, ...others].join(', ') || 'no mode';
    throw new ModelLoadError(
      'unsupported',
      `${file} asks for ${named}; the reward model pools with exactly one of mean or CLS. ` +
        'Pick an encoder that uses one of them (e.g. all-MiniLM-L6-v2 or bge-small-en-v1.5).',
    );
  }
  return modes[0] as Pooling;
}

/** Fetch an optional JSON file of a folder: null when the folder has none. */
async function optionalJson(folder: string, file: string, options: LoadOptions): Promise<unknown> {
  let bytes: Uint8Array;
  try {
    bytes = await fetchModelFile(folder + file, file, options);
  } catch (error) {
    if (error instanceof ModelLoadError && error.kind === 'not-found') return null;
    throw error;
  }
  const text = new TextDecoder().decode(bytes);
  // A static host may answer a missing file with its index page: that is "no such file".
  if (/^\s*</.test(text)) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ModelLoadError('corrupt', `${file} in ${folder} is not JSON.`, folder + file);
  }
}

/** The pooling a model folder names (Hub id or URL), read from its sentence-transformers files. */
export async function loadPoolingSpec(
  idOrUrl: string,
  options: LoadOptions = {},
): Promise<PoolingSpec> {
  const folder = folderUrl(idOrUrl);
  const modulesJson = await optionalJson(folder, MODULES_FILE, options);
  const modules = modulesJson === null ? null : parseModules(modulesJson);
  const path = `${modules?.poolingPath ?? '1_Pooling'}/config.json`.replace(/^\/+/, '');
  const poolingJson = await optionalJson(folder, path, options);
  return {
    pooling: poolingJson === null ? 'mean' : parsePoolingConfig(poolingJson, path),
    // Without modules.json nothing says; unit length is what the app always used.
    normalize: modules === null || modules.normalize ? 'l2' : 'none',
  };
}

/**
 * Row b of last_hidden_state [batch, seq, dim] pooled over its first `length` (real) positions,
 * then scaled to unit L2 norm when asked (floored like torch.nn.functional.normalize, so a zero
 * vector stays zero). Sums in float64.
 */
export function poolRow(
  hidden: Float32Array,
  b: number,
  seq: number,
  dim: number,
  length: number,
  spec: PoolingSpec,
): Float32Array {
  const sum = new Float64Array(dim);
  const rows = spec.pooling === 'cls' ? 1 : length;
  for (let t = 0; t < rows; t++) {
    const at = (b * seq + t) * dim;
    for (let k = 0; k < dim; k++) sum[k] = (sum[k] ?? 0) + (hidden[at + k] ?? 0);
  }
  let norm = 0;
  for (let k = 0; k < dim; k++) norm += ((sum[k] ?? 0) / rows) ** 2;
  const unit = spec.normalize === 'l2' ? Math.max(Math.sqrt(norm), 1e-12) : 1;
  const scale = 1 / (rows * unit);
  return Float32Array.from(sum, (s) => s * scale);
}
