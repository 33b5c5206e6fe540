// The built-in synthesizer: plays a Performance as mono PCM without any download. Four voices, picked loosely
// from the General MIDI program family: a plucked string (Karplus-Strong with fractional-delay tuning), and
// three wavetable winds/strings (flute, reed, bowed) with attack/decay/release envelopes, delayed vibrato and
// breath/bow noise. A short room reverb is mixed in. Deterministic: same input, same samples.

import { DEFAULT_VELOCITY, checkedPerformanceLength, type Performance, type PerformedNote } from './performance.js';
import { createRandom } from '../util/random.js';

export type VoiceName = 'plucked' | 'flute' | 'reed' | 'bowed';

export interface SynthOptions {
  /** Samples per second; default 44100. */
  readonly sampleRate?: number;
  /** Overrides the voice chosen from the program. */
  readonly voice?: VoiceName;
  /** Reverb mix 0..1; default 0.18. */
  readonly reverb?: number;
}

/** Seconds of audio after the end of the music, for release tails and reverb. */
export const TAIL_SECONDS = 1.0;
export const DEFAULT_SAMPLE_RATE = 44100;
/** Share of reverberated signal in the mix. */
export const DEFAULT_REVERB = 0.18;

/** Loose mapping from the General MIDI program (0..127) to one of the built-in voices. */
export function voiceForProgram(program: number): VoiceName {
  if (program === 45 || program === 46 || program === 47) return 'plucked'; // pizzicato, harp, timpani
  if (program === 109 || program === 111) return 'reed'; // bagpipe, shanai
  if (program === 110) return 'bowed'; // fiddle
  switch (Math.floor(program / 8)) {
    case 0: // pianos
    case 1: // chromatic percussion
    case 3: // guitars
    case 4: // basses
    case 13: // sitar, banjo, shamisen, koto, kalimba
    case 14: // percussive
      return 'plucked';
    case 2: // organs, accordion, harmonica
    case 7: // brass
    case 8: // reeds
    case 10: // synth leads
      return 'reed';
    case 5: // strings
    case 6: // ensembles
    case 11: // pads
      return 'bowed';
    default: // pipes (flute, recorder, whistle, ocarina ...), effects
      return 'flute';
  }
}

/** Renders the performance to mono samples in -1..1: the music plus TAIL_SECONDS, loudness-normalized. */
export function synthesize(performance: Performance, options: SynthOptions = {}): Float32Array {
  const sampleRate = options.sampleRate ?? DEFAULT_SAMPLE_RATE;
  const length = checkedPerformanceLength(performance);
  const voice = options.voice ?? voiceForProgram(performance.program);
  const out = new Float32Array(Math.ceil((length + TAIL_SECONDS) * sampleRate));
  performance.notes.forEach((note, index) => {
    // A per-note seed: the noise of each note is fixed by its place and pitch, not by a global state.
    const random = createRandom(0x9e3779b9 ^ (index * 7919 + note.pitch * 104729)).next;
    if (voice === 'plucked') addPluckedNote(out, note, sampleRate, random);
    else addSustainedNote(out, note, sampleRate, SUSTAINED_VOICES[voice], random);
  });
  const reverb = options.reverb ?? DEFAULT_REVERB;
  if (reverb > 0) addRoomReverb(out, sampleRate, reverb);
  normalizeLoudness(out, Math.ceil(length * sampleRate));
  return out;
}

// --- sustained voices: wavetable + envelope + vibrato + noise ----------------------------------------------

interface SustainedVoice {
  /** Relative amplitudes of harmonics 1, 2, 3, ... */
  readonly harmonics: readonly number[];
  readonly attack: number;
  readonly decay: number;
  /** Level held after the decay, relative to the peak. */
  readonly sustain: number;
  readonly release: number;
  readonly vibratoCents: number;
  readonly vibratoHz: number;
  /** Seconds before vibrato starts fading in (players add it to held notes). */
  readonly vibratoDelay: number;
  /** Breath or bow noise level relative to the tone, and its extra burst at the attack. */
  readonly noise: number;
  readonly noiseAttackBoost: number;
  /** One-pole low-pass coefficient colouring the noise (higher: darker). */
  readonly noiseColour: number;
}

