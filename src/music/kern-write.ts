// Melody -> Humdrum **kern text that parseKern reads back to the same Melody and verovio renders as a score.
// Notes are split at barlines, phrase starts and meter changes and tied (`[` `_` `]`); a length that is not one
// kern duration becomes several tied notes. Rests are split the same way but not tied (kern has no tied rests),
// so a rest across a barline reads back as two rests. Gaps between events are written as rests.
// Notes shorter than a quarter are beamed by beat (kern `L` `J`, partial beams `K` `k`) so verovio engraves them
// as a printed folk tune does; parseKern ignores beam marks, so they do not change the Melody read back.
import { tonicSpelling } from './key.js';
import { kernTitle } from './title-text.js';
import { kernToMidi, midiToKern } from './pitch.js';
import { TICKS_PER_QUARTER } from './types.js';
import type { Melody, MelodyEvent, Meter, MeterChange } from './types.js';

const TICKS_PER_WHOLE = 4 * TICKS_PER_QUARTER;
/** A 128th note: every plain (non-tuplet) duration is a multiple of it. */
const PLAIN_UNIT = TICKS_PER_WHOLE / 128;

/** Ticks of one bar of `meter`. */
export function barTicks(meter: Meter): number {
  return (meter.numerator * TICKS_PER_WHOLE) / meter.denominator;
}

/**
 * Barlines for a melody without its own (a generated tune): one after the `pickup` (when > 0), then one at the
 * end of every bar of the meter in force, and one at `end` (the final barline) even when the last bar is short.
 * Spans of free meter (`meter: null`) get no barlines until the next meter change, which starts a bar.
 */
export function barlinesForMeter(meters: readonly MeterChange[], end: number, pickup = 0): number[] {
  const barlines: number[] = [];
  const add = (tick: number): void => {
    if (tick > 0 && tick <= end && barlines[barlines.length - 1] !== tick) barlines.push(tick);
  };
  const sorted = [...meters].sort((a, b) => a.tick - b.tick);
  for (let i = 0; i < sorted.length; i++) {
    const change = sorted[i];
    if (!change) continue;
    const until = Math.min(sorted[i + 1]?.tick ?? end, end);
    if (change.tick > 0) add(change.tick);
    if (change.meter === null) continue;
    const bar = barTicks(change.meter);
    let tick = change.tick;
    if (i === 0 && pickup > 0 && pickup < until) {
      tick = pickup;
      add(tick);
    }
    for (tick += bar; tick < until; tick += bar) add(tick);
  }
  add(end);
  return barlines;
}

/** Kern reciprocal text by tick length, for every length that is one kern duration (preferred spelling first). */
const SINGLE_DURATIONS: ReadonlyMap<number, string> = (() => {
  const map = new Map<number, string>();
  const add = (ticks: number, text: string): void => {
    if (Number.isInteger(ticks) && ticks > 0 && !map.has(ticks)) map.set(ticks, text);
  };
  const plain = [1, 2, 4, 8, 16, 32, 64, 128];
  for (let dots = 0; dots <= 2; dots++) {
    const factor = (2 ** (dots + 1) - 1) / 2 ** dots;
    add(2 * TICKS_PER_WHOLE * factor, '0' + '.'.repeat(dots));
    for (const recip of plain) add((TICKS_PER_WHOLE / recip) * factor, String(recip) + '.'.repeat(dots));
  }
  for (let dots = 0; dots <= 2; dots++) {
    const factor = (2 ** (dots + 1) - 1) / 2 ** dots;
    for (let recip = 3; recip <= TICKS_PER_WHOLE; recip++) {
      if (TICKS_PER_WHOLE % recip === 0) add((TICKS_PER_WHOLE / recip) * factor, String(recip) + '.'.repeat(dots));
    }
  }
  return map;
})();
const SINGLE_DESCENDING = [...SINGLE_DURATIONS.keys()].sort((a, b) => b - a);
const PLAIN_DESCENDING = SINGLE_DESCENDING.filter((ticks) => /^(0|1|2|4|8|16|32|64|128)\.*$/.test(SINGLE_DURATIONS.get(ticks) ?? ''));

/** Tuplet lengths, undotted first, then longest first: the tie partner a plain remainder needs. */
const TUPLET_PREFERRED = SINGLE_DESCENDING.filter((ticks) => ticks % PLAIN_UNIT !== 0).sort((a, b) => {
  const dots = (ticks: number): number => (SINGLE_DURATIONS.get(ticks) ?? '').split('.').length;
  return dots(a) - dots(b) || b - a;
});

function greedy(ticks: number, candidates: readonly number[]): number[] {
  const pieces: number[] = [];
  let left = ticks;
  while (left > 0) {
    const piece = candidates.find((value) => value <= left) ?? left;
    pieces.push(piece);
    left -= piece;
  }
  return pieces;
}

