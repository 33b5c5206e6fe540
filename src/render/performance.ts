// What the audio renderers play: notes in seconds plus a General MIDI program. A Melody (ticks) becomes a
// Performance at a tempo with `performanceFromMelody`; other callers may build one directly.

import { TICKS_PER_QUARTER, type Melody } from '../music/types.js';
import { RenderError } from './render-error.js';

export interface PerformedNote {
  /** MIDI pitch, 0..127 (60 = middle C). */
  readonly pitch: number;
  /** Start in seconds from the start of the audio, >= 0. */
  readonly start: number;
  /** Sounding length in seconds, > 0 (the release tail comes on top). */
  readonly duration: number;
  /** MIDI velocity 1..127; default 90. */
  readonly velocity?: number;
}

export interface Performance {
  readonly notes: readonly PerformedNote[];
  /** General MIDI program number 0..127 (0 = Acoustic Grand Piano, 73 = Flute, 24 = Nylon Guitar ...). */
  readonly program: number;
  /** Length of the music in seconds (rests at the end included); default: the end of the last note. */
  readonly durationSeconds?: number;
  /** A second part under the melody, in its own program and voice (chords and bass: see music/accompaniment.ts). */
  readonly accompaniment?: {
    readonly notes: readonly PerformedNote[];
    readonly program: number;
    /** Loudness against the melody (synth: DEFAULT_ACCOMPANIMENT_LEVEL, 0.5). */
    readonly level?: number;
  };
}

export interface MelodyPerformanceOptions {
  /** Tempo in quarter notes per minute (20..400). */
  readonly bpm: number;
  /** General MIDI program number 0..127; default 73 (Flute). */
  readonly program?: number;
  /** How much longer a note or rest under a fermata is held; default 1.5. */
  readonly fermataStretch?: number;
  /** Notes in the melody's ticks with velocity 0..1, played under it in this program (fermatas stretch them too). */
  readonly accompaniment?: {
    readonly notes: readonly { readonly pitch: number; readonly onset: number; readonly duration: number; readonly velocity: number }[];
    readonly program: number;
  };
}

export const DEFAULT_PROGRAM = 73;
export const DEFAULT_VELOCITY = 90;
/** Grace notes are played this long, just before their main note (an acciaccatura). */
const GRACE_SECONDS = 0.06;

/**
 * Plays a Melody at `bpm` quarters per minute: ticks become seconds, fermatas hold longer (the rest of the
 * tune is pushed back), grace notes sound briefly before the beat, rests are silence. The performance lasts
 * until the end of the last event, so a closing rest is kept.
 */
