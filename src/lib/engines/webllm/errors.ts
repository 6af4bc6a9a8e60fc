// web-llm failures as typed errors that say what to do. Errors raised inside web-llm's worker
// reach the page as strings ("DeviceLostError: The WebGPU device was lost…", from err.toString()),
// not Error objects, so matching goes by error name and by the message texts of web-llm 0.2.86
// (see WebGPUNotAvailableError, ShaderF16SupportError, DeviceLostError… in its lib/index.js).

export type WebLlmErrorKind =
  | 'no-webgpu'
  | 'needs-f16'
  | 'unsupported'
  | 'out-of-memory'
  | 'quota'
  | 'network'
  | 'model-not-found'
  | 'context-too-long'
  | 'corrupt'
  | 'worker-crashed'
  | 'model-lost'
  | 'capture-failed'
  | 'bad-logits'
  | 'unknown';

export type Phase = 'load' | 'label';

export class WebLlmError extends Error {
  constructor(
    readonly kind: WebLlmErrorKind,
    message: string,
    /** web-llm's own text, for a details view. */
    readonly detail: string,
  ) {
    super(message);
    this.name = 'WebLlmError';
  }
}

/** The error's text as web-llm or the browser gave it, "Name: message" where there is a name. */
export function errorText(error: unknown): string {
  if (typeof error === 'string') return error;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  if (error && typeof error === 'object' && 'message' in error) return String(error.message);
  return String(error);
}

const KEPT = 'Labels made so far are kept.';

interface Rule {
  kind: WebLlmErrorKind;
  test: RegExp;
  message: (phase: Phase) => string;
}

// First match wins: the more specific rules come first.
const RULES: Rule[] = [
  {
    kind: 'needs-f16',
    // The last two are WGSL compile errors of f16 builds whose record lacks required_features.
    test: /ShaderF16SupportError|shader-f16|enable f16|'f16' .*not (allowed|enabled)/i,
    message: () =>
      'This model is an f16 build and this GPU adapter has no shader-f16 feature. Pick the q4f32 ' +
      'or q0f32 build of the model (the model list does this for you), or use a browser/GPU ' +
      'that offers shader-f16.',
  },
  {
    kind: 'no-webgpu',
    test: /WebGPUNotAvailableError|WebGPUNotFoundError|WebGPU is not supported|Cannot find WebGPU|Unable to find a compatible GPU/i,
    message: () =>
      'WebGPU is not available in this browser, and web-llm models need it. Use a recent ' +
      'Chrome or Edge (or enable WebGPU), or switch to an ONNX model, which also runs on the CPU.',
  },
  {
    kind: 'unsupported',
    test: /FeatureSupportError|exceeds limit/,
    message: () =>
      'This model needs a WebGPU feature this browser does not offer. Pick another model.',
  },
  {
    kind: 'out-of-memory',
    test: /DeviceLostError|device (was )?lost|out of memory|\bOOM\b|GPUOutOfMemoryError|Array buffer allocation failed/i,
    message: (phase) =>
      (phase === 'load'
        ? 'The GPU ran out of memory (or lost its device) while loading the model. '
        : `The GPU ran out of memory (or lost its device) while labeling. ${KEPT} `) +
      'Pick a smaller model (fewer parameters, or a 4-bit build), close other GPU-heavy tabs, ' +
      'then load it again.',
  },
  {
    kind: 'model-lost',
    // web-llm unloads the model on device.lost (MLCEngine.reload), then every call throws this;
    // the second is its worker front end's own check.
    test: /ModelNotLoadedError|Model not loaded before|is not loaded with a model/,
    message: () =>
      `web-llm no longer holds the model (its GPU device was lost, often from running out of ` +
      `memory). ${KEPT} Reload the model; if it happens again, pick a smaller model.`,
  },
  {
    kind: 'quota',
    test: /QuotaExceededError|quota/i,
    message: () =>
      'The browser storage is full, so the model could not be cached. Delete cached models you ' +
      'no longer need (or free disk space), then load again.',
  },
  {
    kind: 'model-not-found',
    test: /ModelNotFoundError|Cannot find model record|MissingModelError|Missing `model_lib`/,
    message: () =>
      'web-llm does not know this model id, or its record has no model library. Check the id, or ' +
      'give the model URL, library URL and id of a self-hosted model.',
  },
  {
    kind: 'model-not-found',
    // web-llm's Cache backend stores files with cache.add(), which rejects on any non-2xx answer.
    test: /Failed to execute 'add' on 'Cache'/,
    message: (phase) =>
      (phase === 'load' ? '' : `${KEPT} `) +
      'A model file was not found where the model record points (the host answered with an ' +
      'error, e.g. 404). Check the model URL and that the folder holds every file of the build.',
  },
  {
    kind: 'context-too-long',
    test: /ContextWindowSizeExceededError|exceed context window/i,
    message: () =>
      "The prompt is longer than the model's context window. Use fewer exemplars or shorter " +
      'texts, or a build with a longer context (not a "-1k" one).',
  },
  {
    kind: 'corrupt',
    test: /IntegrityError|Unexpected token .* JSON|is not valid JSON/i,
    message: () =>
      'A model file is damaged or not what was expected (an HTML page instead of JSON, or a ' +
      'failed integrity check). Delete the cached model and load it again.',
  },
  {
    kind: 'network',
    test: /Failed to fetch|NetworkError|Load failed|Cannot fetch|Network response was not ok|network/i,
    message: (phase) =>
      (phase === 'load'
        ? 'The download stopped: the network is down or the model host is unreachable. '
        : `A download failed while labeling. ${KEPT} `) +
      'Check the connection and load again: files already cached are not downloaded twice.',
  },
];

