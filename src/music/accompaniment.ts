// The accompaniment part played from a harmonisation: a bass note on the strong beats and the chord on the others
// (oom-pah in 2/4 and 4/4, oom-pah-pah in 3/4, bass and chord within each beat in 6/8 and 9/8: the jig's
// "oom-pa"), the bass alternating root and fifth while a chord lasts, the chords voiced close and moved to the
// nearest inversion, and the final chord held under the last note. Nothing in a pickup: the band comes in on
// the first full bar.
import { meterAt, type Harmony, type HarmonyChord } from './harmony.js';
import { barTicks } from './kern-write.js';
import { mod } from './pitch.js';
import { TICKS_PER_QUARTER } from './types.js';
import type { Melody, Meter } from './types.js';

export interface AccompanimentNote {
  /** MIDI pitch. */
  readonly pitch: number;
  /** Start and length in ticks, as the melody's. */
  readonly onset: number;
  readonly duration: number;
  /** Loudness 0..1 (MIDI velocity / 127): under the melody's 0.8. */
  readonly velocity: number;
  readonly role: 'bass' | 'chord';
}

export const BASS_VELOCITY = 0.6;
export const CHORD_VELOCITY = 0.42;
/** The bass root lies in E2..D#3, the chords' notes in F3..E4: below a melody centred on G4. */
const BASS_LOW = 40;
const CHORD_LOW = 53;
const CHORD_HIGH = 64;

/** A pulse of the pattern and which pulses of a bar carry the bass. */
interface BarPattern {
  readonly pulse: number;
  readonly pulses: number;
  readonly bass: ReadonlySet<number>;
  /** Compound meters: within each beat of three pulses the bass takes two and the chord the third. */
  readonly compound: boolean;
}

function patternFor(meter: Meter | null): BarPattern {
  if (meter === null) return { pulse: TICKS_PER_QUARTER, pulses: 0, bass: new Set([0]), compound: false };
  const eighth = TICKS_PER_QUARTER / 2;
  const unit = (4 * TICKS_PER_QUARTER) / meter.denominator;
  if (meter.denominator >= 8 && meter.numerator % 3 === 0) {
    const beats = meter.numerator / 3;
    const strongBeats = beats === 4 ? [0, 2] : beats === 2 ? [0, 1] : [0];
    return { pulse: (eighth * 8) / meter.denominator, pulses: meter.numerator, bass: new Set(strongBeats.map((beat) => 3 * beat)), compound: true };
  }
  // Half-note meters (2/2, 3/2) are played in quarters, like 4/4 and 6/4.
  const pulse = meter.denominator <= 2 ? TICKS_PER_QUARTER : unit;
  const pulses = barTicks(meter) / pulse;
  const bass = pulses === 4 ? [0, 2] : pulses === 5 ? [0, 3] : pulses === 6 ? [0, 2, 4] : [0];
  return { pulse, pulses, bass: new Set(bass), compound: false };
}

/** The lowest pitch >= low with this pitch class. */
function pitchAbove(pitchClass: number, low: number): number {
  return low + mod(pitchClass - low, 12);
}

/** Close voicings of the chord within the chord register (a seventh chord without its fifth), lowest first. */
function voicings(chord: HarmonyChord): number[][] {
  const classes = chord.pitchClasses.length > 3 ? chord.pitchClasses.filter((_, index) => index !== 2) : [...chord.pitchClasses];
  const result: number[][] = [];
  for (let inversion = 0; inversion < classes.length; inversion++) {
    const order = [...classes.slice(inversion), ...classes.slice(0, inversion)];
    const voicing: number[] = [];
    let low = CHORD_LOW;
    for (const pitchClass of order) {
      const pitch = pitchAbove(pitchClass, low);
      voicing.push(pitch);
      low = pitch + 1;
    }
    if (voicing[voicing.length - 1]! <= CHORD_HIGH + 3) result.push(voicing);
  }
  return result.length > 0 ? result : [classes.map((pitchClass) => pitchAbove(pitchClass, CHORD_LOW))];
}

/** The voicing nearest the previous one (smallest total movement): smooth voice leading. */
function nearestVoicing(chord: HarmonyChord, previous: readonly number[] | null): number[] {
  const options = voicings(chord);
  if (previous === null) return options.reduce((best, option) => (Math.abs(option[0]! - 57) < Math.abs(best[0]! - 57) ? option : best));
  const centre = previous.reduce((sum, pitch) => sum + pitch, 0) / previous.length;
  const distance = (option: readonly number[]): number => Math.abs(option.reduce((sum, pitch) => sum + pitch, 0) / option.length - centre);
  return options.reduce((best, option) => (distance(option) < distance(best) ? option : best));
}