/** Lengths, longest first, of kern durations that add up to `ticks` (one when `ticks` is itself a duration). */
export function durationPieces(ticks: number): number[] {
  if (SINGLE_DURATIONS.has(ticks)) return [ticks];
  if (ticks % PLAIN_UNIT === 0) return greedy(ticks, PLAIN_DESCENDING);
  // One tuplet value that leaves a plain remainder (2560 = 2/3 of a whole: a half note tied to a triplet quarter).
  const tuplet = TUPLET_PREFERRED.find((value) => value < ticks && (ticks - value) % PLAIN_UNIT === 0);
  if (tuplet !== undefined) return [...greedy(ticks - tuplet, PLAIN_DESCENDING), tuplet].sort((a, b) => b - a);
  return greedy(ticks, SINGLE_DESCENDING);
}

/** The kern reciprocal of a length that is one kern duration (see durationPieces). */
export function recipText(ticks: number): string {
  const text = SINGLE_DURATIONS.get(ticks);
  if (text === undefined) throw new RangeError(`${ticks} ticks is not one kern duration; split it with durationPieces`);
  return text;
}

const SHARP_ORDER = 'fcgdaeb';
const FLAT_ORDER = 'beadgcf';

/** `*k[f#c#]` for +2, `*k[b-e-a-]` for -3. */
export function keySignatureLine(fifths: number): string {
  const count = Math.min(Math.abs(fifths), 7);
  const notes = fifths >= 0 ? [...SHARP_ORDER.slice(0, count)].map((n) => `${n}#`) : [...FLAT_ORDER.slice(0, count)].map((n) => `${n}-`);
  return `*k[${notes.join('')}]`;
}

function meterLine(meter: Meter | null): string {
  return meter === null ? '*MX' : `*M${meter.numerator}/${meter.denominator}`;
}

/** A note's kern spelling: as written when it still matches the pitch, else spelt for the key. */
function spellingOf(event: Extract<MelodyEvent, { kind: 'note' }>, melody: Melody): string {
  if (event.spelling !== undefined && kernToMidi(event.spelling) === event.pitch) return event.spelling;
  return midiToKern(event.pitch, melody.key);
}

/** A written token, for beaming: where its line is, when it sounds, what it is. */
interface WrittenToken {
  readonly line: number;
  readonly start: number;
  readonly length: number;
  readonly kind: 'note' | 'rest' | 'grace';
}

/** Beams a note of this written length carries: 1 for an eighth (dotted or triplet), 2 for a sixteenth... */
function beamCount(ticks: number): number {
  const reciprocal = Number(recipText(ticks).replace(/\.+$/, ''));
  if (reciprocal < 8) return 0;
  // A tuplet value looks like the plain value just above it: 12 (triplet eighth) is an eighth, 6 a quarter.
  return Math.floor(Math.log2(reciprocal)) - 2;
}

/**
 * The length of a beam group in `meter`: a dotted quarter (three eighths) in compound meters such as 6/8, 9/8,
 * 12/8 and 3/8 (a dotted eighth in 6/16...), else a quarter, also in 2/2 and free meter.
 */
function beamBeat(meter: Meter | null): number {
  if (meter !== null && meter.denominator >= 8 && meter.numerator % 3 === 0) return (3 * TICKS_PER_WHOLE) / meter.denominator;
  return TICKS_PER_QUARTER;
}

/** Beam marks per written token (index into `tokens`): see beamMarks. */
function beamTokens(
  tokens: readonly WrittenToken[],
  meters: readonly MeterChange[],
  barlines: readonly number[],
): Map<number, string> {
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
      (tokens[group.members[0] ?? -1]?.line ?? 0) - (tokens[previous.members[1] ?? -1]?.line ?? 0) === 1
    ) {
      merged[merged.length - 1] = { ...previous, members: [...previous.members, ...group.members], beat: 2 * TICKS_PER_QUARTER };
      continue;
    }
    merged.push(group);
  }

  const marks = new Map<number, string>();
  for (const group of merged) {
    if (group.members.length < 2) continue;
    const notes = group.members.map((i) => {
      const token = tokens[i];
      if (token === undefined) throw new RangeError(`beamTokens: no token ${i}`);
      return token;
    });
    beamMarks(notes, group.beatStart).forEach((text, position) => {
      const index = group.members[position];
      if (index !== undefined && text !== '') marks.set(index, text);
    });
  }
  return marks;
}

/**
 * Kern beam marks for the notes of one beam group (two or more), per the kern reference: each beam level that
 * starts on a note adds `L`, each that ends adds `J`; a level only one note carries is a partial beam, `K`
 * pointing right or `k` pointing left (a dotted eighth and a sixteenth: `8.L`, `16Jk`).
 */
