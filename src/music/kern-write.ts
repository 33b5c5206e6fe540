// Melody -> Humdrum **kern text that parseKern reads back to the same Melody and verovio renders as a score.
// Notes are split at barlines, phrase starts and meter changes and tied (`[` `_` `]`); a length that is not one
// kern duration becomes several tied notes. Rests are split the same way but not tied (kern has no tied rests),
// so a rest across a barline reads back as two rests. Gaps between events are written as rests.
// Notes shorter than a quarter are beamed by beat (kern `L` `J`, partial beams `K` `k`) so verovio engraves them
// as a printed folk tune does; parseKern ignores beam marks, so they do not change the Melody read back.
import { beamTokens, type BeamMark, type BeamToken } from './beams.js';
import { barTicks, durationPieces, recipText } from './durations.js';
import { tonicSpelling } from './key.js';
import { kernTitle } from './title-text.js';
import { kernToMidi, midiToKern } from './pitch.js';
import type { Melody, MelodyEvent, Meter, MeterChange } from './types.js';

export { barTicks, durationPieces, recipText };

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

/** Kern beam marks: `L` for each beam that begins, `J` for each that ends, `K` `k` for partial beams. */
function kernBeamMarks(levels: readonly BeamMark[]): string {
  const count = (mark: BeamMark): number => levels.filter((level) => level === mark).length;
  return 'L'.repeat(count('begin')) + 'J'.repeat(count('end')) + 'K'.repeat(count('forward hook')) + 'k'.repeat(count('backward hook'));
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
  const written: (BeamToken & { readonly line: number })[] = [];
  const emit = (tick: number, body: string, length = 0, kind: BeamToken['kind'] = 'rest'): void => {
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
  for (const [index, levels] of beamTokens(written, meters, barlines)) {
    const token = written[index];
    const marks = kernBeamMarks(levels);
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
