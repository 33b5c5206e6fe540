// Repeated notes per style. The collection's styles differ in how often a note repeats the pitch of the note before:
// 32% of the notes of the children's songs do, 12% of the Shanxi songs', 21% of the German songs'. The tunes did not
// follow: 17-24% in every style (60 tunes per style with the shipped model, 2026-12-02), because the network carries
// a style too weakly for that. calibrate fits, per style, a bias on the tokens that repeat the last note
// (GenerateOptions.repeatedNoteBias) so that the style's tunes repeat notes as often as its songs, and the composer
// samples with it (StyleInfo.repeatedNotes). Measured on the children's tunes: the style check heard 0.38 of them as
// children's songs instead of 0.22, and their interval overlap with the real songs rose from 0.81 to 0.87.
import type { Melody } from '../music/types.js';
import type { Composer } from './composer.js';

/** A style whose tunes repeat notes within this share of its songs' gets no bias. */
export const REPEATED_NOTES_TOLERANCE = 0.02;
/** Tunes composed per style and bias tried (random seeds 1..N, the style's defaults). */
export const REPEATED_NOTES_TUNES = 40;
/** The bias is sought in [-BIAS_LIMIT, BIAS_LIMIT] (natural log: e^2, about 7 times the odds). */
const BIAS_LIMIT = 2;
const BISECTION_STEPS = 7;

/** Share of notes (grace notes aside) on the pitch of the note before, rests skipped; 0 for melodies of one note. */
export function repeatedNoteShare(melodies: readonly Melody[]): number {
  let repeated = 0;
  let pairs = 0;
  for (const melody of melodies) {
    let last = -1;
    for (const event of melody.events) {
      if (event.kind !== 'note' || event.grace === true) continue;
      if (last >= 0) {
        pairs++;
        if (event.pitch === last) repeated++;
      }
      last = event.pitch;
    }
  }
  return pairs === 0 ? 0 : repeated / pairs;
}

export interface RepeatedNotesFit {
  /** The share in the style's songs. */
  readonly songs: number;
  /** In its tunes without a bias. */
  readonly tunes: number;
  /** The bias chosen (0: none needed). */
  readonly bias: number;
  /** In its tunes with that bias. */
  readonly biasedTunes: number;
}

/**
 * The bias that brings `share(bias)` (the tunes' repeated-note share, rising with the bias) nearest `target`: 0 when
 * the unbiased share is within REPEATED_NOTES_TOLERANCE, else by bisection over [-BIAS_LIMIT, BIAS_LIMIT].
 */
export function fitRepeatedNoteBias(share: (bias: number) => number, target: number): RepeatedNotesFit {
  const unbiased = share(0);
  if (Math.abs(unbiased - target) <= REPEATED_NOTES_TOLERANCE) return { songs: target, tunes: unbiased, bias: 0, biasedTunes: unbiased };
  let low = unbiased < target ? 0 : -BIAS_LIMIT;
  let high = unbiased < target ? BIAS_LIMIT : 0;
  let best = { bias: 0, share: unbiased };
  for (let step = 0; step < BISECTION_STEPS; step++) {
    const bias = (low + high) / 2;
    const found = share(bias);
    if (Math.abs(found - target) < Math.abs(best.share - target)) best = { bias, share: found };
    if (found < target) low = bias;
    else high = bias;
  }
  return { songs: target, tunes: unbiased, bias: Math.round(best.bias * 1000) / 1000, biasedTunes: best.share };
}

/** Per style of the composer's model, the fit against `songsOf(style)`; styles without songs are left out. */
export function fitStyleRepeatedNotes(composer: Composer, songsOf: (style: string) => readonly Melody[]): Map<string, RepeatedNotesFit> {
  const fits = new Map<string, RepeatedNotesFit>();
  for (const { name } of composer.styles) {
    const songs = songsOf(name);
    if (songs.length === 0) continue;
    const share = (bias: number): number => {
      const trial = composer.withOptions({ repeatedNoteBias: { [name]: bias } });
      const tunes = Array.from({ length: REPEATED_NOTES_TUNES }, (_, i) => trial.composeMelody({ style: name, randomSeed: i + 1 }).melody);
      return repeatedNoteShare(tunes);
    };
    fits.set(name, fitRepeatedNoteBias(share, repeatedNoteShare(songs)));
  }
  return fits;
}