function beamMarks(notes: readonly WrittenToken[], beatStart: number): string[] {
  const counts = notes.map((note) => beamCount(note.length));
  const marks = notes.map(() => ({ starts: 0, ends: 0, right: 0, left: 0 }));
  const levels = Math.max(...counts);
  for (let level = 1; level <= levels; level++) {
    let runStart = -1;
    for (let i = 0; i <= notes.length; i++) {
      const inRun = i < notes.length && (counts[i] ?? 0) >= level;
      if (inRun && runStart < 0) runStart = i;
      if (inRun || runStart < 0) continue;
      const runEnd = i - 1;
      const first = marks[runStart];
      const last = marks[runEnd];
      if (first === undefined || last === undefined) continue;
      if (runEnd > runStart) {
        first.starts++;
        last.ends++;
      } else {
        // A lone note at this level: its partial beam points to the note it pairs with in the rhythm, i.e. into
        // the group at either end, else back when the note stands off its own length's grid.
        const note = notes[runStart];
        const offGrid = note !== undefined && (note.start - beatStart) % (2 * note.length) !== 0;
        const pointsLeft = runStart === notes.length - 1 || (runStart > 0 && offGrid);
        if (pointsLeft) first.left++;
        else first.right++;
      }
      runStart = -1;
    }
  }
  return marks.map((m) => 'L'.repeat(m.starts) + 'J'.repeat(m.ends) + 'K'.repeat(m.right) + 'k'.repeat(m.left));
}

export interface KernWriteOptions {
  /**
   * Chord symbols to write in a `**mxhm` spine beside the melody (verovio prints them above the staff): each at
   * its onset, on the melody's line there or on a line of its own under a held note.
   */
  readonly chords?: readonly { readonly onset: number; readonly chord: { readonly symbol: string } }[];
}

