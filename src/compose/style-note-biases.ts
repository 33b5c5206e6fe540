// Two note statistics per style that the network carries too weakly: how often a note repeats the pitch of the note
// before, and how often a note lies on the major pentatonic of the key. The collection's styles differ in both: 32% of
// the children's songs' notes repeat the one before, 12% of the Shanxi songs'; 97% of the Han songs' notes are
// pentatonic, 77% of the Alpine songs'. The tunes did not follow: 17-24% repeated notes in every style, and 84% of
// the Alpine tunes' notes pentatonic (60-100 tunes per style with the shipped model, 2026-12-02). So calibrate fits
// each style two biases on the log-probabilities of the tokens (GenerateOptions.repeatedNoteBias and
// offPentatonicBias) so that the style's tunes match its songs in both, and the composer samples with them
// (StyleInfo.repeatedNotes, StyleInfo.offPentatonicNotes). Measured in the README ("Repeated notes and the scale").
import { endingShape } from '../music/song-shapes.js';
import type { Melody } from '../music/types.js';
import type { NoteShareFit } from '../model/folder/model-folder.js';
import type { Composer } from './composer.js';

/**
 * A style whose tunes' share is within this fraction of its songs' gets no bias for that statistic: relative, since
 * the shares run from 3% (the Han songs' notes off the pentatonic) to 32% (the children's songs' repeated notes).
 */
export const NOTE_BIAS_TOLERANCE = 0.1;
/** Tunes composed per style and bias tried (random seeds 1..N, the style's defaults). */
export const NOTE_BIAS_TUNES = 40;
/** A bias is sought in [-BIAS_LIMIT, BIAS_LIMIT] (natural log: e^2, about 7 times the odds). */
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

/** Share of notes off the major pentatonic of each melody's key (song-shapes.ts's endingShape counts those on it). */
export function offPentatonicShare(melodies: readonly Melody[]): number {
  return melodies.length === 0 ? 0 : 1 - endingShape(melodies).pentatonic;
}

/**
 * The bias that brings `share(bias)` (a share of the tunes' notes that rises with the bias) nearest `target`: 0 when
 * the unbiased share is within NOTE_BIAS_TOLERANCE of it, else by bisection over [-BIAS_LIMIT, BIAS_LIMIT].
 */
export function fitNoteBias(share: (bias: number) => number, target: number): NoteShareFit {
  const unbiased = share(0);
  if (Math.abs(unbiased - target) <= NOTE_BIAS_TOLERANCE * target) return { songs: target, tunes: unbiased, bias: 0, biasedTunes: unbiased };
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

export interface StyleNoteBiases {
  readonly repeatedNotes: NoteShareFit;
  /** As shares of notes off the pentatonic (so that the share rises with the bias). */
  readonly offPentatonic: NoteShareFit;
}

/**
 * Per style of the composer's model, both fits against `songsOf(style)`; styles without songs are left out. The
 * repeated-note bias first, then the pentatonic one with it in place, then the repeated-note one again with both.
 */
export function fitStyleNoteBiases(composer: Composer, songsOf: (style: string) => readonly Melody[]): Map<string, StyleNoteBiases> {
  const fits = new Map<string, StyleNoteBiases>();
  for (const { name } of composer.styles) {
    const songs = songsOf(name);
    if (songs.length === 0) continue;
    const tunes = (repeated: number, offPentatonic: number): Melody[] => {
      const trial = composer.withOptions({ noteBiases: { [name]: { repeatedNote: repeated, offPentatonic } } });
      return Array.from({ length: NOTE_BIAS_TUNES }, (_, i) => trial.composeMelody({ style: name, randomSeed: i + 1 }).melody);
    };
    const repeatedTarget = repeatedNoteShare(songs);
    const offTarget = offPentatonicShare(songs);
    const first = fitNoteBias((bias) => repeatedNoteShare(tunes(bias, 0)), repeatedTarget);
    const offPentatonic = fitNoteBias((bias) => offPentatonicShare(tunes(first.bias, bias)), offTarget);
    const repeatedNotes = offPentatonic.bias === 0 ? first : fitNoteBias((bias) => repeatedNoteShare(tunes(bias, offPentatonic.bias)), repeatedTarget);
    fits.set(name, { repeatedNotes, offPentatonic });
  }
  return fits;
}
