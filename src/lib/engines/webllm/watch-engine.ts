// A web-llm model can die under the app: the GPU device is lost (often out of memory) or the
// worker crashes. Such an engine never answers again, so the app must drop it and say "reload"
// rather than keep showing it as loaded. This wrapper reports that once; other errors (a prompt
// too long, a cancelled label) pass through and the model stays usable.
import type { LabelerEngine } from '../../rlaif/engine';
import { WebLlmError } from './errors';

/** The errors after which the engine is gone for good. */
export function isModelLost(error: unknown): error is WebLlmError {
  return (
    error instanceof WebLlmError &&
    (error.kind === 'out-of-memory' ||
      error.kind === 'worker-crashed' ||
      error.kind === 'model-lost')
  );
}

/** Engines that can say when their worker dies (WebLlmEngine does). */
export interface CrashReporting {
  onCrash?(listener: (error: WebLlmError) => void): void;
}

/** The engine, reporting through onLost (once) when it is lost, whether in a call or idle. */
export function watchForLoss(
  engine: LabelerEngine & CrashReporting,
  onLost: (error: WebLlmError) => void,
): LabelerEngine {
  let lost = false;
  const report = (error: unknown) => {
    if (lost || !isModelLost(error)) return;
    lost = true;
    onLost(error);
  };
  engine.onCrash?.(report);
  async function guard<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      report(error);
      throw error;
    }
  }
  return {
    modelId: engine.modelId,
    tokenizer: engine.tokenizer,
    chatTemplate: engine.chatTemplate,
    scoreNextToken: (request) => guard(() => engine.scoreNextToken(request)),
    generate: (request) => guard(() => engine.generate(request)),
    dispose: () => engine.dispose(),
  };
}

/** The model state's message after a loss: what happened, that labels are safe, and what to do. */
export function lostModelMessage(error: WebLlmError): string {
  return `The model stopped and must be reloaded (Reload the model below). ${error.message}`;
}