export function writeKern(melody: Melody, options: KernWriteOptions = {}): string {
  const lines: string[] = [];
  /** Tick of each barline and note or rest line (not grace notes), by line index: where chord symbols go. */
  const lineTicks = new Map<number, number>();
  lines.push(`!!!OTL: ${kernTitle(melody.title)}`);
  if (melody.region !== undefined) lines.push(`!!!ARE: ${kernTitle(melody.region)}`);
  lines.push('**kern');
  const notes = melody.events.filter((e) => e.kind === 'note' && !e.grace);
  const lowNotes = notes.filter((e) => e.kind === 'note' && e.pitch < 55).length;
  lines.push(lowNotes * 2 > notes.length ? '*clefF4' : '*clefG2');
  const meters = [...melody.meters].sort((a, b) => a.tick - b.tick);
  const openingMeter = meters[0]?.tick === 0 ? meters[0].meter : null;
  lines.push(meterLine(openingMeter));
  lines.push(keySignatureLine(melody.key.fifths));
  if (melody.keySource === 'file') {
    const { letter, alter } = tonicSpelling(melody.key);
    const accidental = alter > 0 ? '#'.repeat(alter) : '-'.repeat(-alter);
    lines.push(`*${melody.key.mode === 'major' ? letter.toUpperCase() : letter}${accidental}:`);
  }

  const end = melody.events.reduce((max, e) => Math.max(max, e.onset + e.duration), 0);
  const barlines = [...melody.barlines].sort((a, b) => a - b);
  const barlineSet = new Set(barlines);
  const meterAt = new Map(meters.filter((m) => m.tick > 0).map((m) => [m.tick, m.meter] as const));
  const phraseSet = new Set(melody.phraseStarts);
  const cuts = [...new Set([...barlines, ...melody.phraseStarts, ...meterAt.keys()])].filter((t) => t > 0 && t < end).sort((a, b) => a - b);

  // Bar numbers: with no pickup the first bar is bar 1 and gets `=1` before its first note (as Essen writes).
  const firstBar = openingMeter ? barTicks(openingMeter) : 0;
  const noPickup = openingMeter !== null && (barlines[0] === undefined || barlines[0] >= firstBar);
  let barNumber = 1;
  if (noPickup) lines.push(`=${barNumber++}`);

  let boundaryDone = -1;
  let phraseOpen = false;
  let lastTokenLine = -1;
  const boundary = (tick: number): void => {
    if (tick === boundaryDone) return;
    boundaryDone = tick;
    if (barlineSet.has(tick)) {
      lines.push(tick === end && tick === barlines[barlines.length - 1] ? '==' : `=${barNumber++}`);
      lineTicks.set(lines.length - 1, tick);
    }
    const meter = meterAt.get(tick);
    if (meter !== undefined) lines.push(meterLine(meter));
  };
  let phraseDone = -1;
  const written: WrittenToken[] = [];
  const emit = (tick: number, body: string, length = 0, kind: WrittenToken['kind'] = 'rest'): void => {
    boundary(tick);
    let token = body;
    if (phraseSet.has(tick) && phraseDone !== tick) {
      phraseDone = tick;
      if (phraseOpen && lastTokenLine >= 0) lines[lastTokenLine] += '}';
      token = `{${token}`;
      phraseOpen = true;
    }
    lines.push(token);
    lastTokenLine = lines.length - 1;
    if (kind !== 'grace') lineTicks.set(lastTokenLine, tick);
    written.push({ line: lastTokenLine, start: tick, length, kind });
  };
  /** [start, length] spans of [from, to) cut at barlines, phrase starts and meter changes, then into durations. */
  const spans = (from: number, to: number): [number, number][] => {
    const result: [number, number][] = [];
    const stops = [...cuts.filter((t) => t > from && t < to), to];
    let start = from;
    for (const stop of stops) {
      for (const piece of durationPieces(stop - start)) {
        result.push([start, piece]);
        start += piece;
      }
    }
    return result;
  };

  let tick = 0;
  for (const event of melody.events) {
    if (event.onset < tick) {
      throw new RangeError(`writeKern: ${melody.source}: events overlap at tick ${event.onset} (a melody is monophonic)`);
    }
    if (event.onset > tick) for (const [start, length] of spans(tick, event.onset)) emit(start, `${recipText(length)}r`, length);
    tick = event.onset;
    if (event.kind === 'note' && (event.grace === true || event.duration === 0)) {
      emit(tick, `8${spellingOf(event, melody)}q`, 0, 'grace');
      continue;
    }
    const pieces = spans(event.onset, event.onset + event.duration);
    pieces.forEach(([start, length], index) => {
      const last = index === pieces.length - 1;
      const fermata = last && event.fermata === true ? ';' : '';
      if (event.kind === 'rest') {
        emit(start, `${recipText(length)}r${fermata}`, length);
        return;
      }
      const tieOpen = pieces.length > 1 && index === 0 ? '[' : '';
      const tieClose = pieces.length > 1 && index > 0 ? (last ? ']' : '_') : '';
      emit(start, `${tieOpen}${recipText(length)}${spellingOf(event, melody)}${fermata}${tieClose}`, length, 'note');
    });
    tick = event.onset + event.duration;
  }
  if (phraseOpen && lastTokenLine >= 0) lines[lastTokenLine] += '}';
  for (const [index, marks] of beamTokens(written, meters, barlines)) {
    const token = written[index];
    const line = token === undefined ? undefined : lines[token.line];
    // After pitch and fermata, before the tie and phrase ends: `8cL`, `[8dJ`, `8e;J]}`.
    if (token !== undefined && line !== undefined) lines[token.line] = line.replace(/[\]_}]*$/, (tail) => marks + tail);
  }
  boundary(end);
  lines.push('*-');
  const text = options.chords === undefined ? lines : withChordSpine(lines, lineTicks, options.chords, end);
  return text.join('\n') + '\n';
}

/**
 * The single-spine lines with a `**mxhm` spine added: `*above` on the first interpretation after the header,
 * barlines repeated, each symbol on the line where its onset falls, or on a line of its own (`.` in the **kern
 * spine: the note goes on sounding) placed before the next line that starts later.
 */
function withChordSpine(
  lines: readonly string[],
  lineTicks: ReadonlyMap<number, number>,
  chords: NonNullable<KernWriteOptions['chords']>,
  end: number,
): string[] {
  const pending = [...chords].filter((span) => span.onset < end).sort((a, b) => a.onset - b.onset);
  let next = 0;
  const result: string[] = [];
  let placeAbove = true;
  lines.forEach((line, index) => {
    if (line.startsWith('!!')) {
      result.push(line);
      return;
    }
    if (line === '**kern') {
      result.push('**kern\t**mxhm');
      return;
    }
    if (line.startsWith('*')) {
      result.push(line === '*-' ? '*-\t*-' : `${line}\t${placeAbove ? '*above' : '*'}`);
      placeAbove = false;
      return;
    }
    const tick = lineTicks.get(index);
    if (tick !== undefined) {
      for (; next < pending.length && pending[next]!.onset < tick; next++) result.push(`.\t${pending[next]!.chord.symbol}`);
    }
    if (line.startsWith('=')) {
      result.push(`${line}\t${line}`);
      return;
    }
    if (tick !== undefined && pending[next]?.onset === tick) {
      result.push(`${line}\t${pending[next]!.chord.symbol}`);
      next++;
      return;
    }
    result.push(`${line}\t.`);
  });
  return result;
}
