// The compose pipeline: seed text and options in; a tune as notes, **kern, MIDI, score picture and audio out.
// The CLI (`folkbot compose`) and the bot (`/compose`) both call Composer.compose; they only parse options.
import { performance } from 'node:perf_hooks';
import { SeedError } from '../music/errors.js';
import { instrumentProgram } from '../music/instruments.js';
import { barlinesForMeter, barTicks, writeKern } from '../music/kern-write.js';
import { estimateKey, keyFromName, keyName, keyOf, nearestShift, tonicSpelling, transpose } from '../music/key.js';
import { melodyToMidi } from '../music/midi-write.js';
import { parseSeed, SEED_EXAMPLE } from '../music/seed.js';
import { TICKS_PER_QUARTER, type Key, type Melody, type MelodyEvent, type Mode } from '../music/types.js';
import { loadGenerator, type MelodyGenerator, type ModelInfo } from '../model/generation/generator.js';
import { prepareAudioEncoder, renderAudio } from '../render/audio.js';
import { performanceFromMelody } from '../render/performance.js';
import { prepareScoreRenderer, renderScore, startScoreRenderer } from '../render/score.js';
import { ComposeOptionError, formatMeter, resolveComposeOptions, type AudioCodec } from './compose-options.js';
import type { ComposeOptions, ComposeResult } from './types.js';

/** Nucleus sampling keeps the tokens that make up this much probability; the rest are too unlikely to be tuneful. */
const TOP_P = 0.95;

export interface ComposerOptions {
  /** Codec of the audio preview (default 'mp3'). */
  readonly audio?: AudioCodec;
  /** Path of a General MIDI SoundFont (.sf2) for the audio preview; default: the built-in synthesizer. */
  readonly soundfontPath?: string;
  /**
   * Warm the renderers up on a one-note score and a few seconds of audio before open() resolves (default true),
   * so that the first tune runs warm code: right for a process that serves many tunes. A command that makes one
   * tune passes false and only starts the engraver, which its tune then waits for.
   */
  readonly warmUp?: boolean;
}

/** Where a tune is generated (C major / A minor) and where it is heard (the asked or the seed's key). */
interface KeyPlan {
  readonly key: Key;
  readonly keySource: 'file' | 'estimated';
  /** Semitones from the seed as written to the tune's key. */
  readonly seedShift: number;
  /** Semitones from the tune's key down to C major / A minor, where the model works. */
  readonly normalShift: number;
}

function planKey(seedEvents: readonly MelodyEvent[], keyText: string | undefined, mode: Mode | undefined): KeyPlan {
  const hasNotes = seedEvents.some((event) => event.kind === 'note');
  const seedKey = hasNotes ? estimateKey(seedEvents) : null;
  let key: Key;
  if (keyText !== undefined) {
    key = keyFromName(keyText, mode ?? seedKey?.mode ?? 'major');
  } else if (seedKey) {
    // A mode the seed does not have: take its relative key, so the seed's notes stay in the scale.
    key = mode === undefined || mode === seedKey.mode ? seedKey : keyOf(seedKey.tonic + (mode === 'minor' ? 9 : 3), mode);
  } else {
    key = keyOf(mode === 'minor' ? 9 : 0, mode ?? 'major');
  }
  const seedShift = seedKey ? nearestShift(seedKey.tonic, key.tonic) : 0;
  const normalShift = nearestShift(key.tonic, key.mode === 'major' ? 0 : 9);
  return { key, keySource: keyText === undefined && seedKey ? 'estimated' : 'file', seedShift, normalShift };
}

function shiftEvents(events: readonly MelodyEvent[], semitones: number): MelodyEvent[] {
  return events.map((event) => (event.kind === 'note' ? { kind: 'note', pitch: event.pitch + semitones, onset: event.onset, duration: event.duration } : event));
}

/** Where a tune sits best on a treble staff: its mean pitch near G4. */
const CENTRE_PITCH = 67;

/**
 * Octave shift (in semitones) for a tune moved to an asked key: the octave that centres it on the treble staff.
 * A seed in its own key keeps the octave it was written in.
 */
function outputOctave(events: readonly MelodyEvent[], shift: number, keyAsked: boolean): number {
  const pitches = events.flatMap((event) => (event.kind === 'note' ? [event.pitch + shift] : []));
  if (!keyAsked || pitches.length === 0) return 0;
  const mean = pitches.reduce((sum, pitch) => sum + pitch, 0) / pitches.length;
  return 12 * Math.round((CENTRE_PITCH - mean) / 12);
}

function elapsed(start: number): number {
  return Math.round((performance.now() - start) * 10) / 10;
}

export class Composer {
  private constructor(
    private readonly generator: MelodyGenerator,
    private readonly options: ComposerOptions,
  ) {}

  /**
   * Loads the model folder (failing with the model loader's error when it is missing or broken) and, at the same
   * time, starts the score engraver and (unless options.warmUp is false) warms it and the audio encoder up.
   */
  static async open(modelDir: string, options: ComposerOptions = {}): Promise<Composer> {
    const warm = options.warmUp !== false;
    const warmUp = warm ? Promise.all([prepareScoreRenderer(), prepareAudioEncoder(options.audio ?? 'mp3')]) : startScoreRenderer();
    // Failures of the renderers surface again, with their own message, when a tune is rendered.
    warmUp.catch(() => undefined);
    const generator = await loadGenerator(modelDir);
    if (!warm) return new Composer(generator, options);
    await warmUp.catch(() => undefined);
    return new Composer(generator, options);
  }

