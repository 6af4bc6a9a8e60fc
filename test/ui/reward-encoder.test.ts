// The Reward page's encoder picker as data: the variants of the embedded folder (served over real
// HTTP), of a published encoder's Hub listing, the line that explains them, and the status words.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { VariantListing } from '../../src/lib/engines/onnx/variant-probe';
import { filesFromHubInfo, variantsFromFiles } from '../../src/lib/engines/onnx/variants';
import type { StartedEncoder } from '../../src/lib/reward/worker/client';
import type { LookupState } from '../../src/ui/state/onnx-variants.svelte';
import {
  encoderSummary,
  encoderVariantChoice,
  listEncoderVariants,
} from '../../src/ui/state/reward-encoder';
import { EMBEDDED_ENCODER } from '../../src/ui/state/reward.svelte';
import { hubInfo } from '../fixtures/hub-listings';
import { serveFolder, type HttpFolder } from '../support/http-folder';

let server: HttpFolder | null = null;
afterEach(async () => server?.close());

const WASM = { ep: 'wasm', shaderF16: false } as const;
const GPU = { ep: 'webgpu', shaderF16: false } as const;

/** Xenova/all-MiniLM-L6-v2's onnx/ as the Hub lists it (sizes as shared/docs/real-models.md). */
const MINILM = hubInfo('Xenova/all-MiniLM-L6-v2', [
  ['model.onnx', 90.4e6],
  ['model_fp16.onnx', 45.3e6],
  ['model_int8.onnx', 23e6],
  ['model_quantized.onnx', 23e6],
  ['model_uint8.onnx', 23e6],
]);
const listed = (listing: VariantListing): LookupState => ({
  phase: 'listed',
  source: 'Xenova/all-MiniLM-L6-v2',
  listing,
});
const minilm = (cached: VariantListing['cached'] = []): LookupState =>
  listed({
    source: 'hub-api',
    variants: variantsFromFiles(filesFromHubInfo(MINILM, 'Xenova/all-MiniLM-L6-v2')),
    cached,
  });

describe('listEncoderVariants', () => {
  it('finds the embedded encoder’s one fp32 graph with a single HEAD (no 404s to log)', async () => {
    const graph = readFileSync('models/tiny-encoder/onnx/model.onnx');
    server = await serveFolder({ '/models/tiny-encoder/onnx/model.onnx': graph });
    const base = server.url;
    // The app serves models/ beside index.html; here the page's relative URL goes to the server.
    const fetchFromSite: typeof fetch = (url, init) =>
      fetch(`${base}/${String(url).replace(/^\.\//, '')}`, init);
    const listing = await listEncoderVariants(EMBEDDED_ENCODER, {
      fetch: fetchFromSite,
      cache: null,
    });
    expect(listing.variants.map((v) => [v.variant, v.bytes])).toEqual([['fp32', graph.length]]);
    expect(server.requests).toEqual([
      { method: 'HEAD', path: '/models/tiny-encoder/onnx/model.onnx' },
    ]);

    const choice = encoderVariantChoice(listed(listing), WASM);
    expect(choice.options.map((o) => o.variant)).toEqual(['fp32']);
    expect(choice.recommendation?.variant).toBe('fp32');
    expect(choice.note?.text).toBe(
      'Recommended: fp32, the best for an encoder on WASM that this model publishes (no uint8). ' +
        '1 variant, as the folder serves them.',
    );
  });
});

describe('encoderVariantChoice', () => {
  it('recommends uint8 on WASM and fp32 on WebGPU for MiniLM, with sizes and cached marks', () => {
    const wasm = encoderVariantChoice(minilm(['fp32']), WASM);
    expect(wasm.options.map((o) => o.label)).toEqual([
      'fp32 · 90 MB (cached)',
      'fp16 · 45 MB',
      'int8 · 23 MB',
      'uint8 · 23 MB (recommended)',
      'q8 · 23 MB',
    ]);
    expect(wasm.note).toEqual({
      kind: 'info',
      text:
        'Recommended: uint8, on the CPU (WASM) 8-bit weights are 4x smaller and embed faster, ' +
        'for live scoring. 5 variants, as listed by the Hugging Face Hub.',
    });
    const gpu = encoderVariantChoice(minilm(), GPU);
    expect(gpu.recommendation?.variant).toBe('fp32');
    expect(gpu.options.filter((o) => o.disabled).map((o) => o.variant)).toEqual(['fp16']);
    expect(gpu.loadable).toBe(true);
  });

  it('offers every variant unchecked while listing or after a failed lookup, and says so', () => {
    const listing = encoderVariantChoice({ phase: 'listing', source: 'a/b' }, WASM);
    expect(listing.options).toHaveLength(8);
    expect(listing.options.every((o) => o.label.includes('size unknown'))).toBe(true);
    expect(listing.recommendation).toBeNull();
    expect(listing.note?.text).toBe('Checking which weight variants a/b has…');
    const failed = encoderVariantChoice({ phase: 'error', source: 'a/b', message: 'No.' }, WASM);
    expect(failed.loadable).toBe(true);
    expect(failed.note).toEqual({
      kind: 'error',
      text: 'No. Every variant is offered unchecked; a missing one fails with a 404.',
    });
    expect(encoderVariantChoice({ phase: 'idle' }, WASM).note).toBeNull();
  });

  it('refuses a folder with no graph, and one whose every graph needs shader-f16 here', () => {
    const empty = encoderVariantChoice(
      listed({ source: 'folder', variants: [], cached: [] }),
      WASM,
    );
    expect(empty.loadable).toBe(false);
    expect(empty.note?.text).toMatch(/no onnx\/model\*\.onnx/);
    const f16Only = variantsFromFiles([{ path: 'onnx/model_fp16.onnx', bytes: 5 }]);
    const gpu = encoderVariantChoice(
      listed({ source: 'folder', variants: f16Only, cached: [] }),
      GPU,
    );
    expect(gpu.loadable).toBe(false);
    expect(gpu.note).toEqual({
      kind: 'error',
      text: 'Every variant of this encoder needs shader-f16, which this GPU lacks: use WASM.',
    });
    // The same folder on WASM runs (float16 graphs run on the CPU).
    const wasm = encoderVariantChoice(
      listed({ source: 'folder', variants: f16Only, cached: [] }),
      WASM,
    );
    expect(wasm.recommendation?.variant).toBe('fp16');
  });
});

describe('encoderSummary', () => {
  const encoder = (over: Partial<StartedEncoder>): StartedEncoder => ({
    modelId: 'm',
    fingerprint: 'f',
    dim: 384,
    maxLength: 512,
    ep: 'wasm',
    variant: 'uint8',
    ...over,
  });
  it('names the dimension, variant, pooling and normalisation the heads read', () => {
    expect(encoderSummary(encoder({ pooling: 'mean', normalize: 'l2' }))).toBe(
      '384-d, uint8, mean pooling, L2-normalised',
    );
    expect(encoderSummary(encoder({ pooling: 'cls', normalize: 'none', variant: 'fp32' }))).toBe(
      '384-d, fp32, CLS pooling, not normalised',
    );
    // Older manifests without the fields meant mean pooling and unit length.
    expect(encoderSummary(encoder({}))).toBe('384-d, uint8, mean pooling, L2-normalised');
  });
});
