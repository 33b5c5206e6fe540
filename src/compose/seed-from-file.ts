// Compose options from a seed file or an ABC line, for the CLI (--seed-file, --seed-abc) and the bot (seed_file):
// the file's first bars become the seed, its meter and key the defaults, and the options the user gave win.
import { takeSeed, type TakenSeed } from '../music/formats/seed-file.js';
import type { ReadMelody } from '../music/formats/read-melody.js';
import { COMPOSE_LIMITS } from './compose-options.js';
import type { ComposeOptions } from './types.js';

export interface SeededInput {
  readonly input: Partial<ComposeOptions>;
  /** What was taken from the file, in words, for the reply. */
  readonly description: string;
  readonly taken: TakenSeed;
}

/**
 * The compose input with a seed taken from `read`: at most half the tune's bars (the model writes the rest),
 * the file's meter, key and mode unless `input` gives its own.
 */
export function seededInput(read: ReadMelody, fileName: string, input: Partial<ComposeOptions>): SeededInput {
  const bars = input.bars ?? COMPOSE_LIMITS.bars.default;
  const taken = takeSeed(read, fileName, { maxBars: Math.max(1, Math.floor(bars / 2)), ...(input.meter ? { meter: input.meter } : {}) });
  const meter = input.meter ?? taken.meter ?? undefined;
  const key = input.key ?? taken.key?.tonic;
  const mode = input.mode ?? taken.mode;
  return {
    input: { ...input, seed: taken.seed, ...(meter ? { meter } : {}), ...(key ? { key } : {}), ...(mode ? { mode } : {}) },
    description: taken.description,
    taken,
  };
}
