// Beams by beat: which notes shorter than a quarter share a beam, and each one's beam marks level by level.
// Shared by the **kern writer (L J K k) and the MusicXML writer (<beam>); the ABC writer joins beamed notes.
// Groups follow the beat of the meter (a dotted quarter in 6/8, 9/8, 12/8, else a quarter), counted from the
// bar's start, or back from its closing barline in a pickup; four eighths on beats 1-2 or 3-4 of 4/4 share one.
import { recipText, TICKS_PER_WHOLE } from './durations.js';
import { TICKS_PER_QUARTER } from './types.js';
import type { Meter, MeterChange } from './types.js';

export type BeamMark = 'begin' | 'continue' | 'end' | 'forward hook' | 'backward hook';

/** A written token, for beaming: when it sounds, how long, what it is (grace notes take no time). */
export interface BeamToken {
  readonly start: number;
  readonly length: number;
  readonly kind: 'note' | 'rest' | 'grace';
}

/** Beams a note of this written length carries: 1 for an eighth (dotted or triplet), 2 for a sixteenth... */
export function beamCount(ticks: number): number {
  const reciprocal = Number(recipText(ticks).replace(/\.+$/, ''));
  if (reciprocal < 8) return 0;
  // A tuplet value looks like the plain value just above it: 12 (triplet eighth) is an eighth, 6 a quarter.
  return Math.floor(Math.log2(reciprocal)) - 2;
}

/**
 * The length of a beam group in `meter`: a dotted quarter (three eighths) in compound meters such as 6/8, 9/8,
 * 12/8 and 3/8 (a dotted eighth in 6/16...), else a quarter, also in 2/2 and free meter.
 */
export function beamBeat(meter: Meter | null): number {
  if (meter !== null && meter.denominator >= 8 && meter.numerator % 3 === 0) return (3 * TICKS_PER_WHOLE) / meter.denominator;
  return TICKS_PER_QUARTER;
}

/**
 * Beam marks per written token (index into `tokens`), one per beam level from the eighth's beam down, for tokens
 * that carry beams: notes shorter than a quarter in one beat of the meter (see beamMarks).
 */
export function beamTokens(
  tokens: readonly BeamToken[],
  meters: readonly MeterChange[],
  barlines: readonly number[],
): Map<number, readonly BeamMark[]> {
  // Beats count from the bar's start, except in the opening bar, which may be a pickup: there they count back
  // from its closing barline.
  const anchors = [...new Set([0, ...barlines, ...meters.map((m) => m.tick)])].sort((a, b) => a - b);
  const barlineSet = new Set(barlines);
  const anchorOf = (tick: number): number => {
    let index = 0;
    while (index + 1 < anchors.length && (anchors[index + 1] ?? Infinity) <= tick) index++;
    const anchor = anchors[index] ?? 0;
    const next = anchors[index + 1];
    return anchor === 0 && next !== undefined && barlineSet.has(next) ? next : anchor;
  };
  const meterOf = (tick: number): Meter | null => {
    let meter: Meter | null = null;
    for (const change of meters) if (change.tick <= tick) meter = change.meter;
    return meter;
  };

  /** A run of beamable notes in one beat: token indices, the beat's anchor and start, the meter's beat length. */
  interface Group {
    readonly members: number[];
    readonly anchor: number;
    readonly beatStart: number;
    readonly beat: number;
    readonly meter: Meter | null;
  }
  const groups: Group[] = [];
  let open: Group | null = null;
  tokens.forEach((token, index) => {
    // A grace note takes no time and sits inside a beam without breaking it (verovio draws it with its own flag).
    if (token.kind === 'grace') return;
    if (token.kind === 'rest' || beamCount(token.length) === 0) {
      open = null;
      return;
    }
    const anchor = anchorOf(token.start);
    const meter = meterOf(token.start);
    const beat = beamBeat(meter);
    const beatStart = anchor + Math.floor((token.start - anchor) / beat) * beat;
    if (token.start + token.length > beatStart + beat) {
      open = null; // it crosses a beat boundary: flagged on its own
      return;
    }
    const current: Group | null = open;
    if (current !== null && current.anchor === anchor && current.beatStart === beatStart) {
      current.members.push(index);
      return;
    }
    open = { members: [index], anchor, beatStart, beat, meter };
    groups.push(open);
  });

  // In 4/4 four eighths on beats 1-2 or 3-4 share one beam, as engravers write them.
  const merged: Group[] = [];
  for (const group of groups) {
    const previous = merged[merged.length - 1];
    const eighthPair = (g: Group): boolean =>
      g.members.length === 2 && g.members.every((i) => tokens[i]?.length === TICKS_PER_QUARTER / 2);
    const beatIndex = (g: Group): number => (((g.beatStart - g.anchor) / TICKS_PER_QUARTER) % 4 + 4) % 4;
    if (
      previous !== undefined &&
      group.meter?.numerator === 4 &&
      group.meter.denominator === 4 &&
      previous.anchor === group.anchor &&
      previous.beatStart + TICKS_PER_QUARTER === group.beatStart &&
      beatIndex(previous) % 2 === 0 &&
      eighthPair(previous) &&
      eighthPair(group) &&
      (group.members[0] ?? 0) - (previous.members[1] ?? 0) === 1
    ) {
      merged[merged.length - 1] = { ...previous, members: [...previous.members, ...group.members], beat: 2 * TICKS_PER_QUARTER };
      continue;
    }
    merged.push(group);
  }

  const marks = new Map<number, readonly BeamMark[]>();
  for (const group of merged) {
    if (group.members.length < 2) continue;
    const notes = group.members.map((i) => {
      const token = tokens[i];
      if (token === undefined) throw new RangeError(`beamTokens: no token ${i}`);
      return token;
    });
    beamMarks(notes, group.beatStart).forEach((levels, position) => {
      const index = group.members[position];
      if (index !== undefined && levels.length > 0) marks.set(index, levels);
    });
  }
  return marks;
}

/**
 * Beam marks for the notes of one beam group (two or more), level by level as MusicXML names them: a beam that
 * starts on a note is 'begin', ends 'end', passes through 'continue'; a level only one note carries is a partial
 * beam, a 'forward hook' or a 'backward hook' (a dotted eighth and a sixteenth: begin, then end + backward hook).
 */
function beamMarks(notes: readonly BeamToken[], beatStart: number): BeamMark[][] {
  const counts = notes.map((note) => beamCount(note.length));
  const marks: BeamMark[][] = notes.map(() => []);
  const levels = Math.max(...counts);
  for (let level = 1; level <= levels; level++) {
    let runStart = -1;
    for (let i = 0; i <= notes.length; i++) {
      const inRun = i < notes.length && (counts[i] ?? 0) >= level;
      if (inRun && runStart < 0) runStart = i;
      if (inRun || runStart < 0) continue;
      const runEnd = i - 1;
      if (runEnd > runStart) {
        for (let j = runStart; j <= runEnd; j++) marks[j]?.push(j === runStart ? 'begin' : j === runEnd ? 'end' : 'continue');
      } else {
        // A lone note at this level: its partial beam points to the note it pairs with in the rhythm, i.e. into
        // the group at either end, else back when the note stands off its own length's grid.
        const note = notes[runStart];
        const offGrid = note !== undefined && (note.start - beatStart) % (2 * note.length) !== 0;
        const pointsLeft = runStart === notes.length - 1 || (runStart > 0 && offGrid);
        marks[runStart]?.push(pointsLeft ? 'backward hook' : 'forward hook');
      }
      runStart = -1;
    }
  }
  return marks;
}
