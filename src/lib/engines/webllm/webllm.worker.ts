// The web-llm worker: web-llm's own handler runs the model. The page first hands over a side
// port: on it the worker reports a lost GPU device (web-llm only unloads the model, and its later
// "ModelNotLoadedError"s reach the page one call at a time), and, when asked, serves the logit
// processor that sees the raw full-vocabulary logits (a GPU-to-CPU copy on every generated token,
// so without it the worker is plain web-llm).
import { WebWorkerMLCEngineHandler } from '@mlc-ai/web-llm';
import {
  EveryModelRegistry,
  reportDeviceLost,
  serveSideChannel,
  SIDE_PORT_MESSAGE,
  watchDeviceLoss,
  type SidePortMessage,
} from './logit-processor';

const handler = new WebWorkerMLCEngineHandler();

function isSidePort(data: unknown): data is SidePortMessage {
  return !!data && typeof data === 'object' && 'kind' in data && data.kind === SIDE_PORT_MESSAGE;
}

self.onmessage = (event: MessageEvent) => {
  if (isSidePort(event.data)) {
    const [port] = event.ports;
    if (!port) return;
    const processor = serveSideChannel(port, event.data.capture);
    if (processor) handler.setLogitProcessorRegistry(new EveryModelRegistry(processor));
    watchDeviceLoss(globalThis.GPUAdapter, (message) => reportDeviceLost(port, message));
    return;
  }
  handler.onmessage(event);
};