  get info(): ModelInfo {
    return this.generator.info;
  }

  /**
   * Composes one tune. Invalid input throws SeedError (the seed: where and what) or ComposeOptionError (an
   * option); anything else thrown is a fault of folkbot, not of the request.
   */
  async compose(input: Partial<ComposeOptions>): Promise<ComposeResult> {
    const started = performance.now();
    const options = resolveComposeOptions(input);
    const program = (() => {
      try {
        return instrumentProgram(options.instrument);
      } catch (error) {
        throw new ComposeOptionError('instrument', (error as Error).message);
      }
    })();
    const seed = parseSeed(options.seed);
    const plan = (() => {
      try {
        return planKey(seed.events, options.key, options.mode);
      } catch (error) {
        throw new ComposeOptionError('key', (error as Error).message);
      }
    })();
    const bar = barTicks(options.meter);
    // A bar line in the seed before a whole bar of notes: those notes are a pickup, and the full bars follow it.
    const pickup = seed.firstBarline !== null && seed.firstBarline < bar ? seed.firstBarline : 0;
    const totalTicks = pickup + bar * options.bars;
    if (seed.ticks > totalTicks) {
      const seedBars = (seed.ticks - pickup) / bar;
      throw new SeedError(0, 0, options.seed, `the seed lasts ${seedBars.toFixed(2).replace(/\.?0+$/, '')} bars of ${formatMeter(options.meter)}${pickup > 0 ? ' after its pickup' : ''} but the tune has only ${options.bars}: ask for more bars (--bars ${Math.ceil(seedBars) + 4}) or shorten the seed`);
    }

    const t0 = performance.now();
    const primer = shiftEvents(seed.events, plan.seedShift + plan.normalShift);
    let generated: readonly MelodyEvent[];
    try {
      generated = this.generator.generate({
        meter: options.meter,
        mode: plan.key.mode,
        bars: options.bars,
        primer,
        pickup,
        endOnTonic: true,
        temperature: options.temperature,
        topP: TOP_P,
        randomSeed: options.randomSeed,
      });
    } catch (error) {
      // The encoding refuses a primer it cannot represent (a pitch or duration outside the model's range).
      if (error instanceof Error && error.name === 'EncodingError') {
        throw new SeedError(0, 0, options.seed, `the model cannot continue this seed: ${error.message}. Example of a seed: "${SEED_EXAMPLE}"`);
      }
      throw error;
    }
    const generateMs = elapsed(t0);

    const normalKey = keyOf(plan.key.mode === 'major' ? 0 : 9, plan.key.mode);
    const end = generated.reduce((latest, event) => Math.max(latest, event.onset + event.duration), 0);
    const meters = [{ tick: 0, meter: options.meter }];
    const inC: Melody = {
      title: options.title ?? `Folk tune no. ${options.randomSeed}`,
      source: 'folkbot',
      key: normalKey,
      keySource: plan.keySource,
      meters,
      barlines: barlinesForMeter(meters, end, pickup),
      events: generated,
      phraseStarts: [],
    };
    const melody = transpose(inC, -plan.normalShift + outputOctave(generated, -plan.normalShift, options.key !== undefined));

    const t1 = performance.now();
    const kern = writeKern(melody);
    const kernMs = elapsed(t1);
    const t2 = performance.now();
    const midi = melodyToMidi(melody, { tempo: options.tempo, program, trackName: melody.title });
    const midiMs = elapsed(t2);

    const timed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
      const start = performance.now();
      const value = await work();
      return [value, elapsed(start)];
    };
    // The score is engraved in a worker thread, so it overlaps with the audio synthesis here.
    const [[score, pngMs], [audio, audioMs]] = await Promise.all([
      timed(() => renderScore(kern)),
      timed(() =>
        renderAudio(performanceFromMelody(melody, { bpm: options.tempo, program }), { format: this.options.audio ?? 'mp3', soundfontPath: this.options.soundfontPath }),
      ),
    ]);

    const quarters = (ticks: number): number => ticks / TICKS_PER_QUARTER;
    const tonic = tonicSpelling(melody.key);
    return {
      options,
      key: {
        name: keyName(melody.key),
        tonic: `${tonic.letter.toUpperCase()}${tonic.alter > 0 ? '#'.repeat(tonic.alter) : 'b'.repeat(-tonic.alter)}`,
        mode: melody.key.mode,
      },
      meter: options.meter,
      bars: options.bars,
      pickup: quarters(pickup),
      notes: melody.events
        .filter((event) => !(event.kind === 'note' && event.grace))
        .map((event) => ({ pitch: event.kind === 'note' ? event.pitch : null, onset: quarters(event.onset), duration: quarters(event.duration) })),
      files: { midi, kern, png: score.png, audio: audio.data, audioFormat: audio.fileExtension },
      model: { name: this.generator.info.name, backend: 'js' },
      timings: { generate: generateMs, kern: kernMs, midi: midiMs, png: pngMs, audio: audioMs, total: elapsed(started) },
    };
  }

  dispose(): void {
    this.generator.dispose();
  }
}
