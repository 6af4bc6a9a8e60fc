// The web-llm worker: web-llm's own handler runs the model. When the page hands over a capture
// port (before it loads a model), a logit processor is registered that sees the raw
// full-vocabulary logits and sends them back over that port. Without it the worker is plain web-llm
// (a processor costs a GPU-to-CPU copy of the logits on every generated token).
import { WebWorkerMLCEngineHandler } from '@mlc-ai/web-llm';
import {
  CAPTURE_PORT_MESSAGE,
  CaptureProcessor,
  EveryModelRegistry,
  serveCapture,
} from './logit-processor';

const handler = new WebWorkerMLCEngineHandler();

function isCapturePort(data: unknown): boolean {
  return !!data && typeof data === 'object' && 'kind' in data && data.kind === CAPTURE_PORT_MESSAGE;
}

self.onmessage = (event: MessageEvent) => {
  if (isCapturePort(event.data)) {
    const [port] = event.ports;
    if (!port) return;
    const processor = new CaptureProcessor();
    handler.setLogitProcessorRegistry(new EveryModelRegistry(processor));
    serveCapture(port, processor);
    return;
  }
  handler.onmessage(event);
};