/** Turn whatever web-llm threw (an Error, a string from its worker) into a WebLlmError. */
export function mapWebLlmError(error: unknown, phase: Phase): WebLlmError {
  if (error instanceof WebLlmError) return error;
  const text = errorText(error);
  const rule = RULES.find((r) => r.test.test(text));
  if (rule) return new WebLlmError(rule.kind, rule.message(phase), text);
  const what = phase === 'load' ? 'Loading the web-llm model failed' : `Labeling failed. ${KEPT}`;
  return new WebLlmError('unknown', `${what}: ${text}`, text);
}

/** The worker itself died (a crash in the runtime, or the browser killed it for memory). */
export function workerCrashed(detail: string): WebLlmError {
  return new WebLlmError(
    'worker-crashed',
    `The web-llm worker stopped (${detail}). ${KEPT} Load the model again to continue, or pick a ` +
      'smaller model if it ran out of memory.',
    detail,
  );
}

/** The worker's logit capture did not belong to the score that asked for it. */
export function captureFailed(completions: number): WebLlmError {
  const detail = `capture after ${completions} completions`;
  return new WebLlmError(
    'capture-failed',
    completions === 0
      ? `The worker captured no logits for this score (web-llm did not call the logit processor). ${KEPT} Reload the model and label again.`
      : `The captured logits belong to another request (${completions} ran in between). ${KEPT} Label again.`,
    detail,
  );
}

/** Something the user should know about a loaded model that does not stop it working. */
export interface WebLlmNotice {
  kind: 'tokenizer-mismatch';
  /** Prompt tokens web-llm counted (usage.prompt_tokens) and the app's tokenizer counted. */
  webLlm: number;
  app: number;
  message: string;
}

/** web-llm tokenizes with its own copy of the tokenizer; a different count means they differ. */
export function tokenizerMismatch(webLlm: number, app: number): WebLlmNotice {
  return {
    kind: 'tokenizer-mismatch',
    webLlm,
    app,
    message:
      `web-llm read the first prompt as ${webLlm} tokens, the app's tokenizer as ${app}: the ` +
      "model's tokenizer.json may not match its web-llm build, so the answer tokens the app " +
      'looks up may not be the ones the model sees. Check the files in the model folder.',
  };
}