const SUSTAINED_VOICES: Record<Exclude<VoiceName, 'plucked'>, SustainedVoice> = {
  flute: {
    harmonics: [1, 0.3, 0.12, 0.05, 0.025, 0.012],
    attack: 0.05,
    decay: 0.15,
    sustain: 0.82,
    release: 0.12,
    vibratoCents: 14,
    vibratoHz: 5,
    vibratoDelay: 0.22,
    noise: 0.07,
    noiseAttackBoost: 2.5,
    noiseColour: 0.75,
  },
  // Clarinet-like: odd harmonics dominate.
  reed: {
    harmonics: [1, 0.08, 0.55, 0.06, 0.32, 0.05, 0.18, 0.04, 0.1, 0.03, 0.06],
    attack: 0.035,
    decay: 0.1,
    sustain: 0.85,
    release: 0.09,
    vibratoCents: 6,
    vibratoHz: 5.2,
    vibratoDelay: 0.3,
    noise: 0.02,
    noiseAttackBoost: 2,
    noiseColour: 0.6,
  },
  // Violin-like: a sawtooth spectrum with a formant bump around the 4th harmonic.
  bowed: {
    harmonics: Array.from({ length: 14 }, (_, i) => (1 / (i + 1)) * (1 + 0.7 * Math.exp(-((i + 1 - 4) ** 2) / 4))),
    attack: 0.07,
    decay: 0.2,
    sustain: 0.9,
    release: 0.15,
    vibratoCents: 18,
    vibratoHz: 5.5,
    vibratoDelay: 0.18,
    noise: 0.015,
    noiseAttackBoost: 3,
    noiseColour: 0.4,
  },
};

const TABLE_SIZE = 4096;
const tableCache = new Map<string, Float32Array>();

/** One period of the voice's waveform with at most `maxHarmonics` harmonics (band-limited), peak 1. */
function wavetable(harmonics: readonly number[], maxHarmonics: number): Float32Array {
  const count = Math.max(1, Math.min(harmonics.length, maxHarmonics));
  const key = `${harmonics.join(',')}|${count}`;
  const cached = tableCache.get(key);
  if (cached) return cached;
  // One extra sample so interpolation never wraps.
  const table = new Float32Array(TABLE_SIZE + 1);
  let peak = 0;
  for (let i = 0; i <= TABLE_SIZE; i++) {
    let value = 0;
    for (let k = 0; k < count; k++) value += (harmonics[k] ?? 0) * Math.sin((2 * Math.PI * (k + 1) * i) / TABLE_SIZE);
    table[i] = value;
    peak = Math.max(peak, Math.abs(value));
  }
  for (let i = 0; i <= TABLE_SIZE; i++) table[i] = (table[i] ?? 0) / peak;
  tableCache.set(key, table);
  return table;
}

