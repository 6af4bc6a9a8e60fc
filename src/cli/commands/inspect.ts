// `rlaif-lab inspect`: the exact prompt the labeler scores for one pair, and its tokens, each
// tagged with the cacheable segment it falls in (the Label page's prompt inspector, as text).
import { inspectPrompt, visibleText, type PromptInspection } from '../../lib/rlaif/inspect';
import { promptsFor } from '../../lib/rlaif/labeler';
import { flag, parse, text, UsageError, type Options } from '../args';
import { labelingConfig, PROMPT_HELP, PROMPT_OPTIONS, taskOf } from '../config';
import { loadExemplars, PROBES, readPairs } from '../dataset';
import { loadPromptTools, parseEngineSpec } from '../engine';
import { printer, type Io } from './io';

export const INSPECT_USAGE = `Usage: rlaif-lab inspect <dataset-file | ${PROBES}> --engine onnx:<folder|hub-id> [options]

Prints the exact prompt of each order the labeler scores for one pair, then its tokens: index,
id, segment (bos, dataset = preamble and exemplars, pair = the context, ending) and the text
(spaces as ·, newlines as ↵). Reads only the model's tokenizer files, not its weights.

  --pair <id | n>    the pair: its id, or its 1-based position in the file (default 1)
  --json             print the inspection as JSON instead
  --engine onnx:<folder|hub-id>   the model whose tokenizer and chat template to use

${PROMPT_HELP}`;

const OPTIONS: Options = {
  ...PROMPT_OPTIONS,
  engine: { type: 'string' },
  pair: { type: 'string' },
  json: { type: 'boolean' },
};

function tokenLines(inspection: PromptInspection): string[] {
  let index = 0;
  return inspection.pieces.map((piece) => {
    const line = `${String(index).padStart(5)}  ${piece.ids.join(',').padStart(6)}  ${piece.segment.padEnd(7)} ${visibleText(piece.text)}`;
    index += piece.ids.length;
    return line;
  });
}

export async function inspectCommand(argv: string[], io: Io): Promise<number> {
  const args = parse(argv, OPTIONS, INSPECT_USAGE);
  const out = printer(io.stdout);
  if (flag(args, 'help')) {
    out(INSPECT_USAGE);
    return 0;
  }
  const [datasetName, ...extra] = args.positionals;
  if (!datasetName || extra.length) {
    throw new UsageError('Give exactly one dataset file (or "probes").', INSPECT_USAGE);
  }
  const spec = parseEngineSpec(text(args, 'engine'));
  if (spec.kind === 'server')
    throw new UsageError(
      'inspect reads only the tokenizer and chat template: give --engine onnx:<tokenizer folder>.',
    );
  const pairs = await readPairs(datasetName, { report: printer(io.stderr) });
  const which = text(args, 'pair') ?? '1';
  const pair = pairs.find((p) => p.id === which) ?? pairs[Number(which) - 1];
  if (!pair) {
    throw new UsageError(
      `No pair "${which}" in ${datasetName} (${pairs.length} pairs; give an id or 1..${pairs.length}).`,
    );
  }
  const task = taskOf(args, pair.task);
  const config = labelingConfig(args, task);
  const tools = await loadPromptTools(spec);
  const prompts = promptsFor(config, loadExemplars()[task] ?? [], pair, tools);
  const orders = ['stored', 'swapped'].slice(0, prompts.length);
  const inspections = prompts.map((p) => inspectPrompt(p, tools.tokenizer));
  if (flag(args, 'json')) {
    out(
      JSON.stringify(
        { pairId: pair.id, orders: Object.fromEntries(orders.map((o, i) => [o, inspections[i]])) },
        null,
        2,
      ),
    );
    return 0;
  }
  inspections.forEach((inspection, i) => {
    const c = inspection.counts;
    out(
      `=== Pair ${pair.id}, ${orders[i]} order: ${inspection.total} tokens (bos ${c.bos}, dataset ${c.dataset}, pair ${c.pair}, ending ${c.ending}) ===`,
    );
    out(inspection.text);
    out('--- tokens (index, id, segment, text) ---');
    for (const line of tokenLines(inspection)) out(line);
    if (inspection.straddling)
      out(`(${inspection.straddling} token(s) straddle a segment boundary)`);
    out();
  });
  return 0;
}
