// The float64 reference loaded from a model folder on disk (Node tests).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { referenceFromBytes, type LlamaReference } from './llama-reference';

export function loadLlamaReference(folder: string): LlamaReference {
  return referenceFromBytes(
    readFileSync(join(folder, 'config.json'), 'utf8'),
    readFileSync(join(folder, 'onnx', 'model.onnx')),
  );
}
