// The engine worker: owns the onnxruntime-web session and its KV caches, so inference never
// blocks the page. One request at a time per kind is the caller's business; cancel is immediate.
import type { OnnxEngine } from '../onnx/engine';
import { loadOnnxLabeler } from '../onnx/load';
import { VARIANT_FILES, type HfModelFiles } from '../onnx/model-files';
import {
  modelReport,
  recordTiming,
  type ModelReport,
  type ModelReportInput,
  type ScoringTiming,
} from '../onnx/report';
import { loadOrt } from '../onnx/runtime';
import { serve } from '../../worker/serve';
import {
  serializeError,
  type LoadedModel,
  type LoadSpec,
  type WorkerRequest,
  type WorkerResponse,
} from './protocol';

let engine: OnnxEngine | null = null;
let loadedFiles: Omit<LoadedModel, 'modelId' | 'ep' | 'report'> | null = null;
/** What the report says of the loaded model that does not change while it runs. */
let facts: Omit<ModelReportInput, 'stats' | 'timings'> | null = null;
let timings: ScoringTiming[] = [];

const post = (message: WorkerResponse) => self.postMessage(message);

function requireEngine(): OnnxEngine {
  if (!engine) throw new Error('No model is loaded in the worker.');
  return engine;
}

/** The graph and its data files, with the sizes actually downloaded. */
function loadedGraphFiles(spec: LoadSpec, files: HfModelFiles) {
  return [
    { path: `onnx/${VARIANT_FILES[spec.variant]}`, bytes: files.onnx.length },
    ...files.externalData.map((d) => ({ path: `onnx/${d.path}`, bytes: d.data.length })),
  ];
}

function report(): ModelReport | null {
  if (!engine || !facts) return null;
  const { prefixHits, reuseFallbacks, lastReuseFallback } = engine.stats;
  const stats = { prefixHits, reuseFallbacks, fallbackReason: lastReuseFallback?.message };
  return modelReport({ ...facts, stats, timings });
}

/** Score, timing the call: the tokens the engine computed for it over its wall time. */
async function timedScore(request: Extract<WorkerRequest, { kind: 'score' }>, signal: AbortSignal) {
  const lm = requireEngine();
  const before = lm.stats.tokensComputed;
  const start = performance.now();
  const scores = await lm.scoreNextToken({ ...request.request, signal });
  const tokens = lm.stats.tokensComputed - before;
  if (tokens > 0) timings = recordTiming(timings, { tokens, ms: performance.now() - start });
  return scores;
}

async function handle(message: WorkerRequest, signal: AbortSignal): Promise<unknown> {
  switch (message.kind) {
    case 'load': {
      await engine?.dispose();
      engine = null;
      facts = null;
      timings = [];
      const ort = await loadOrt();
      const { spec } = message;
      let graphFiles: ModelReportInput['files'] = [];
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
          graphFiles = loadedGraphFiles(spec, files);
        },
      });
      facts = {
        variant: spec.variant,
        ep: engine.executionProvider,
        files: graphFiles,
        graph: engine.graph,
        specialPrefix: engine.tokenizer.specialPrefix,
        reusePrefix: spec.reusePrefix ?? true,
      };
      return {
        modelId: spec.source,
        ep: engine.executionProvider,
        ...loadedFiles!,
        report: report()!,
      } satisfies LoadedModel;
    }
    case 'score':
      return timedScore(message, signal);
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
  extra: () => (engine ? { stats: { ...engine.stats }, report: report() } : {}),
});
