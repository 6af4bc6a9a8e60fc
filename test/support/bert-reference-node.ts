// The BERT oracle loaded from a model folder, for Node tests. Kept apart from bert-reference.ts
// so that the browser bundle never sees node:fs.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { referenceFromBytes, type BertReference } from './bert-reference.ts';

export function loadBertReference(folder: string): BertReference {
  return referenceFromBytes(
    readFileSync(join(folder, 'config.json'), 'utf8'),
    readFileSync(join(folder, 'onnx', 'model.onnx')),
  );
}