function addSustainedNote(out: Float32Array, note: PerformedNote, sampleRate: number, voice: SustainedVoice, random: () => number): void {
  const frequency = midiToHertz(note.pitch);
  const table = wavetable(voice.harmonics, Math.floor((0.45 * sampleRate) / frequency));
  const amplitude = velocityGain(note.velocity);
  const first = Math.round(note.start * sampleRate);
  const held = Math.max(1, Math.round(note.duration * sampleRate));
  const total = held + Math.round(voice.release * sampleRate);
  const baseIncrement = (frequency * TABLE_SIZE) / sampleRate;
  const vibratoStep = (2 * Math.PI * voice.vibratoHz) / sampleRate;
  const vibratoPhase = random() * 2 * Math.PI;
  let phase = random() * TABLE_SIZE;
  let noiseLow = 0;
  let noisePrev = 0;
  let levelAtRelease = 0;
  let increment = baseIncrement;
  // Exponentials advanced by one multiplication per sample instead of Math.exp (this loop is the hot path).
  const attackSamples = Math.max(1, Math.round(voice.attack * sampleRate));
  const decayFactor = Math.exp(-1 / (voice.decay * sampleRate));
  const burstFactor = Math.exp(-1 / (0.04 * sampleRate));
  let decaying = 1;
  let burstTerm = 1;
  for (let i = 0; i < total && first + i < out.length; i++) {
    let level: number;
    if (i < held) {
      if (i < attackSamples) {
        level = 0.5 * (1 - Math.cos((Math.PI * i) / attackSamples));
      } else {
        level = voice.sustain + (1 - voice.sustain) * decaying;
        decaying *= decayFactor;
      }
      levelAtRelease = level;
    } else {
      // Raised-cosine fade from wherever the envelope stood: no step, no click.
      level = levelAtRelease * 0.5 * (1 + Math.cos((Math.PI * (i - held)) / (total - held)));
    }
    // Vibrato, recomputed every 32 samples (its rate is a few Hz), fades in after the delay.
    if ((i & 31) === 0) {
      const depth = voice.vibratoCents * clamp01((i / sampleRate - voice.vibratoDelay) / 0.3);
      increment = depth === 0 ? baseIncrement : baseIncrement * 2 ** ((depth * Math.sin(vibratoPhase + vibratoStep * i)) / 1200);
    }
    const index = phase | 0;
    const a = table[index] ?? 0;
    const tone = a + ((table[index + 1] ?? 0) - a) * (phase - index);
    phase += increment;
    if (phase >= TABLE_SIZE) phase -= TABLE_SIZE;
    // Noise: white -> low-pass (colour) -> first difference (removes rumble), louder at the attack.
    noiseLow = voice.noiseColour * noiseLow + (1 - voice.noiseColour) * (random() * 2 - 1);
    const noise = noiseLow - noisePrev;
    noisePrev = noiseLow;
    const burst = 1 + voice.noiseAttackBoost * burstTerm;
    burstTerm *= burstFactor;
    out[first + i] = (out[first + i] ?? 0) + level * amplitude * (tone + voice.noise * 4 * burst * noise);
  }
}

// --- plucked string: Karplus-Strong ------------------------------------------------------------------------

const PLUCK_RELEASE = 0.08;

function addPluckedNote(out: Float32Array, note: PerformedNote, sampleRate: number, random: () => number): void {
  const frequency = midiToHertz(note.pitch);
  // Loop delay P = N (buffer) + 0.5 (two-point average) + d (all-pass), with d in [0.1, 1.1) for tuning.
  const period = sampleRate / frequency;
  const bufferLength = Math.max(2, Math.floor(period - 0.6));
  const fractional = period - bufferLength - 0.5;
  const allpass = (1 - fractional) / (1 + fractional);
  // Lower strings ring longer; about 4 s to -60 dB at A4 (a nylon-string guitar).
  const ringSeconds = 4 * (440 / frequency) ** 0.35;
  const loss = Math.exp(-6.9 / (frequency * ringSeconds));
  const velocity = note.velocity ?? DEFAULT_VELOCITY;
  const brightness = 0.35 + 0.5 * (velocity / 127);

  // Excitation: noise, low-passed by velocity (softer = darker), mean removed so the string carries no DC.
  const buffer = new Float32Array(bufferLength);
  let smooth = 0;
  let mean = 0;
  for (let i = 0; i < bufferLength; i++) {
    smooth += brightness * (random() * 2 - 1 - smooth);
    buffer[i] = smooth;
    mean += smooth;
  }
  mean /= bufferLength;
  let peak = 0;
  for (let i = 0; i < bufferLength; i++) {
    const value = (buffer[i] ?? 0) - mean;
    buffer[i] = value;
    peak = Math.max(peak, Math.abs(value));
  }
  const amplitude = (velocityGain(note.velocity) * 0.9) / (peak || 1);

  const first = Math.round(note.start * sampleRate);
  const held = Math.max(1, Math.round(note.duration * sampleRate));
  const releaseSamples = Math.round(PLUCK_RELEASE * sampleRate);
  const fadeIn = Math.round(0.002 * sampleRate);
  let pointer = 0;
  let previous = 0;
  let allpassIn = 0;
  let allpassOut = 0;
  let body = 0;
  for (let i = 0; i < held + releaseSamples && first + i < out.length; i++) {
    const x = buffer[pointer] ?? 0;
    const averaged = 0.5 * (x + previous);
    previous = x;
    const tuned = allpass * averaged + allpassIn - allpass * allpassOut;
    allpassIn = averaged;
    allpassOut = tuned;
    buffer[pointer] = tuned * loss;
    pointer = pointer + 1 === bufferLength ? 0 : pointer + 1;
    // A gentle low-pass stands in for the instrument body; damping at the note's end avoids clicks.
    body += 0.55 * (x - body);
    let gain = i < fadeIn ? i / fadeIn : 1;
    if (i >= held) gain *= 0.5 * (1 + Math.cos((Math.PI * (i - held)) / releaseSamples));
    out[first + i] = (out[first + i] ?? 0) + body * gain * amplitude;
  }
}

