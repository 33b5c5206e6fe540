// Melody -> MusicXML 4.0 (uncompressed, score-partwise), the format MuseScore, Finale, Sibelius and Dorico open:
// title, one part with its General MIDI instrument, key with mode, time signature (senza-misura for free
// meter), tempo, clef, the measures between the melody's barlines (a pickup is an implicit measure 0), notes
// with ties, tuplets, beams, accidentals as engraved (per measure, after the key signature), grace notes and
// fermatas, and a final barline. Written as text: it is one fixed document shape, and a DOM library would add
// nothing but a dependency.
import { instrumentName } from '../instruments.js';
import { escapeXmlText, singleLineText } from '../title-text.js';
import { TICKS_PER_QUARTER, type Melody, type Meter } from '../types.js';
import { layoutMelody, MeasureAccidentals, signatureAlters, suitsBassClef, type WrittenMeasure, type WrittenPiece } from './notation.js';

export interface MusicXmlOptions {
  /** Quarter notes per minute. */
  readonly tempo: number;
  /** General MIDI program 0..127. */
  readonly program: number;
  /** The part's name; the instrument's General MIDI name when absent. */
  readonly partName?: string;
}

/** Text for XML content: one line, markup characters escaped (see ../title-text.ts). */
function xmlText(text: string): string {
  return escapeXmlText(singleLineText(text));
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

const ACCIDENTAL_NAMES: Readonly<Record<number, string>> = { [-2]: 'flat-flat', [-1]: 'flat', 0: 'natural', 1: 'sharp', 2: 'double-sharp' };

function titleCase(name: string): string {
  return name.replace(/(^|[\s(])([a-z])/g, (_, before: string, letter: string) => before + letter.toUpperCase());
}

function timeElement(meter: Meter | null): string {
  return meter === null
    ? '<time print-object="no"><senza-misura/></time>'
    : `<time><beats>${meter.numerator}</beats><beat-type>${meter.denominator}</beat-type></time>`;
}

function noteElement(piece: WrittenPiece, tick: number, accidentals: MeasureAccidentals, indent: string): string {
  const parts: string[] = [];
  if (piece.grace) parts.push('<grace/>');
  if (piece.pitch === undefined) {
    parts.push('<rest/>');
  } else {
    const { step, alter, octave } = piece.pitch;
    parts.push(`<pitch><step>${step}</step>${alter !== 0 ? `<alter>${alter}</alter>` : ''}<octave>${octave}</octave></pitch>`);
  }
  if (!piece.grace) parts.push(`<duration>${piece.length / tick}</duration>`);
  if (piece.tieStop) parts.push('<tie type="stop"/>');
  if (piece.tieStart) parts.push('<tie type="start"/>');
  parts.push('<voice>1</voice>');
  parts.push(`<type>${piece.value.type}</type>`);
  for (let i = 0; i < piece.value.dots; i++) parts.push('<dot/>');
  if (piece.pitch !== undefined && !piece.tieStop && accidentals.needs(piece.pitch)) {
    parts.push(`<accidental>${ACCIDENTAL_NAMES[piece.pitch.alter] ?? 'natural'}</accidental>`);
    accidentals.write(piece.pitch);
  }
  if (piece.tuplet !== undefined) {
    parts.push(`<time-modification><actual-notes>${piece.tuplet.actual}</actual-notes><normal-notes>${piece.tuplet.normal}</normal-notes></time-modification>`);
  }
  piece.beams.forEach((mark, level) => parts.push(`<beam number="${level + 1}">${mark}</beam>`));
  const notations: string[] = [];
  if (piece.tieStop) notations.push('<tied type="stop"/>');
  if (piece.tieStart) notations.push('<tied type="start"/>');
  if (piece.tuplet?.first === true) notations.push('<tuplet type="start" bracket="yes"/>');
  if (piece.tuplet?.last === true) notations.push('<tuplet type="stop"/>');
  if (piece.fermata) notations.push('<fermata type="upright"/>');
  if (notations.length > 0) parts.push(`<notations>${notations.join('')}</notations>`);
  return `${indent}<note>${parts.join('')}</note>`;
}

export function writeMusicXml(melody: Melody, options: MusicXmlOptions): string {
  const measures: WrittenMeasure[] = layoutMelody(melody);
  // Divisions per quarter: the coarsest grid that holds every length exactly (960 ticks allow any Essen rhythm).
  const tick = measures.flatMap((m) => m.pieces).reduce((g, p) => (p.length > 0 ? gcd(g, p.length) : g), TICKS_PER_QUARTER);
  const divisions = TICKS_PER_QUARTER / tick;
  const program = options.program;
  const instrument = titleCase(instrumentName(program));
  const partName = options.partName ?? instrument;
  const signature = signatureAlters(melody.key.fifths);
  const tempo = Math.round(options.tempo);
  const bass = suitsBassClef(melody);

  const lines: string[] = [
    '<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
    '<!DOCTYPE score-partwise PUBLIC "-//Recordare//DTD MusicXML 4.0 Partwise//EN" "http://www.musicxml.org/dtds/partwise.dtd">',
    '<score-partwise version="4.0">',
    `  <work><work-title>${xmlText(melody.title)}</work-title></work>`,
    '  <identification><encoding><software>folkbot</software></encoding></identification>',
    '  <part-list>',
    '    <score-part id="P1">',
    `      <part-name>${xmlText(partName)}</part-name>`,
    `      <score-instrument id="P1-I1"><instrument-name>${xmlText(instrument)}</instrument-name></score-instrument>`,
    `      <midi-instrument id="P1-I1"><midi-channel>1</midi-channel><midi-program>${program + 1}</midi-program></midi-instrument>`,
    '    </score-part>',
    '  </part-list>',
    '  <part id="P1">',
  ];
  measures.forEach((measure, index) => {
    lines.push(`    <measure number="${measure.number}"${measure.pickup ? ' implicit="yes"' : ''}>`);
    if (index === 0) {
      lines.push(
        `      <attributes><divisions>${divisions}</divisions><key><fifths>${melody.key.fifths}</fifths><mode>${melody.key.mode}</mode></key>` +
          `${timeElement(measure.meter)}<clef><sign>${bass ? 'F' : 'G'}</sign><line>${bass ? 4 : 2}</line></clef></attributes>`,
      );
      lines.push(
        `      <direction placement="above"><direction-type><metronome><beat-unit>quarter</beat-unit><per-minute>${tempo}</per-minute></metronome></direction-type><sound tempo="${tempo}"/></direction>`,
      );
    } else if (measure.meterChange) {
      lines.push(`      <attributes>${timeElement(measure.meter)}</attributes>`);
    }
    const accidentals = new MeasureAccidentals(signature);
    for (const piece of measure.pieces) lines.push(noteElement(piece, tick, accidentals, '      '));
    if (index === measures.length - 1) lines.push('      <barline location="right"><bar-style>light-heavy</bar-style></barline>');
    lines.push('    </measure>');
  });
  lines.push('  </part>', '</score-partwise>');
  return lines.join('\n') + '\n';
}
