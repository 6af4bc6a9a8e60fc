// The Reward page's encoder picker as data: which weight variants the chosen folder has (asked
// before downloading, as the labeler's picker asks), the one to preselect for an encoder on this
// adapter and why, and the status line's description of the encoder that loaded.
import { NEEDS_SHADER_F16 } from '../../lib/engines/onnx/model-files';
import {
  recommendVariant,
  VARIANT_ORDER,
  variantOptions,
  type Adapter,
  type Recommendation,
  type VariantInfo,
  type VariantOption,
} from '../../lib/engines/onnx/variants';
import { listVariants } from '../../lib/engines/onnx/variant-probe';
import type { StartedEncoder } from '../../lib/reward/worker/client';
import { LISTING_SOURCE, type LookupState } from './onnx-variants.svelte';
import { EMBEDDED_ENCODER } from './reward.svelte';

/** The embedded encoder's folder as models:build writes it: float32 weights only. */
export const EMBEDDED_ENCODER_VARIANTS = ['fp32'] as const;

/**
 * listVariants for the encoder picker. The embedded folder's layout is known, so only its graph
 * is checked (and sized): probing absent variants would log a 404 per variant on every visit.
 */
export const listEncoderVariants: typeof listVariants = (source, options = {}) =>
  listVariants(
    source,
    source === EMBEDDED_ENCODER ? { ...options, known: EMBEDDED_ENCODER_VARIANTS } : options,
  );

export interface EncoderVariantNote {
  kind: 'info' | 'error';
  text: string;
}

export interface EncoderVariantChoice {
  options: VariantOption[];
  /** Preselected when the listing arrives; null until then or when nothing runs. */
  recommendation: Recommendation | null;
  /** False when the folder is listed and none of its variants can run here. */
  loadable: boolean;
  /** One line under the picker; null while no folder is named. */
  note: EncoderVariantNote | null;
}

/** While the folder is not (or cannot be) listed: every variant, sizes unknown. */
const UNCHECKED: VariantInfo[] = VARIANT_ORDER.map((variant) => ({
  variant,
  files: [],
  bytes: null,
  needsF16: NEEDS_SHADER_F16.has(variant),
}));

/** The variant picker's entries and the line that explains them, for a lookup's state. */
export function encoderVariantChoice(state: LookupState, adapter: Adapter): EncoderVariantChoice {
  const listing = state.phase === 'listed' ? state.listing : null;
  const variants = listing?.variants ?? UNCHECKED;
  const options = variantOptions(variants, adapter, listing?.cached ?? [], 'encoder');
  const recommendation = listing ? recommendVariant(variants, adapter, 'encoder') : null;
  const loadable = !listing || options.some((o) => !o.disabled);
  return { options, recommendation, loadable, note: noteFor(state, recommendation, loadable) };
}

function noteFor(
  state: LookupState,
  recommendation: Recommendation | null,
  loadable: boolean,
): EncoderVariantNote | null {
  const error = (text: string): EncoderVariantNote => ({ kind: 'error', text });
  switch (state.phase) {
    case 'idle':
      return null;
    case 'listing':
      return { kind: 'info', text: `Checking which weight variants ${state.source} has…` };
    case 'error':
      return error(
        `${state.message} Every variant is offered unchecked; a missing one fails with a 404.`,
      );
  }
  const { variants, source } = state.listing;
  if (!variants.length) {
    return error('This folder has no onnx/model*.onnx: it is not a transformers.js-format export.');
  }
  if (!loadable || !recommendation) {
    return error('Every variant of this encoder needs shader-f16, which this GPU lacks: use WASM.');
  }
  const count = `${variants.length} variant${variants.length === 1 ? '' : 's'}`;
  return {
    kind: 'info',
    text: `Recommended: ${recommendation.variant}, ${recommendation.why}. ${count}, ${LISTING_SOURCE[source]}.`,
  };
}

/** "384-d, uint8, CLS pooling, L2-normalised": what the reward heads read, and from which weights. */
export function encoderSummary(encoder: StartedEncoder): string {
  const pooling = encoder.pooling === 'cls' ? 'CLS pooling' : 'mean pooling';
  const normalize = encoder.normalize === 'none' ? 'not normalised' : 'L2-normalised';
  return `${encoder.dim}-d, ${encoder.variant}, ${pooling}, ${normalize}`;
}
