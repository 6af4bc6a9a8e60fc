// The grouping comparison in one warm process: the engine is loaded once and warmed up (so V8 has
// finished compiling onnxruntime's WASM), then whole batches alternate between grouped and file
// order. Per batch: wall and CPU time (CPU is this process's, now ~ the labelling thread alone).
import { loadEngine } from '../../src/cli/engine.ts';
import { readPairs } from '../../src/cli/dataset.ts';
import { runBatch } from '../../src/lib/rlaif/batch.ts';
import { createLabeler, DEFAULT_LABELING } from '../../src/lib/rlaif/labeler.ts';

export interface WarmTimes {
  wallMsPerPair: number[];
  cpuMsPerPair: number[];
}

export async function warmComparison(file: string, model: string, rounds: number) {
  const pairs = await readPairs(file, { report: () => {} });
  const { engine } = await loadEngine(
    { kind: 'onnx', source: model },
    { variant: 'fp32', threads: 1 },
  );
  const labeler = createLabeler(engine, DEFAULT_LABELING, []);
  const batch = async (groupContexts: boolean) => {
    const wall = performance.now();
    const cpu = process.cpuUsage();
    await runBatch({ labeler, pairs, labelled: new Set(), groupContexts, onLabel: () => {} });
    const used = process.cpuUsage(cpu);
    return {
      wall: (performance.now() - wall) / pairs.length,
      cpu: (used.user + used.system) / 1000 / pairs.length,
    };
  };
  await batch(true); // warm-up: JIT tiers, allocator
  const times = { grouped: empty(), plain: empty() };
  for (let r = 0; r < rounds; r++) {
    for (const grouped of r % 2 ? [false, true] : [true, false]) {
      const t = await batch(grouped);
      const into = grouped ? times.grouped : times.plain;
      into.wallMsPerPair.push(t.wall);
      into.cpuMsPerPair.push(t.cpu);
    }
  }
  await engine.dispose();
  return { pairs: pairs.length, ...times };
}

function empty(): WarmTimes {
  return { wallMsPerPair: [], cpuMsPerPair: [] };
}
