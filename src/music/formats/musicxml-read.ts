// MusicXML (uncompressed, score-partwise) -> Melody: the highest voice of the first part, chords reduced to their
// highest note, tied notes joined, grace notes kept as grace notes. @xmldom/xmldom parses the XML; the walk over
// measures, notes, <backup> and <forward> is written here: the npm MusicXML readers are either unmaintained or
// full score models far larger than this one melody line needs.
import { DOMParser, type Element } from '@xmldom/xmldom';
import { SeedFileError } from '../errors.js';
import { estimateKey, keyOf } from '../key.js';
import { TICKS_PER_QUARTER, type Key, type Melody, type MelodyEvent, type Meter, type MeterChange, type Mode } from '../types.js';
import { openingEvents, type ReadLimit, type ReadMelody } from './read-melody.js';

const STEP_PITCH: Readonly<Record<string, number>> = { C: 0, D: 2, E: 4, F: 5, G: 7, A: 9, B: 11 };
const MODE_OF: Readonly<Record<string, Mode>> = { major: 'major', ionian: 'major', mixolydian: 'major', lydian: 'major', minor: 'minor', aeolian: 'minor', dorian: 'minor', phrygian: 'minor', locrian: 'minor' };

function children(element: Element, name?: string): Element[] {
  const found: Element[] = [];
  for (let node = element.firstChild; node !== null; node = node.nextSibling) {
    if (node.nodeType === 1 && (name === undefined || node.nodeName === name)) found.push(node as Element);
  }
  return found;
}

function child(element: Element | undefined, name: string): Element | undefined {
  return element === undefined ? undefined : children(element, name)[0];
}

