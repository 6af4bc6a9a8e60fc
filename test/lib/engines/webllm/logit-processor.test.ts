import { describe, expect, it } from 'vitest';
import {
  CaptureClient,
  CaptureProcessor,
  EveryModelRegistry,
  serveCapture,
} from '../../../../src/lib/engines/webllm/logit-processor';

describe('capturing the raw logits in the worker', () => {
  it('passes logits through untouched and keeps a copy of the first row after arm()', () => {
    const p = new CaptureProcessor();
    const first = new Float32Array([1, 2, 3]);
    expect(p.processLogits(first)).toBe(first); // nothing captured before arm()
    expect(p.take()).toBeNull();
    p.arm();
    p.processLogits(first);
    p.processLogits(new Float32Array([9, 9, 9])); // later positions are not kept
    first[0] = 42; // web-llm reuses its buffer: the capture must be a copy
    expect(Array.from(p.take()!)).toEqual([1, 2, 3]);
    expect(p.take()).toBeNull();
  });

  it('answers every model id with the one processor (the worker does not know the id)', () => {
    const p = new CaptureProcessor();
    const registry = new EveryModelRegistry(p);
    expect(registry.has('any-model')).toBe(true);
    expect(registry.get('other')).toBe(p);
  });

  it('hands captured logits to the page over a MessageChannel, in order', async () => {
    const channel = new MessageChannel();
    const processor = new CaptureProcessor();
    serveCapture(channel.port2, processor);
    const client = new CaptureClient(channel.port1);
    await client.arm();
    processor.processLogits(new Float32Array([0.5, -1])); // what web-llm does during the pass
    const logits = await client.take();
    expect(logits).toBeInstanceOf(Float32Array);
    expect(Array.from(logits!)).toEqual([0.5, -1]);
    expect(await client.take()).toBeNull();
    client.close();
    channel.port2.close();
  });
});
