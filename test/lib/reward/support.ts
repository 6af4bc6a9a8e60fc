// The committed tiny encoder, opened the way the app opens a model folder (loadModelFolder over
// an injected fetch reading models/ from disk), on onnxruntime-web's WASM backend in Node.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import type { OrtModule } from '../../../src/lib/engines/onnx/causal-lm';
import { loadSentenceEncoder, type SentenceEncoder } from '../../../src/lib/reward/encoder';
import type { TrainPair } from '../../../src/lib/reward/data';
import { mulberry32 } from '../../../src/lib/rlaif/random';
import { fileFetch } from '../../support/file-fetch';

export const MODELS = join(import.meta.dirname, '../../../models');
export const ENCODER_FOLDER = join(MODELS, 'tiny-encoder');
const BASE = 'http://models.test/';

export function ortWeb(): OrtModule {
  ort.env.wasm.numThreads = 1;
  return ort as unknown as OrtModule;
}

export function openTinyEncoder(options: { cacheCapacity?: number; batchSize?: number } = {}) {
  return loadSentenceEncoder(`${BASE}tiny-encoder/`, {
    ...options,
    ort: ortWeb(),
    ep: 'wasm',
    fetch: fileFetch(BASE, MODELS),
    cache: null,
  });
}

export type { SentenceEncoder };

/** The planted signal words, as config.json documents them. */
export function signalWords(): { positive: string[]; negative: string[] } {
  const config = JSON.parse(readFileSync(join(ENCODER_FOLDER, 'config.json'), 'utf8')) as {
    rlaif_lab: { signal: { positive: string[]; negative: string[] } };
  };
  return config.rlaif_lab.signal;
}

const CONTEXTS = [
  'How do I ask my roommate to stop eating my food?',
  'Summarize the post about bread that never rises.',
  'What is the capital of France?',
  'I got two job offers and I cannot decide.',
  'How many legs does a spider have?',
  'Explain why the sky is blue.',
];

/** Response templates; {} is the signal word. Train and test use disjoint templates. */
export const TRAIN_TEMPLATES = [
  'The answer is {}.',
  'This reply was {} and short.',
  'A {} response about the question.',
  'It gives a {} summary of the post.',
  'Here is a {} explanation.',
  'The assistant was {} here.',
];
export const TEST_TEMPLATES = [
  'Response 2 is {} because it talks about the weather.',
  'My reply: {}.',
  'The summary is {} and mentions the bread.',
];

/**
 * Pairs with a known answer: one response carries a positive signal word, the other a negative
 * one, in a seeded order; the AI soft label gives the positive one p = 0.9.
 */
export function signalPairs(templates: string[], count: number, seed: number): TrainPair[] {
  const { positive, negative } = signalWords();
  const random = mulberry32(seed);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)] as T;
  return Array.from({ length: count }, () => {
    const context = pick(CONTEXTS);
    const good = pick(templates).replace('{}', pick(positive));
    const bad = pick(templates).replace('{}', pick(negative));
    return random() < 0.5
      ? { context, a: good, b: bad, p: 0.9 }
      : { context, a: bad, b: good, p: 0.1 };
  });
}
