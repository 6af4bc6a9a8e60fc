// Reading the labels JSONL back (the file exportLabelsJsonl writes, and the CLI's --out): one
// PairLabel per line, a bad line reported by number like a dataset's. The inverse of the export:
// exportLabelsJsonl(parseLabelsJsonl(text).labels) === text for any file the export wrote.
import type { LineError, OrderScore, PairLabel, SoftLabel } from '../types';
import { asRecord, kindOf, parseJson, RecordError, reject, shown, type JsonObject } from './fields';

export interface LabelsParseResult {
  labels: PairLabel[];
  errors: LineError[];
}

function text(record: JsonObject, key: string): string {
  const value = record[key];
  if (typeof value !== 'string' || value === '') reject(`"${key}" must be a non-empty string`);
  return value;
}

function probability(value: unknown, path: string): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    reject(`"${path}" must be a probability in [0, 1], got ${shown(value)}`);
  }
  return value;
}

function soft(value: unknown, path: string): SoftLabel {
  if (!Array.isArray(value) || value.length !== 2) reject(`"${path}" must be [p0, p1]`);
  return [probability(value[0], `${path}[0]`), probability(value[1], `${path}[1]`)];
}

function orderScore(value: unknown, path: string): OrderScore {
  const record = asRecord(value);
  const { logprobs, otherMass } = record;
  const finite = (v: unknown) => typeof v === 'number' || v === null; // JSON writes -Infinity as null
  if (!Array.isArray(logprobs) || logprobs.length !== 2 || !logprobs.every(finite)) {
    reject(`"${path}.logprobs" must be two numbers`);
  }
  return {
    ...(record as unknown as OrderScore),
    logprobs: logprobs.map((v: number | null) => v ?? -Infinity) as [number, number],
    probs: soft(record.probs, `${path}.probs`),
    otherMass: probability(otherMass, `${path}.otherMass`),
  };
}

/** The optional fields of a label, checked. */
function extras(
  record: JsonObject,
): Pick<PairLabel, 'samePosition' | 'preferredSlot' | 'rationales'> {
  const { samePosition, preferredSlot, rationales } = record;
  if (samePosition !== undefined && typeof samePosition !== 'boolean') {
    reject(`"samePosition" must be true or false, got ${kindOf(samePosition)}`);
  }
  if (preferredSlot !== undefined && preferredSlot !== 'first' && preferredSlot !== 'second') {
    reject(`"preferredSlot" must be "first" or "second", got ${shown(preferredSlot)}`);
  }
  return {
    ...(samePosition === undefined ? {} : { samePosition }),
    ...(preferredSlot === undefined ? {} : { preferredSlot }),
    ...(rationales === undefined ? {} : { rationales: rationales as PairLabel['rationales'] }),
  };
}

/** One record of the labels JSONL to a PairLabel, or the reason it is unusable. */
export function parseLabelRecord(value: unknown): PairLabel | string {
  try {
    const record = asRecord(value);
    const pairId = text(record, 'pairId');
    const label: SoftLabel = [probability(record.pA, 'pA'), probability(record.pB, 'pB')];
    const orders = asRecord(record.orders);
    const perOrder = asRecord(record.perOrder);
    return {
      pairId,
      label,
      orders: {
        stored: orderScore(orders.stored, 'orders.stored'),
        ...(orders.swapped === undefined
          ? {}
          : { swapped: orderScore(orders.swapped, 'orders.swapped') }),
      },
      perOrder: {
        stored: soft(perOrder.stored, 'perOrder.stored'),
        ...(perOrder.swapped === undefined
          ? {}
          : { swapped: soft(perOrder.swapped, 'perOrder.swapped') }),
      },
      ...extras(record),
      modelId: text(record, 'modelId'),
      configHash: text(record, 'configHash'),
    };
  } catch (error) {
    if (error instanceof RecordError) return error.message;
    throw error;
  }
}

/** Every label of a labels JSONL and every bad line (1-based); blank lines are skipped. */
export function parseLabelsJsonl(content: string): LabelsParseResult {
  const result: LabelsParseResult = { labels: [], errors: [] };
  content.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') return;
    const json = parseJson(line);
    const parsed = 'reason' in json ? json.reason : parseLabelRecord(json.value);
    if (typeof parsed === 'string') result.errors.push({ line: i + 1, reason: parsed });
    else result.labels.push(parsed);
  });
  return result;
}

/** What importing a labels JSONL into a run keeps, and what it leaves out and why. */
export interface LabelsImport {
  /** The run's labels in the file, the latest per pair, in file order. */
  accepted: PairLabel[];
  /** Labels made under another prompt configuration: they would mix two experiments. */
  otherConfig: number;
  /** Labels of pairs the run does not have. */
  unknownPair: number;
  errors: LineError[];
}

/** The labels of a labels JSONL (the app's export, or the CLI's --out) that belong to a run. */
export function labelsForRun(
  content: string,
  run: { pairIds: Iterable<string>; configHash: string },
): LabelsImport {
  const { labels, errors } = parseLabelsJsonl(content);
  const pairIds = new Set(run.pairIds);
  const latest = new Map<string, PairLabel>();
  let otherConfig = 0;
  let unknownPair = 0;
  for (const label of labels) {
    if (label.configHash !== run.configHash) otherConfig++;
    else if (!pairIds.has(label.pairId)) unknownPair++;
    else {
      latest.delete(label.pairId);
      latest.set(label.pairId, label);
    }
  }
  return { accepted: [...latest.values()], otherConfig, unknownPair, errors };
}

/** `incoming` replacing the labels of the same pairs in `existing`, appended in their order. */
export function mergeLabels(existing: readonly PairLabel[], incoming: readonly PairLabel[]) {
  const replaced = new Set(incoming.map((l) => l.pairId));
  return [...existing.filter((l) => !replaced.has(l.pairId)), ...incoming];
}
