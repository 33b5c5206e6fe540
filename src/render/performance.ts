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
}

export interface MelodyPerformanceOptions {
  /** Tempo in quarter notes per minute (20..400). */
  readonly bpm: number;
  /** General MIDI program number 0..127; default 73 (Flute). */
  readonly program?: number;
  /** How much longer a note or rest under a fermata is held; default 1.5. */
  readonly fermataStretch?: number;
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
  return { notes, program, durationSeconds: end };
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
