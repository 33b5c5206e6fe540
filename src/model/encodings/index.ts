// The encodings by name: rebuilt from a saved config, or built from a corpus.
import type { Melody } from '../../music/types.js';
import type { Encoding, EncodingConfig, EncodingName } from './encoding.js';
import { EncodingError } from './encoding-error.js';
import { buildEventsEncoding, EventsEncoding } from './events.js';
import { buildStepsEncoding, StepsEncoding } from './steps.js';

export { EncodingError } from './encoding-error.js';

export const ENCODING_NAMES: readonly EncodingName[] = ['events', 'steps'];

export function isEncodingName(name: string): name is EncodingName {
  return (ENCODING_NAMES as readonly string[]).includes(name);
}

/** The encoding a model folder's saved config describes; throws EncodingError for an invalid config. */
export function createEncoding(config: EncodingConfig): Encoding {
  switch (config.name) {
    case 'events':
      return new EventsEncoding(config);
    case 'steps':
      return new StepsEncoding(config);
    default:
      throw new EncodingError(`unknown encoding "${String(config.name)}" (accepted: ${ENCODING_NAMES.join(', ')})`);
  }
}

export interface BuildEncodingOptions {
  /**
   * Keep only tokens that at least this many melodies use (default 1: every token). Rarer tokens cannot be learnt
   * and only widen the softmax; the melodies that need them are then rejected.
   */
  readonly minSongs?: number;
}

/**
 * An encoding whose vocabulary covers the given melodies (already in C major / A minor), in a deterministic
 * order that does not depend on the order of `melodies`.
 */
export function buildEncoding(name: EncodingName, melodies: readonly Melody[], options: BuildEncodingOptions = {}): Encoding {
  const minSongs = options.minSongs ?? 1;
  switch (name) {
    case 'events':
      return buildEventsEncoding(melodies, minSongs);
    case 'steps':
      return buildStepsEncoding(melodies, minSongs);
    default:
      throw new EncodingError(`unknown encoding "${String(name)}" (accepted: ${ENCODING_NAMES.join(', ')})`);
  }
}
