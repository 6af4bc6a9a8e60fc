// The picker's variant lookup against a real local HTTP folder: the latest source wins, and a
// folder that cannot be listed becomes an error state that says why.
import { afterEach, describe, expect, it } from 'vitest';
import { listVariants } from '../../src/lib/engines/onnx/variant-probe';
import { VariantLookup } from '../../src/ui/state/onnx-variants.svelte';
import { serveFolder, type HttpFolder } from '../support/http-folder';

let server: HttpFolder | null = null;
afterEach(async () => server?.close());

/** listVariants without a cache (Node has no Cache API). */
const noCache: typeof listVariants = (source, options) =>
  listVariants(source, { ...options, cache: null });

describe('VariantLookup', () => {
  it('keeps only the latest lookup’s answer', async () => {
    server = await serveFolder({
      '/a/onnx/model_q4.onnx': new Uint8Array(4),
      '/b/onnx/model_uint8.onnx': new Uint8Array(8),
    });
    const lookup = new VariantLookup(noCache);
    lookup.lookup(`${server.url}/a/`, 0);
    lookup.lookup(`${server.url}/b/`, 0);
    expect(lookup.state.phase).toBe('listing');
    await expect.poll(() => lookup.state.phase).toBe('listed');
    const state = lookup.state as Extract<typeof lookup.state, { phase: 'listed' }>;
    expect(state.source).toBe(`${server.url}/b/`);
    expect(state.listing.variants.map((v) => [v.variant, v.bytes])).toEqual([['uint8', 8]]);
  });

  it('reports a folder it cannot reach as an error with the reason', async () => {
    const lookup = new VariantLookup(noCache);
    lookup.lookup('http://127.0.0.1:9/nothing/', 0);
    await expect.poll(() => lookup.state.phase).toBe('error');
    expect((lookup.state as { message: string }).message).toMatch(
      /Could not list .*none of its variants is cached/,
    );
    lookup.lookup('  ', 0);
    expect(lookup.state.phase).toBe('idle');
  });
});
