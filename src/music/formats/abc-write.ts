// Melody -> ABC notation (abc 2.1), the text format folk musicians share tunes in: a header (X: T: M: L: Q: K:
// with the mode), then the bars, four to a line, a pickup before the first full bar, ties `-`, tuplets `(3`,
// grace notes `{g}`, fermatas, inline meter changes `[M:3/4]` and a final `|]`. Notes shorter than a quarter
// that share a beam in the score are written together, the others apart, as ABC beams by spacing.
// Optional chord symbols ("G", "Am") stand above the note at their tick; a note across one is split and tied.
import { tonicSpelling } from '../key.js';
import { abcTitle } from '../title-text.js';
import { TICKS_PER_QUARTER, type Melody, type Meter } from '../types.js';
import { layoutMelody, MeasureAccidentals, signatureAlters, type SpelledPitch, type WrittenPiece } from './notation.js';

export interface AbcChordSymbol {
  /** Where it stands, in ticks from the start of the melody. */
  readonly tick: number;
  /** As musicians write it: "G", "Am", "D7", "F#m". */
  readonly symbol: string;
}

export interface AbcOptions {
  /** Quarter notes per minute (the Q: field). */
  readonly tempo: number;
  /** The reference number (X:), 1 when absent. */
  readonly referenceNumber?: number;
  readonly chords?: readonly AbcChordSymbol[];
}

/** Bars per line of music. */
const BARS_PER_LINE = 4;

function meterText(meter: Meter | null): string {
  return meter === null ? 'none' : `${meter.numerator}/${meter.denominator}`;
}

/** The unit note length (L:), by abc 2.1's rule: a sixteenth for meters below 3/4, else an eighth. */
function unitTicks(meter: Meter | null): number {
  return meter !== null && meter.numerator / meter.denominator < 0.75 ? TICKS_PER_QUARTER / 4 : TICKS_PER_QUARTER / 2;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** A length in units: '' for one, '2', '/' for a half, '3/2', '/4'. */
function lengthText(ticks: number, unit: number): string {
  const divisor = gcd(ticks, unit);
  const numerator = ticks / divisor;
  const denominator = unit / divisor;
  if (denominator === 1) return numerator === 1 ? '' : String(numerator);
  if (numerator === 1) return denominator === 2 ? '/' : `/${denominator}`;
  return `${numerator}/${denominator}`;
}

const ACCIDENTALS: Readonly<Record<number, string>> = { [-2]: '__', [-1]: '_', 0: '=', 1: '^', 2: '^^' };

/** ABC pitch: C is middle C (octave 4), c the octave above, c' and C, further out. */
function pitchText(pitch: SpelledPitch, accidental: boolean): string {
  const sign = accidental ? (ACCIDENTALS[pitch.alter] ?? '') : '';
  const letter = pitch.octave >= 5 ? pitch.step.toLowerCase() + "'".repeat(pitch.octave - 5) : pitch.step + ','.repeat(Math.max(0, 4 - pitch.octave));
  return sign + letter;
}

/** The K: field: tonic and mode, "K:Gmaj", "K:Bbmin", "K:F#min". */
function keyField(melody: Melody): string {
  const { letter, alter } = tonicSpelling(melody.key);
  const accidental = alter > 0 ? '#'.repeat(alter) : 'b'.repeat(-alter);
  return `K:${letter.toUpperCase()}${accidental}${melody.key.mode === 'major' ? 'maj' : 'min'}`;
}

export function writeAbc(melody: Melody, options: AbcOptions): string {
  const chords = new Map((options.chords ?? []).map((c) => [c.tick, c.symbol] as const));
  const measures = layoutMelody(melody, [...chords.keys()]);
  const firstMeter = measures[0]?.meter ?? melody.meters[0]?.meter ?? null;
  const unit = unitTicks(firstMeter);
  const header = [
    `X:${options.referenceNumber ?? 1}`,
    `T:${abcTitle(melody.title)}`,
    `M:${meterText(firstMeter)}`,
    `L:1/${(4 * TICKS_PER_QUARTER) / unit}`,
    `Q:1/4=${Math.round(options.tempo)}`,
    keyField(melody),
  ];
  const signature = signatureAlters(melody.key.fifths);
  const lines: string[] = [];
  let line = '';
  let fullBars = 0;
  const chordsDone = new Set<number>();
  measures.forEach((measure, index) => {
    let text = index > 0 && measure.meterChange ? `[M:${meterText(measure.meter)}] ` : '';
    const accidentals = new MeasureAccidentals(signature);
    let graces = '';
    measure.pieces.forEach((piece: WrittenPiece) => {
      const accidental = piece.pitch !== undefined && accidentals.needs(piece.pitch);
      // A tie's continuation shows its accidental but sets none for the rest of the bar (abcjs reads it so too).
      if (piece.pitch !== undefined && accidental && !piece.tieStop) accidentals.write(piece.pitch);
      if (piece.grace) {
        graces += piece.pitch === undefined ? '' : pitchText(piece.pitch, accidental);
        return;
      }
      let token = '';
      if (piece.tuplet?.first === true) {
        const { actual, normal, count } = piece.tuplet;
        token += actual === 3 && normal === 2 && count === 3 ? '(3' : `(${actual}:${normal}:${count}`;
      }
      const chord = chords.get(piece.start);
      if (chord !== undefined && !chordsDone.has(piece.start)) {
        chordsDone.add(piece.start);
        token += `"${chord.replace(/"/g, '')}"`;
      }
      if (graces !== '') token += `{${graces}}`;
      graces = '';
      if (piece.fermata) token += '!fermata!';
      const written = piece.tuplet === undefined ? piece.length : (piece.length * piece.tuplet.actual) / piece.tuplet.normal;
      token += piece.pitch === undefined ? 'z' : pitchText(piece.pitch, accidental);
      token += lengthText(written, unit);
      if (piece.tieStart) token += '-';
      // Beamed notes are written together; a space ends a beam.
      const beamed = piece.beams[0] === 'begin' || piece.beams[0] === 'continue';
      text += token + (beamed ? '' : ' ');
    });
    if (graces !== '') text += `{${graces}}`;
    const last = index === measures.length - 1;
    line += text.trimEnd() + (last ? ' |]' : ' | ');
    if (!measure.pickup) fullBars++;
    if (!last && fullBars > 0 && fullBars % BARS_PER_LINE === 0 && !measure.pickup) {
      lines.push(line.trimEnd());
      line = '';
    }
  });
  if (line !== '') lines.push(line.trimEnd());
  return [...header, ...lines].join('\n') + '\n';
}
