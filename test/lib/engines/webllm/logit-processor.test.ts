import { describe, expect, it } from 'vitest';
import {
  CaptureClient,
  CaptureProcessor,
  EveryModelRegistry,
  fullVocabScores,
  reportDeviceLost,
  serveSideChannel,
  watchDeviceLoss,
  type AdapterClass,
} from '../../../../src/lib/engines/webllm/logit-processor';

// How web-llm drives a processor (lib/index.js): resetChat() calls resetState() as each completion
// starts (preparePrefillInput), then sampleFromRawLogits() calls processLogits() on the prefill
// and on every decode step.
describe('capturing the raw logits in the worker', () => {
  it('keeps a copy of the prefill logits of the first completion that starts after arm()', () => {
    const p = new CaptureProcessor();
    const prefill = new Float32Array([1, 2, 3]);
    expect(p.processLogits(prefill)).toBe(prefill); // passed through untouched
    p.arm();
    p.processLogits(new Float32Array([7, 7, 7])); // a decode step of a stream still running
    p.resetState(); // the page's own completion starts
    p.processLogits(prefill);
    p.processLogits(new Float32Array([9, 9, 9])); // its later positions are not kept
    prefill[0] = 42; // web-llm reuses its buffer: the capture must be a copy
    const capture = p.take();
    expect(Array.from(capture.logits!)).toEqual([1, 2, 3]);
    expect(capture.completions).toBe(1);
    expect(p.take()).toEqual({ logits: null, completions: 0 });
  });

  it('counts the completions between arm() and take(), so a foreign capture is detected', () => {
    const p = new CaptureProcessor();
    p.arm();
    p.resetState();
    p.processLogits(new Float32Array([1]));
    p.resetState(); // another request ran too
    p.processLogits(new Float32Array([2]));
    expect(p.take().completions).toBe(2);
    p.resetState(); // not armed: nothing counted
    expect(p.take().completions).toBe(0);
  });

  it('answers every model id with the one processor (the worker does not know the id)', () => {
    const p = new CaptureProcessor();
    const registry = new EveryModelRegistry(p);
    expect(registry.has('any-model')).toBe(true);
    expect(registry.get('other')).toBe(p);
  });

  it('hands captured logits and a lost device to the page over a MessageChannel', async () => {
    const channel = new MessageChannel();
    const processor = serveSideChannel(channel.port2, true)!;
    const lost: string[] = [];
    const client = new CaptureClient(channel.port1, (m) => lost.push(m));
    await client.arm();
    processor.resetState();
    processor.processLogits(new Float32Array([0.5, -1])); // what web-llm does during the pass
    const { logits, completions } = await client.take();
    expect(logits).toBeInstanceOf(Float32Array);
    expect(Array.from(logits!)).toEqual([0.5, -1]);
    expect(completions).toBe(1);
    reportDeviceLost(channel.port2, 'GPU connection lost');
    await expect.poll(() => lost).toEqual(['GPU connection lost']);
    expect(serveSideChannel(new MessageChannel().port2, false)).toBeNull();
    client.close();
    channel.port2.close();
  });
});

describe('watching for a lost GPU device in the worker', () => {
  function adapterClass() {
    const losses: ((info: { reason: string; message: string }) => void)[] = [];
    const adapter = {
      prototype: {
        requestDevice: async () =>
          ({ lost: new Promise((ok) => losses.push(ok)) }) as unknown as GPUDevice,
      },
    } satisfies AdapterClass;
    return {
      adapter,
      lose: (reason: string, message: string) => losses.at(-1)!({ reason, message }),
    };
  }

  it('reports a device lost to an error, not one web-llm destroyed itself', async () => {
    const { adapter, lose } = adapterClass();
    const seen: string[] = [];
    watchDeviceLoss(adapter, (m) => seen.push(m));
    await adapter.prototype.requestDevice.call({} as GPUAdapter);
    lose('destroyed', '');
    await adapter.prototype.requestDevice.call({} as GPUAdapter);
    lose('unknown', 'out of memory');
    await expect.poll(() => seen).toEqual(['out of memory']);
  });
});

describe('full-vocabulary scores', () => {
  it('are an exact log-softmax read at the ids, with the other mass', () => {
    const s = fullVocabScores(new Float32Array([Math.log(3), 0, -Infinity]), [0, 1]);
    expect(s.logprobs[0]).toBeCloseTo(Math.log(0.75), 6); // log(3) rounded to float32
    expect(s.otherMass).toBeCloseTo(0, 12);
  });

  it('refuse NaN logits (fp16 builds have produced them on WebGPU)', () => {
    expect(() => fullVocabScores(new Float32Array([0, NaN]), [0])).toThrow(/NaN logits/);
  });
});