// --- shared ------------------------------------------------------------------------------------------------

/** A small Schroeder room: four damped combs in parallel, two all-passes in series, mixed in place. */
export function addRoomReverb(samples: Float32Array, sampleRate: number, mix: number): void {
  const [c0, c1, c2, c3] = [1116, 1188, 1277, 1356].map((d) => new CombFilter(Math.round((d * sampleRate) / 44100)));
  const [a0, a1] = [556, 441].map((d) => new AllpassFilter(Math.round((d * sampleRate) / 44100)));
  if (!c0 || !c1 || !c2 || !c3 || !a0 || !a1) throw new Error('unreachable: reverb filters');
  // One pass with every delay line advanced together: the samples are read and written once.
  for (let i = 0; i < samples.length; i++) {
    const dry = samples[i] ?? 0;
    const wet = a1.step(a0.step(0.25 * (c0.step(dry) + c1.step(dry) + c2.step(dry) + c3.step(dry))));
    samples[i] = (1 - mix) * dry + mix * wet;
  }
}

class CombFilter {
  private readonly line: Float32Array;
  private pointer = 0;
  private damped = 0;
  constructor(length: number) {
    this.line = new Float32Array(length);
  }
  step(input: number): number {
    const delayed = this.line[this.pointer] ?? 0;
    this.damped = 0.8 * delayed + 0.2 * this.damped;
    this.line[this.pointer] = input + 0.78 * this.damped;
    this.pointer = this.pointer + 1 === this.line.length ? 0 : this.pointer + 1;
    return delayed;
  }
}

class AllpassFilter {
  private readonly line: Float32Array;
  private pointer = 0;
  constructor(length: number) {
    this.line = new Float32Array(length);
  }
  step(input: number): number {
    const delayed = this.line[this.pointer] ?? 0;
    this.line[this.pointer] = input + 0.5 * delayed;
    this.pointer = this.pointer + 1 === this.line.length ? 0 : this.pointer + 1;
    return delayed - 0.5 * input;
  }
}

/** Target RMS of the music (about -18 dBFS), unless that would push a peak above -0.5 dBFS. */
const TARGET_RMS = 0.125;
const PEAK_LIMIT = 0.944;

/** Scales samples in place so that the music (the first `musicSamples`) sits at TARGET_RMS, peaks capped. */
export function normalizeLoudness(samples: Float32Array, musicSamples: number): void {
  let sumSquares = 0;
  let peak = 0;
  const counted = Math.min(samples.length, Math.max(1, musicSamples));
  for (let i = 0; i < samples.length; i++) {
    const value = samples[i] ?? 0;
    if (i < counted) sumSquares += value * value;
    peak = Math.max(peak, Math.abs(value));
  }
  const rms = Math.sqrt(sumSquares / counted);
  if (rms === 0 || peak === 0) return;
  const gain = Math.min(TARGET_RMS / rms, PEAK_LIMIT / peak);
  for (let i = 0; i < samples.length; i++) samples[i] = (samples[i] ?? 0) * gain;
}

function midiToHertz(pitch: number): number {
  return 440 * 2 ** ((pitch - 69) / 12);
}

function velocityGain(velocity: number | undefined): number {
  return ((velocity ?? DEFAULT_VELOCITY) / 127) ** 1.5;
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

