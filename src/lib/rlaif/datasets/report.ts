// The parse report as text: what the Dataset page's report says (DatasetReport.svelte), for the
// CLI's stderr. Every bad line with its number and reason; long reports stop after `shown` lines.
import type { LineError } from '../types';

const EXCERPT = 300;

function excerpt(reason: string): string {
  return reason.length > EXCERPT ? `${reason.slice(0, EXCERPT)}…` : reason;
}

export function parseReportLines(
  errors: readonly LineError[],
  kept: number,
  { unit = 'line', shown = 100 }: { unit?: string; shown?: number } = {},
): string[] {
  if (errors.length === 0) return [`Read ${kept} pairs; no bad ${unit}s.`];
  const plural = errors.length === 1 ? '' : 's';
  return [
    `Read ${kept} pairs; ${errors.length} bad ${unit}${plural} skipped (the good pairs are kept):`,
    ...errors.slice(0, shown).map((e) => `  ${unit} ${e.line}: ${excerpt(e.reason)}`),
    ...(errors.length > shown ? [`  …and ${errors.length - shown} more.`] : []),
  ];
}