function text(element: Element | undefined, name: string): string | undefined {
  const value = child(element, name)?.textContent?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function number(element: Element | undefined, name: string): number | undefined {
  const value = Number(text(element, name));
  return Number.isFinite(value) ? value : undefined;
}

interface ReadNote {
  readonly voice: string;
  readonly pitch: number | null; // null: a rest
  readonly onset: number;
  readonly duration: number;
  readonly grace: boolean;
  readonly tieStart: boolean;
  readonly tieStop: boolean;
  readonly fermata: boolean;
}

/**
 * The score up to the end of the first of the first part's measures that brings its `<note>` elements to `notes`,
 * closed: the part list and the first part come first in a partwise score. Null when the part ends before. A
 * "</measure>" or "<note" inside a comment or CDATA may cut the text where it does not parse, or read a few
 * measures more or fewer: then the whole file is read, or more measures.
 */
function scoreOpening(xml: string, notes: number): string | null {
  const partStart = xml.search(/<part[\s>]/);
  if (partStart < 0) return null;
  const partEnd = xml.indexOf('</part>', partStart);
  let at = partStart;
  let seen = 0;
  while (seen < notes) {
    const end = xml.indexOf('</measure>', at);
    if (end < 0 || (partEnd >= 0 && partEnd < end)) return null;
    for (let note = xml.indexOf('<note', at); note >= 0 && note < end; note = xml.indexOf('<note', note + 5)) {
      if (/[\s>/]/.test(xml[note + 5] ?? '')) seen++; // not <notations>
    }
    at = end + '</measure>'.length;
  }
  return `${xml.slice(0, at)}</part></score-partwise>`;
}

/**
 * Reads a MusicXML file. `file` names it in messages. Throws SeedFileError. With `limit`, the first part's
 * opening measures are read, more while its highest voice has no more than limit.timedEvents notes and rests in
 * them; the voice is then the highest of those measures.
 */
export function readMusicXml(xml: string, file: string, limit: ReadLimit = {}): ReadMelody {
  if (limit.timedEvents !== undefined) {
    // A quarter more notes than events wanted, for chords, other voices and grace notes; then twice as many.
    for (let notes = Math.ceil(1.25 * (limit.timedEvents + 1)); ; notes *= 2) {
      const opening = scoreOpening(xml, notes);
      if (opening === null) break;
      try {
        const read = readScore(opening, file, true);
        const melody = openingEvents(read.melody, limit.timedEvents);
        if (melody !== null) return { ...read, melody };
      } catch {
        break; // the whole file is read, and gives the message
      }
    }
  }
  return readScore(xml, file, false);
}

/** Reads a score; `cut` when it is the opening of one (its other parts left out). */
function readScore(xml: string, file: string, cut: boolean): ReadMelody {
  if (xml.startsWith('PK')) {
    throw new SeedFileError(file, `${file} is compressed MusicXML (.mxl): export it uncompressed (.musicxml) and send that`);
  }
  let root: Element | null;
  try {
    const document = new DOMParser({
      onError: (level, message) => {
        if (level !== 'warning') throw new Error(message);
      },
    }).parseFromString(xml, 'text/xml');
    root = document.documentElement;
  } catch {
    throw new SeedFileError(file, `${file} is not well-formed XML, so it cannot be read as MusicXML`);
  }
  if (root?.nodeName === 'score-timewise') {
    throw new SeedFileError(file, `${file} is timewise MusicXML: export it as partwise MusicXML (what score editors write)`);
  }
  if (root?.nodeName !== 'score-partwise') {
    throw new SeedFileError(file, `${file} is XML but not MusicXML: a MusicXML score starts with <score-partwise>`);
  }
  const parts = children(root, 'part');
  const part = parts[0];
  const partList = child(root, 'part-list');
  const partCount = cut ? children(partList ?? root, 'score-part').length : parts.length;
  if (part === undefined) throw new SeedFileError(file, `${file} has no part, so no notes`);
  const remarks: string[] = [];
  const partId = part.getAttribute('id') ?? '';
  const scorePart = children(partList ?? root, 'score-part').find((p) => p.getAttribute('id') === partId);
  const partName = text(scorePart, 'part-name');
  const partText = `part 1${partName !== undefined ? `, '${partName}'` : ''}`;
  if (partCount > 1) remarks.push(`the score has ${partCount} parts: ${partText} was taken`);

  let divisions = 1;
  let key: Key | null = null;
  const meters: MeterChange[] = [];
  const barlines: number[] = [];
  const notes: ReadNote[] = [];
  let rounded = 0;
  let measureStart = 0;
  const ticksOf = (duration: number): number => {
    const ticks = (duration * TICKS_PER_QUARTER) / divisions;
    if (!Number.isInteger(ticks)) rounded++;
    return Math.max(0, Math.round(ticks));
  };
  for (const measure of children(part, 'measure')) {
    let position = measureStart;
    let furthest = measureStart;
    let lastOnset = measureStart;
    for (const element of children(measure)) {
      if (element.nodeName === 'attributes') {
        divisions = number(element, 'divisions') ?? divisions;
        if (!(divisions > 0)) throw new SeedFileError(file, `${file} has <divisions> of ${divisions}: it must be a positive number`);
        const keyElement = child(element, 'key');
        const fifths = number(keyElement, 'fifths');
        if (key === null && fifths !== undefined && Number.isInteger(fifths) && Math.abs(fifths) <= 7) {
          const modeText = text(keyElement, 'mode') ?? 'major';
          const mode = MODE_OF[modeText] ?? 'major';
          if (modeText !== mode) remarks.push(`the key's mode, ${modeText}, was read as ${mode}`);
          const majorTonic = (((fifths * 7) % 12) + 12) % 12;
          key = mode === 'major' ? keyOf(majorTonic, 'major') : keyOf(majorTonic + 9, 'minor');
        }
        const time = child(element, 'time');
        if (time !== undefined) {
          const beats = Number(text(time, 'beats')?.split('+')[0]);
          const beatType = number(time, 'beat-type');
          const meter: Meter | null =
            child(time, 'senza-misura') === undefined && Number.isInteger(beats) && beats > 0 && beatType !== undefined && Number.isInteger(beatType) && beatType > 0
              ? { numerator: beats, denominator: beatType }
              : null;
          if (meters[meters.length - 1]?.tick === measureStart) meters.pop();
          meters.push({ tick: measureStart, meter });
        }
      } else if (element.nodeName === 'backup') {
        position = Math.max(measureStart, position - ticksOf(number(element, 'duration') ?? 0));
      } else if (element.nodeName === 'forward') {
        position += ticksOf(number(element, 'duration') ?? 0);
      } else if (element.nodeName === 'note') {
        const grace = child(element, 'grace') !== undefined;
        const chord = child(element, 'chord') !== undefined;
        const duration = grace ? 0 : ticksOf(number(element, 'duration') ?? 0);
        const onset = chord ? lastOnset : position;
        const pitchElement = child(element, 'pitch');
        let pitch: number | null = null;
        if (pitchElement !== undefined) {
          const step = STEP_PITCH[text(pitchElement, 'step') ?? ''];
          const octave = number(pitchElement, 'octave');
          const alter = Math.round(number(pitchElement, 'alter') ?? 0);
          if (step !== undefined && octave !== undefined) pitch = 12 * (octave + 1) + step + alter;
          if (pitch !== null && (pitch < 0 || pitch > 127)) pitch = null;
        }
        const ties = children(element, 'tie').map((t) => t.getAttribute('type'));
        if (pitchElement !== undefined && pitch === null) continue; // an unreadable pitch: left out
        if (child(element, 'unpitched') !== undefined) continue;
        notes.push({
          voice: `${text(element, 'staff') ?? '1'}/${text(element, 'voice') ?? '1'}`,
          pitch,
          onset,
          duration,
          grace,
          tieStart: ties.includes('start'),
          tieStop: ties.includes('stop'),
          fermata: children(element, 'notations').some((n) => child(n, 'fermata') !== undefined),
        });
        if (!chord && !grace) {
          lastOnset = position;
          position += duration;
        }
      }
      furthest = Math.max(furthest, position);
    }
    measureStart = furthest;
    if (measureStart > 0 && barlines[barlines.length - 1] !== measureStart) barlines.push(measureStart);
  }
  if (rounded > 0) remarks.push(`${rounded} duration${rounded === 1 ? '' : 's'} did not fall on 960 ticks per quarter note and ${rounded === 1 ? 'was' : 'were'} rounded`);

  // The highest voice: the one whose notes lie highest on average.
  const voices = [...new Set(notes.map((n) => n.voice))];
  const mean = (voice: string): number => {
    const pitches = notes.filter((n) => n.voice === voice && n.pitch !== null).map((n) => n.pitch ?? 0);
    return pitches.length === 0 ? -Infinity : pitches.reduce((a, b) => a + b, 0) / pitches.length;
  };
  const voice = voices.reduce((best, v) => (mean(v) > mean(best) ? v : best), voices[0] ?? '1/1');
  if (voices.length > 1) remarks.push(`the part has ${voices.length} voices: the highest was taken`);
  const line = notes.filter((n) => n.voice === voice).sort((a, b) => a.onset - b.onset || Number(b.grace) - Number(a.grace) || (b.pitch ?? -1) - (a.pitch ?? -1));

  const events: MelodyEvent[] = [];
  let tick = 0;
  let chords = false;
  let openTie: number | null = null;
  for (const note of line) {
    if (note.grace) {
      if (note.pitch !== null && note.onset >= tick) events.push({ kind: 'note', pitch: note.pitch, onset: note.onset, duration: 0, grace: true });
      continue;
    }
    if (note.onset < tick) {
      chords = chords || note.pitch !== null;
      continue; // a lower note of a chord, or a note under one still sounding
    }
    if (note.duration === 0) continue;
    const previous: MelodyEvent | undefined = openTie === null ? undefined : events[openTie];
    if (note.tieStop && previous?.kind === 'note' && previous.pitch === note.pitch && note.onset === tick) {
      events[openTie ?? 0] = { ...previous, duration: previous.duration + note.duration, ...(note.fermata ? { fermata: true } : {}) };
    } else {
      if (note.onset > tick) events.push({ kind: 'rest', onset: tick, duration: note.onset - tick });
      events.push(
        note.pitch === null
          ? { kind: 'rest', onset: note.onset, duration: note.duration, ...(note.fermata ? { fermata: true } : {}) }
          : { kind: 'note', pitch: note.pitch, onset: note.onset, duration: note.duration, ...(note.fermata ? { fermata: true } : {}) },
      );
    }
    openTie = note.tieStart && note.pitch !== null ? events.length - 1 : null;
    tick = note.onset + note.duration;
  }
  if (chords) remarks.push('chords: the highest note of each was taken');
  if (!events.some((e) => e.kind === 'note' && e.grace !== true)) throw new SeedFileError(file, `${file} has no notes in ${partText}`);
  if (meters.length === 0 || (meters[0]?.tick ?? 0) > 0) meters.unshift({ tick: 0, meter: null });
  const title = text(child(root, 'work'), 'work-title') ?? text(root, 'movement-title');
  const melody: Melody = {
    title: title ?? (file.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '') || 'Untitled'),
    source: file,
    key: key ?? estimateKey(events),
    keySource: key === null ? 'estimated' : 'file',
    meters,
    barlines: barlines.filter((b) => b <= tick),
    events,
    phraseStarts: [],
  };
  return { melody, part: partText, remarks };
}
