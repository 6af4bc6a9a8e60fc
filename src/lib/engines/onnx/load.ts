// Loading an ONNX labeler the way the app does: pick the execution provider, refuse a weight
// format the GPU cannot run before downloading it, fetch the folder (cached), build the engine.
import { GraphFormatError, type ExecutionProvider, type OrtModule } from './causal-lm';
import { OnnxEngine } from './engine';
import {
  loadModelFolder,
  ModelLoadError,
  NEEDS_SHADER_F16,
  type HfModelFiles,
  type LoadOptions,
  type OnnxVariant,
} from './model-files';

export interface LoadLabelerOptions extends LoadOptions {
  ort: OrtModule;
  ep: ExecutionProvider;
  variant: OnnxVariant;
  /** Whether the WebGPU adapter has shader-f16 (see probeWebGPU). */
  shaderF16: boolean;
  reusePrefix?: boolean;
  /** The id recorded with each label (default: idOrUrl); the CLI keeps the folder as typed. */
  modelId?: string;
  /** Sees the downloaded files (the worker sends the tokenizer on to the page). */
  onFiles?: (files: HfModelFiles) => void;
}

export async function loadOnnxLabeler(
  idOrUrl: string,
  options: LoadLabelerOptions,
): Promise<OnnxEngine> {
  if (options.ep === 'webgpu' && NEEDS_SHADER_F16.has(options.variant) && !options.shaderF16) {
    throw new ModelLoadError(
      'needs-f16',
      `The ${options.variant} weights need the shader-f16 GPU feature, which this adapter lacks. ` +
        'Choose the fp32 or q8 variant of this model, or run it on WASM.',
    );
  }
  const files = await loadModelFolder(idOrUrl, options.variant, options);
  options.onFiles?.(files);
  try {
    return await OnnxEngine.create({ ...options, modelId: options.modelId ?? idOrUrl, files });
  } catch (error) {
    if (error instanceof GraphFormatError) throw new ModelLoadError('unsupported', error.message);
    const why = error instanceof Error ? error.message : String(error);
    throw new ModelLoadError(
      'corrupt',
      `onnxruntime-web could not open ${files.folder}onnx/ (${why}). The file may be truncated or ` +
        'use operators this runtime lacks; try downloading again, or another variant.',
    );
  }
}
