// The seed syntax of `compose`: the opening notes of a tune, written like **kern tokens on one line.
//   4c 8.d 16e- 2r | 4cc#
// Each token is a duration (1 2 4 8 16 32, triplets 3 6 12 24, with up to two dots), then a pitch (c = middle C,
// cc an octave up, C an octave down; # sharp, - flat, n natural) or r for a rest. `|` and `=` barlines may stand
// between tokens; the first one after some notes is kept (`firstBarline`): when it comes before a whole bar, the
// notes before it are a pickup (the composer decides, knowing the meter). An empty seed is allowed.
// Ties are written as in kern: `[2c 8c]` is one C lasting a half and an eighth (`_` continues a tie: `[2c 4c_ 8c]`).
import { SeedError } from './errors.js';
import { kernToMidi, midiName } from './pitch.js';
import { TICKS_PER_QUARTER } from './types.js';
import type { MelodyEvent } from './types.js';

export interface Seed {
  readonly events: readonly MelodyEvent[];
  /** Total length of the seed in ticks. */
  readonly ticks: number;
  /** Where the first barline written after some notes or rests stands, in ticks; null when there is none. */
  readonly firstBarline: number | null;
}

export const SEED_MAX_EVENTS = 64;
export const SEED_LOWEST_PITCH = 36;
export const SEED_HIGHEST_PITCH = 96;
/** Accepted duration numbers (kern reciprocals: 4 = quarter, 8 = eighth, 3/6/12/24 = triplets). */
export const SEED_RECIPS: readonly number[] = [1, 2, 4, 8, 16, 32, 3, 6, 12, 24];
const MAX_DOTS = 2;

export const SEED_EXAMPLE = '4c 8.d 16e- 2r | 4cc#';
const SYNTAX =
  'a seed token is a duration (1 2 4 8 16 32, or triplets 3 6 12 24, optionally dotted) followed by a pitch ' +
  '(c = middle C, cc an octave up, C an octave down, # sharp, - flat) or r for a rest';

export function parseSeed(text: string): Seed {
  const events: MelodyEvent[] = [];
  let tick = 0;
  let position = 0;
  let firstBarline: number | null = null;
  let openTie: { pitch: number; index: number; position: number; column: number; token: string } | null = null;
  for (const match of text.matchAll(/\S+/g)) {
    position++;
    const token = match[0];
    const column = (match.index ?? 0) + 1;
    const fail: (what: string) => never = (what) => {
      throw new SeedError(
        position,
        column,
        token,
        `seed token ${position} "${token}" (column ${column}): ${what}. Example of a seed: "${SEED_EXAMPLE}"`,
      );
    };
    if (/^(\|+|=+\d*)$/.test(token)) {
      if (firstBarline === null && tick > 0) firstBarline = tick;
      continue;
    }
    const tie = /^(\[?)(.*?)([_\]]?)$/.exec(token);
    const tieStart = tie?.[1] === '[';
    const tieEnd = tie?.[3] ?? '';
    const parts = /^(\d*)(\.*)(.*)$/.exec(tie?.[2] ?? token);
    const digits = parts?.[1] ?? '';
    const dots = (parts?.[2] ?? '').length;
    const rest = parts?.[3] ?? '';
    if (digits === '') {
      fail(`missing duration: ${SYNTAX}, e.g. "4${token}"`);
    }
    const recip = Number(digits);
    if (!SEED_RECIPS.includes(recip) || digits.startsWith('0')) {
      fail(`impossible duration "${digits}": durations are 1 2 4 8 16 32 (whole to 32nd) or triplets 3 6 12 24`);
    }
    if (dots > MAX_DOTS) fail(`too many dots: at most ${MAX_DOTS}, as in "4.c" or "2..e"`);
    const duration = ((4 * TICKS_PER_QUARTER) / recip) * ((2 ** (dots + 1) - 1) / 2 ** dots);
    if (!Number.isInteger(duration)) fail(`duration "${digits}${'.'.repeat(dots)}" is too short to be written exactly`);
    const continuesTie = tieEnd !== '';
    if (continuesTie && !tieStart) {
      // `4c]` or `4c_`: the tie opened before goes on with the same pitch.
      const opened = openTie;
      if (opened === null || rest !== (events[opened.index] as { spelling?: string } | undefined)?.spelling) {
        fail(`"${tieEnd}" continues a tie, but no tie on this pitch is open: open one with "[", as in "[2c 8c]"`);
      }
      const previous = events[opened.index];
      if (previous !== undefined) events[opened.index] = { ...previous, duration: previous.duration + duration };
      if (tieEnd === ']') openTie = null;
      tick += duration;
      continue;
    }
    if (openTie !== null) fail('the tie opened before is not closed: end it with "]" on the same pitch, as in "[2c 8c]"');
    if (tieStart && rest === 'r') fail('a rest cannot be tied');
    if (events.length >= SEED_MAX_EVENTS) {
      fail(`too many notes: a seed holds at most ${SEED_MAX_EVENTS} notes and rests`);
    }
    if (rest === 'r') {
      events.push({ kind: 'rest', onset: tick, duration });
    } else {
      const pitch = /^([a-gA-G])\1*(#{1,2}|-{1,2}|n)?$/.test(rest) ? kernToMidi(rest) : null;
      if (pitch === null) {
        fail(
          `unknown pitch "${rest}": ${SYNTAX}` +
            (/^[a-gA-G]b$/.test(rest) ? ` (write a flat as "-": "${rest[0] ?? ''}-")` : ''),
        );
      }
      if (pitch < SEED_LOWEST_PITCH || pitch > SEED_HIGHEST_PITCH) {
        fail(
          `pitch ${rest} (${midiName(pitch)}, MIDI ${pitch}) is outside the range a seed may use, ` +
            `MIDI ${SEED_LOWEST_PITCH}..${SEED_HIGHEST_PITCH} (${midiName(SEED_LOWEST_PITCH)} = CC to ${midiName(SEED_HIGHEST_PITCH)} = cccc)`,
        );
      }
      events.push({ kind: 'note', pitch, onset: tick, duration, spelling: rest });
      if (tieStart) openTie = { pitch, index: events.length - 1, position, column, token };
    }
    tick += duration;
  }
  if (openTie !== null) {
    const { position: at, column, token } = openTie;
    throw new SeedError(
      at,
      column,
      token,
      `seed token ${at} "${token}" (column ${column}): the tie opened here is never closed: end it with "]" on the same pitch, as in "[2c 8c]". Example of a seed: "${SEED_EXAMPLE}"`,
    );
  }
  return { events, ticks: tick, firstBarline };
}
