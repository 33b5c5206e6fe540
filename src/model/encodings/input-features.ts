// The network's input rows per input step: the token id alone, or (when the network was built with the
// encoding's input features) the token id plus, for each feature, V + the feature's offset + its value. Shared by
// training (whole songs), scoring and generation (one token at a time) so that all see the same inputs.
import type { Encoding, InputFeatureSpec, InputFeatureTracker, SongStart } from './encoding.js';
import { EncodingError } from './encoding-error.js';
import { inputWidth, type LstmConfig } from '../network/lstm-weights.js';

/** Turns tokens into the first layer's active input rows, `width` per token. */
export interface InputRows {
  readonly width: number;
  reset(start?: SongStart): void;
  /** The active rows for one token fed (a buffer reused by the next call). */
  next(token: number): Int32Array;
}

function sameSpec(a: InputFeatureSpec, b: InputFeatureSpec): boolean {
  return a.name === b.name && a.sizes.length === b.sizes.length && a.sizes.every((size, k) => size === b.sizes[k]);
}

function specText(spec: InputFeatureSpec): string {
  return `"${spec.name}" [${spec.sizes.join(', ')}]`;
}

/**
 * The tracker a network with `config` needs from `encoding`, or null when the network takes tokens alone; throws
 * EncodingError when the network wants features the encoding does not give.
 */
export function featureTracker(encoding: Encoding, config: LstmConfig): InputFeatureTracker | null {
  const wanted = config.inputFeatures;
  if (wanted === undefined) return null;
  const sets = encoding.inputFeatureSets ?? [];
  if (sets.length === 0 || encoding.inputFeatureTracker === undefined) {
    throw new EncodingError(`the network takes input features ${specText(wanted)} but the ${encoding.config.name} encoding gives none`);
  }
  const given = sets.find((spec) => sameSpec(spec, wanted));
  if (given === undefined) {
    throw new EncodingError(
      `the network takes input features ${specText(wanted)} but the ${encoding.config.name} encoding gives ${sets.map(specText).join(' or ')}`,
    );
  }
  return encoding.inputFeatureTracker(given.name);
}

/**
 * The input features a training preset asks for: `true` the encoding's first set (the metric position), a name that
 * set, `false`/absent none. Undefined when the encoding has no such set.
 */
export function chosenFeatureSet(encoding: Encoding, wanted: boolean | string | undefined): InputFeatureSpec | undefined {
  if (wanted === undefined || wanted === false) return undefined;
  const sets = encoding.inputFeatureSets ?? [];
  return wanted === true ? sets[0] : sets.find((spec) => spec.name === wanted);
}

/** Input rows for a network with `config` (vocabulary size V) fed by `tracker` (null: the token alone). */
export function inputRows(config: LstmConfig, tracker: InputFeatureTracker | null): InputRows {
  const width = inputWidth(config);
  const V = config.vocabularySize;
  const sizes = config.inputFeatures?.sizes ?? [];
  if ((tracker === null) !== (sizes.length === 0)) {
    throw new RangeError(sizes.length === 0 ? 'a network without input features takes no feature tracker' : 'a network with input features needs a feature tracker');
  }
  const offsets = sizes.map((_, k) => V + sizes.slice(0, k).reduce((sum, size) => sum + size, 0));
  const rows = new Int32Array(width);
  return {
    width,
    reset: (start) => tracker?.reset(start),
    next: (token) => {
      rows[0] = token;
      if (tracker === null) return rows;
      const values = tracker.next(token);
      if (values.length !== sizes.length) throw new RangeError(`the feature tracker gave ${values.length} values, expected ${sizes.length}`);
      for (let k = 0; k < sizes.length; k++) {
        const value = values[k]!;
        if (!Number.isInteger(value) || value < 0 || value >= sizes[k]!) {
          throw new RangeError(`feature ${k} value ${value} is outside 0..${sizes[k]! - 1}`);
        }
        rows[k + 1] = offsets[k]! + value;
      }
      return rows;
    },
  };
}

/** A whole song's input rows from a fresh tracker state: [song.length * width], token by token. */
export function songInputRows(rows: InputRows, song: ArrayLike<number>): Int32Array {
  const out = new Int32Array(song.length * rows.width);
  rows.reset({ tokens: song });
  for (let i = 0; i < song.length; i++) out.set(rows.next(song[i]!), i * rows.width);
  return out;
}