/**
 * The accompaniment of a melody from its harmony: notes in time order. Empty when the harmony is (a melody of
 * rests only). The pattern follows the meter in force at each bar.
 */
export function accompanimentNotes(melody: Melody, harmony: Harmony): AccompanimentNote[] {
  const notes: AccompanimentNote[] = [];
  if (harmony.slots.length === 0) return notes;
  const end = harmony.slots[harmony.slots.length - 1]!.onset + harmony.slots[harmony.slots.length - 1]!.duration;
  const lastNote = [...melody.events].reverse().find((event) => event.kind === 'note' && event.grace !== true && event.duration > 0);
  const finalOnset = lastNote?.onset ?? end;
  const bars = [...new Set([0, ...melody.barlines.filter((tick) => tick < end)])].sort((a, b) => a - b);
  const pickupEnd = bars.length > 1 && (meterAt(melody, 0) === null || bars[1]! < barTicks(meterAt(melody, 0)!)) ? bars[1]! : 0;

  const chordAt = (tick: number): { chord: HarmonyChord; onset: number } | null => {
    for (const span of harmony.slots) if (span.onset <= tick && tick < span.onset + span.duration) return { chord: span.chord, onset: span.onset };
    return null;
  };
  let voicing: number[] | null = null;
  let voicedChord: HarmonyChord | null = null;
  let bassChord: HarmonyChord | null = null;
  let bassCount = 0;
  const voice = (chord: HarmonyChord): number[] => {
    if (voicedChord !== chord) {
      voicing = nearestVoicing(chord, voicing);
      voicedChord = chord;
    }
    return voicing!;
  };
  const addBass = (chord: HarmonyChord, onset: number, duration: number): void => {
    bassCount = bassChord === chord ? bassCount + 1 : 0;
    bassChord = chord;
    // Root, then the fifth below it, then the root again: the alternating bass of a guitar or an accordion.
    const root = pitchAbove(chord.root, BASS_LOW);
    const fifth = pitchAbove(chord.pitchClasses[2] ?? chord.root, root - 12 + 1);
    notes.push({ pitch: bassCount % 2 === 1 && fifth >= BASS_LOW - 5 ? fifth : root, onset, duration, velocity: BASS_VELOCITY, role: 'bass' });
  };
  const addChord = (chord: HarmonyChord, onset: number, duration: number): void => {
    for (const pitch of voice(chord)) notes.push({ pitch, onset, duration, velocity: CHORD_VELOCITY, role: 'chord' });
  };

  for (let index = 0; index < bars.length; index++) {
    const barStart = bars[index]!;
    const barEnd = Math.min(bars[index + 1] ?? end, end);
    if (barStart < pickupEnd) continue;
    const pattern = patternFor(meterAt(melody, barStart));
    const pulses = pattern.pulses > 0 ? pattern.pulses : Math.max(1, Math.round((barEnd - barStart) / pattern.pulse));
    for (let pulse = 0; pulse < pulses; pulse++) {
      const onset = barStart + pulse * pattern.pulse;
      if (onset >= barEnd || onset >= finalOnset) break;
      const here = chordAt(onset);
      if (here === null) continue;
      const length = Math.min(pattern.pulse, barEnd - onset, finalOnset - onset);
      const changes = here.onset === onset;
      if (pattern.compound) {
        const inBeat = pulse % 3;
        if (pattern.bass.has(pulse) || (changes && inBeat === 0)) addBass(here.chord, onset, Math.min(2 * pattern.pulse, barEnd - onset, finalOnset - onset));
        else if ((inBeat === 2 && pattern.bass.has(pulse - 2)) || (inBeat === 0 && !pattern.bass.has(pulse))) {
          // After the bass: the chord on the beat's last pulse; on a weak beat: the chord on the beat.
          addChord(here.chord, onset, Math.min((inBeat === 0 ? 2 : 1) * pattern.pulse, barEnd - onset, finalOnset - onset) * 0.7);
        }
      } else if (pattern.bass.has(pulse) || changes) addBass(here.chord, onset, length * 0.9);
      else addChord(here.chord, onset, length * 0.6);
    }
  }
  // The final chord, bass and all, held with the last note.
  const final = chordAt(finalOnset);
  if (final !== null && end > finalOnset) {
    addBass(final.chord, finalOnset, end - finalOnset);
    bassChord = null;
    addChord(final.chord, finalOnset, end - finalOnset);
  }
  return notes.map((note) => ({ ...note, duration: Math.max(1, Math.round(note.duration)) }));
}
