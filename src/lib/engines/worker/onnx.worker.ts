// The engine worker: owns the onnxruntime-web session and its KV caches, so inference never
// blocks the page. One request at a time per kind is the caller's business; cancel is immediate.
import type { OnnxEngine } from '../onnx/engine';
import { loadOnnxLabeler } from '../onnx/load';
import { loadOrt } from '../onnx/runtime';
import { serve } from '../../worker/serve';
import {
  serializeError,
  type LoadedModel,
  type WorkerRequest,
  type WorkerResponse,
} from './protocol';

let engine: OnnxEngine | null = null;
let loadedFiles: Omit<LoadedModel, 'modelId' | 'ep'> | null = null;

const post = (message: WorkerResponse) => self.postMessage(message);

function requireEngine(): OnnxEngine {
  if (!engine) throw new Error('No model is loaded in the worker.');
  return engine;
}

async function handle(message: WorkerRequest, signal: AbortSignal): Promise<unknown> {
  switch (message.kind) {
    case 'load': {
      await engine?.dispose();
      engine = null;
      const ort = await loadOrt();
      const { spec } = message;
      engine = await loadOnnxLabeler(spec.source, {
        ort,
        ...spec,
        signal,
        onProgress: (progress) => post({ id: message.id, kind: 'progress', progress }),
        onWarning: (text) => post({ id: message.id, kind: 'warning', message: text }),
        onFiles: (files) => {
          loadedFiles = {
            tokenizer: files.tokenizer,
            tokenizerConfig: files.tokenizerConfig,
            config: files.config,
          };
        },
      });
      return {
        modelId: spec.source,
        ep: engine.executionProvider,
        ...loadedFiles!,
      } satisfies LoadedModel;
    }
    case 'score':
      return requireEngine().scoreNextToken({ ...message.request, signal });
    case 'generate':
      return requireEngine().generate({
        ...message.request,
        signal,
        onToken: (text) => post({ id: message.id, kind: 'token', text }),
      });
    case 'dispose':
      await engine?.dispose();
      engine = null;
      return null;
    case 'cancel':
      return null; // handled by serve()
  }
}

serve<WorkerRequest, ReturnType<typeof serializeError>>({
  handle,
  serialize: serializeError,
  extra: () => (engine ? { stats: { ...engine.stats } } : {}),
});