export function performanceFromMelody(melody: Melody, options: MelodyPerformanceOptions): Performance {
  const { bpm } = options;
  if (!Number.isFinite(bpm) || bpm < 20 || bpm > 400) {
    throw new RenderError('option', `tempo must be 20..400 quarter notes per minute, got ${bpm}`);
  }
  const program = options.program ?? DEFAULT_PROGRAM;
  checkProgram(program);
  const stretch = options.fermataStretch ?? 1.5;
  if (!Number.isFinite(stretch) || stretch < 1 || stretch > 4) {
    throw new RenderError('option', `fermata stretch must be 1..4, got ${stretch}`);
  }
  const secondsPerTick = 60 / bpm / TICKS_PER_QUARTER;
  const notes: PerformedNote[] = [];
  // Seconds added by fermatas before the current event.
  let delay = 0;
  let end = 0;
  for (const event of melody.events) {
    const start = event.onset * secondsPerTick + delay;
    let length = event.duration * secondsPerTick;
    if (event.fermata) {
      delay += length * (stretch - 1);
      length *= stretch;
    }
    if (event.kind === 'note') {
      if (event.grace) {
        notes.push({ pitch: event.pitch, start: Math.max(0, start - GRACE_SECONDS), duration: GRACE_SECONDS });
      } else if (length > 0) {
        notes.push({ pitch: event.pitch, start, duration: length });
      }
    }
    end = Math.max(end, start + length);
  }
  const accompaniment = options.accompaniment;
  if (accompaniment === undefined || accompaniment.notes.length === 0) return { notes, program, durationSeconds: end };
  checkProgram(accompaniment.program);
  // Fermatas stretch time: a tick's time is its plain time plus the delay of the fermatas before it, and inside a
  // fermata event, a stretched share of that event.
  const fermatas = melody.events.filter((event) => event.fermata && event.duration > 0);
  const secondsAt = (tick: number): number => {
    let extra = 0;
    for (const event of fermatas) {
      if (event.onset >= tick) break;
      extra += (Math.min(tick, event.onset + event.duration) - event.onset) * (stretch - 1);
    }
    return (tick + extra) * secondsPerTick;
  };
  const accompanimentNotes = accompaniment.notes.map((note): PerformedNote => {
    const start = secondsAt(note.onset);
    return {
      pitch: note.pitch,
      start,
      duration: Math.max(0.01, secondsAt(note.onset + note.duration) - start),
      velocity: Math.max(1, Math.min(127, Math.round(note.velocity * 127))),
    };
  });
  for (const note of accompanimentNotes) end = Math.max(end, note.start + note.duration);
  return { notes, program, durationSeconds: end, accompaniment: { notes: accompanimentNotes, program: accompaniment.program } };
}

/** Checks a performance and returns its length in seconds (at least the end of its last note). */
export function checkedPerformanceLength(performance: Performance): number {
  checkProgram(performance.program);
  let end = 0;
  performance.notes.forEach((note, index) => {
    const where = `note ${index + 1} of ${performance.notes.length}`;
    if (!Number.isInteger(note.pitch) || note.pitch < 0 || note.pitch > 127) {
      throw new RenderError('notes', `${where}: pitch must be a MIDI note number 0..127, got ${note.pitch}`);
    }
    if (!Number.isFinite(note.start) || note.start < 0) {
      throw new RenderError('notes', `${where}: start must be a time in seconds >= 0, got ${note.start}`);
    }
    if (!Number.isFinite(note.duration) || note.duration <= 0) {
      throw new RenderError('notes', `${where}: duration must be a time in seconds > 0, got ${note.duration}`);
    }
    const velocity = note.velocity ?? DEFAULT_VELOCITY;
    if (!Number.isInteger(velocity) || velocity < 1 || velocity > 127) {
      throw new RenderError('notes', `${where}: velocity must be 1..127, got ${velocity}`);
    }
    end = Math.max(end, note.start + note.duration);
  });
  (performance.accompaniment?.notes ?? []).forEach((note, index) => {
    const where = `accompaniment note ${index + 1}`;
    if (!Number.isInteger(note.pitch) || note.pitch < 0 || note.pitch > 127 || !Number.isFinite(note.start) || note.start < 0 || !Number.isFinite(note.duration) || note.duration <= 0) {
      throw new RenderError('notes', `${where}: needs a MIDI pitch 0..127, a start >= 0 and a duration > 0 (seconds)`);
    }
    end = Math.max(end, note.start + note.duration);
  });
  if (performance.accompaniment !== undefined) checkProgram(performance.accompaniment.program);
  const stated = performance.durationSeconds;
  if (stated !== undefined) {
    if (!Number.isFinite(stated) || stated < end - 1e-6) {
      throw new RenderError('notes', `durationSeconds (${stated}) must be a number no shorter than the last note's end (${end.toFixed(3)} s)`);
    }
    end = stated;
  }
  if (performance.notes.length === 0) throw new RenderError('notes', 'there are no notes to play');
  return end;
}

function checkProgram(program: number): void {
  if (!Number.isInteger(program) || program < 0 || program > 127) {
    throw new RenderError('option', `General MIDI program must be a whole number 0..127, got ${program}`);
  }
}
