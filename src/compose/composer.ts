// The compose pipeline: seed text and options in; a tune as notes, **kern, MIDI, ABC, MusicXML, score picture and
// audio out.
// The CLI (`folkbot compose`) and the bot (`/compose`) both call Composer.compose; they only parse options.
import { performance } from 'node:perf_hooks';
import { SeedError } from '../music/errors.js';
import { accompanimentNotes } from '../music/accompaniment.js';
import { chordChanges, harmonize } from '../music/harmony.js';
import { accompanimentProgram, instrumentProgram } from '../music/instruments.js';
import { barlinesForMeter, barTicks, writeKern } from '../music/kern-write.js';
import { estimatePentatonicKey, estimateSeedKey, keyFromName, keyName, keyOf, nearestShift, tonicSpelling, transpose, type SeedMetre } from '../music/key.js';
import { writeAbc } from '../music/formats/abc-write.js';
import { writeMusicXml } from '../music/formats/musicxml-write.js';
import { melodyToMidi } from '../music/midi-write.js';
import { parseSeed, SEED_EXAMPLE } from '../music/seed.js';
import { TICKS_PER_QUARTER, type Key, type Melody, type MelodyEvent, type Meter, type Mode } from '../music/types.js';
import { loadGenerator, type MelodyGenerator, type ModelInfo } from '../model/generation/generator.js';
import { createRandom } from '../model/generation/random.js';
import { drawFinal, drawFinalPlace, drawSongShape } from '../music/song-shapes.js';
import { tuneStats } from '../music/tune-stats.js';
import { prepareAudioEncoder, renderAudio } from '../render/audio.js';
import { performanceFromMelody } from '../render/performance.js';
import { prepareScoreRenderer, renderScore, startScoreRenderer } from '../render/score.js';
import { ComposeOptionError, formatMeter, resolveComposeOptions, SUPPORTED_METERS, type AudioCodec } from './compose-options.js';
import type { Encoding } from '../model/encodings/encoding.js';
import type { ComposedStyle, ComposeOptions, ComposeResult, OriginalityReport } from './types.js';
import type { StyleInfo } from '../model/folder/model-folder.js';
import { loadOriginalityIndex } from '../model/folder/originality-file.js';
import { longestSharedPassage, type OriginalityIndex, type SharedPassage } from '../music/originality.js';
import { noteLengthTokenBias } from './style-note-lengths.js';

/** Bars at the end of every tune that the seed may not reach into: the model writes the ending (on the tonic). */
export const ENDING_BARS = 1;

/**
 * Nucleus sampling off (1): the whole mixed distribution is sampled (top-p 0.95 cut the corpus's rarer lengths away:
 * length overlaps 0.75-0.95 per meter against 0.88-0.97 without).
 */
const TOP_P = 1;

/**
 * How much more than fitted generation leans on the tune's own past (TuneMemory's strength). Sampling feeds the model
 * its own, less song-like contexts, so the fitted mixture repeats less than real songs do. Chosen with the default
 * temperature (1, COMPOSE_LIMITS) by the tune-quality figures of 100 default tunes per meter against the German
 * validation songs (the shipped style model, style german): at temperature 0.9 and strength 1, note-length overlap
 * 0.83 / 0.94 / 0.88 / 0.98 (2/4, 3/4, 4/4, 6/8) and repetition 0.32-0.41; at 1 and 1, lengths 0.91-0.97 but
 * repetition 0.17-0.21 (real songs 0.32-0.38); at 1 and 1.5, with the redraws below, lengths 0.92 / 0.93 / 0.96 /
 * 0.95 and repetition 0.28-0.32. Scoring always uses the fitted weights.
 */
const MEMORY_STRENGTH = 1.5;

/**
 * The same with a long-term model in the memory (memory-mix.ts): it takes its share of the mixture, partly from the
 * short-term model, and at 1.5 default tunes repeated 0.17-0.23 of their patterns (100 per meter, German songs
 * 0.32-0.40). At 2.5: repetition 0.36 / 0.29 / 0.30 / 0.35 (2/4, 3/4, 4/4, 6/8), note-length overlap 0.92 / 0.90 /
 * 0.97 / 0.90 against the German validation songs (notes/issue-9-long-term.md).
 */
const MEMORY_STRENGTH_WITH_LONG_TERM = 2.5;

/**
 * The final note lies within a fifth of the note before it: 97-100% of the songs of every style end so
 * (the last interval of the corpus's songs), while the grammar alone let the final tonic jump
 * an octave and more to the one octave where the network's choice of length allowed it.
 */
const MAX_FINAL_LEAP = 7;
/**
 * No note leaps more than an octave from the one before it. 0.13% of the collection's intervals do (in 4% of its
 * songs), against 0.4-1.1% of the default tunes' without this rule, which put such a leap into 11-32% of tunes per
 * meter, some of two octaves and more (67 -> 100): tunes no one would sing (200 tunes per meter, `runs/leaps.mts`).
 */
const MAX_LEAP = 12;

/**
 * A tune of at least four bars whose bars are mostly copies of each other (at most a quarter of them distinct, the
 * tune-quality report's "copied bars": with MEMORY_STRENGTH 1.5, 1-4% of default tunes per meter were), or that
 * sounds one bar more than MAX_REPEATED_BARS times in a row. The grammar's loop guard compares tokens, so a note held
 * over two bars and struck again (note, continuation, note, continuation...) passes it: a chinese-han tune held one A
 * for 9 bars so. Or that plays one two-bar unit three times in a row (ABABAB): 13% of 400 default tunes did, against
 * 0.44% of the collection's 7,733 songs. Such tunes are drawn again.
 */
function isSelfCopy(melody: Melody): boolean {
  const stats = tuneStats(melody);
  return (stats.bars >= 4 && stats.distinctBars <= 0.25) || stats.longestIdenticalRun > MAX_REPEATED_BARS || stats.longestPairRun >= 3;
}

/** The loop guard: a bar may come twice in a row, never three times (real songs: 1 in 50 has a run of three). */
const MAX_REPEATED_BARS = 2;

/** A passage shared with a training song is worth telling the user about from this many bars on. */
export const CLOSE_BARS = 4;

/**
 * Draws after the first for a tune that copies CLOSE_BARS bars of a training song (about 4 in 100 default tunes did):
 * with three, about 1 in 100,000 would still copy if the draws were independent.
 */
const REDRAWS = 3;

/** Keeps the song shape's draws apart from the sampler's, which starts from the same random seed. */
const SHAPE_SALT = 0x5eed5a17;
const FINAL_SALT = 0x0f1a1e5;
const PLACE_SALT = 0x91ace5;

/**
 * A style whose songs end on their key's tonic less often than this (the Chinese styles: 12-25%, against 71-87% for
 * the European ones) ends each tune on a final drawn from its songs' last notes instead: a Chinese tune in C gong
 * ends on G (zhi), A (yu), C (gong) or D (shang) about as often as the style's songs do.
 */
const TONIC_ENDING_SHARE = 0.5;

/**
 * A style with at least this share of its notes on the major pentatonic (the Chinese styles: 94-97%; the European
 * ones 79-89%; `npm run style-rules`) is pentatonic: a seed's key is found by its pentatonic (estimatePentatonicKey), and the tune gets no
 * chords unless asked (I-IV-V harmony is foreign to these songs, which are sung unaccompanied or in heterophony).
 */
const PENTATONIC_SHARE = 0.91;

/** Names of the degrees of the Chinese pentatonic modes above the gong, for the reply. */
const DEGREE_NAMES: Readonly<Record<number, string>> = { 0: 'the tonic (gong)', 2: 'the second (shang)', 4: 'the third (jue)', 7: 'the fifth (zhi)', 9: 'the sixth (yu)' };

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
  /** False: melodies only (composeMelody), no engraver started; compose() then fails. Default true. */
  readonly render?: boolean;
  /**
   * Per style, the note biases to sample with instead of the model folder's (StyleInfo.repeatedNotes and
   * offPentatonicNotes): calibrate's fit (style-note-biases.ts) tries biases so.
   */
  readonly noteBiases?: Readonly<Record<string, { readonly repeatedNote: number; readonly offPentatonic: number }>>;
  /**
   * Per style, the factor on the temperature to sample with instead of the model folder's (StyleInfo.temperature):
   * calibrate's fit (style-temperature.ts) tries factors so.
   */
  readonly temperatureFactors?: Readonly<Record<string, number>>;
  /**
   * Per style and meter ("2/4"), the note-length biases (by length in ticks) to sample with instead of the model
   * folder's (StyleInfo.noteLengths): calibrate's fit (style-note-lengths.ts) tries biases so.
   */
  readonly noteLengthBiases?: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, number>>>>>>;
}

/** A composed tune before its files are made (Composer.composeMelody). */
export interface ComposedMelody {
  readonly options: ComposeOptions;
  /** General MIDI program of the instrument. */
  readonly program: number;
  /** The tune in its key, the seed's notes first. */
  readonly melody: Melody;
  /** Ticks before the first full bar. */
  readonly pickup: number;
  readonly generateMs: number;
  readonly originality: OriginalityReport;
  readonly style: ComposedStyle | null;
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

/**
 * The tune's key and how far the seed moves. Without --key the seed is never moved: an asked mode the seed does
 * not have gives the seed's relative key (C major -> A minor), which holds the same notes. With --key the seed
 * moves to it, by the shift that takes the seed's key (or, for the other mode, its relative) to the asked one.
 */
function planKey(seedEvents: readonly MelodyEvent[], keyText: string | undefined, mode: Mode | undefined, metre: SeedMetre, pentatonic = false, seedInKey = false): KeyPlan {
  const hasNotes = seedEvents.some((event) => event.kind === 'note');
  const seedKey = hasNotes ? (pentatonic ? estimatePentatonicKey(seedEvents) : estimateSeedKey(seedEvents, metre)) : null;
  const relative = (of: Key, to: Mode): Key => (of.mode === to ? of : keyOf(of.tonic + (to === 'minor' ? 9 : 3), to));
  let key: Key;
  let seedShift = 0;
  if (keyText !== undefined) {
    key = keyFromName(keyText, mode ?? seedKey?.mode ?? 'major');
    if (seedKey && !seedInKey) seedShift = nearestShift(relative(seedKey, key.mode).tonic, key.tonic);
  } else if (seedKey) {
    key = relative(seedKey, mode ?? seedKey.mode);
  } else {
    key = keyOf(mode === 'minor' ? 9 : 0, mode ?? 'major');
  }
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

/** The SUPPORTED_METERS in which `encoding` can sample a tune (for any encoding: it is asked to start one). */
export function composableMeters(encoding: Encoding): string[] {
  return SUPPORTED_METERS.filter((text) => {
    const [numerator, denominator] = text.split('/').map(Number) as [number, number];
    try {
      const style = encoding.styles?.[0];
      encoding.startSampling({ meter: { numerator, denominator }, mode: 'major', bars: 4, primer: [], pickup: 0, endOnTonic: true, ...(style !== undefined ? { style } : {}) });
      return true;
    } catch (error) {
      if (error instanceof Error && error.name === 'EncodingError') return false;
      throw error;
    }
  });
}

/**
 * What the model in `modelDir` offers a request: the meters it composes in and its styles (empty for a model
 * without), for help texts and the bot's command registration; rejects as loadGenerator does.
 */
export async function modelChoices(modelDir: string): Promise<{ meters: string[]; styles: readonly StyleInfo[] }> {
  const generator = await loadGenerator(modelDir);
  try {
    return { meters: composableMeters(generator.encoding), styles: generator.info.styles };
  } finally {
    generator.dispose();
  }
}

/** The meters the model in `modelDir` composes in (for help texts); rejects as loadGenerator does. */
export async function modelMeters(modelDir: string): Promise<string[]> {
  return (await modelChoices(modelDir)).meters;
}

function elapsed(start: number): number {
  return Math.round((performance.now() - start) * 10) / 10;
}

export class Composer {
  /** The SUPPORTED_METERS this model can compose in (its vocabulary has the meter and can fill its bars). */
  readonly meters: readonly string[];
  /** noteLengthBias's arrays, by style, meter and biases (a few per style: one per meter it was asked in). */
  private readonly tokenBiases = new Map<string, Float32Array | undefined>();

  private constructor(
    private readonly generator: MelodyGenerator,
    private readonly options: ComposerOptions,
    private readonly originalityIndex: OriginalityIndex | null,
  ) {
    this.meters = composableMeters(generator.encoding);
  }

  /**
   * Loads the model folder (failing with the model loader's error when it is missing or broken) and, at the same
   * time, starts the score engraver and (unless options.warmUp is false) warms it and the audio encoder up.
   */
  static async open(modelDir: string, options: ComposerOptions = {}): Promise<Composer> {
    // A damaged originality index is left out (the check then says it did not run), never a reason not to compose.
    const index = (): Promise<OriginalityIndex | null> => loadOriginalityIndex(modelDir).catch(() => null);
    if (options.render === false) return new Composer(await loadGenerator(modelDir), options, await index());
    const warm = options.warmUp !== false;
    const warmUp = warm ? Promise.all([prepareScoreRenderer(), prepareAudioEncoder(options.audio ?? 'mp3')]) : startScoreRenderer();
    // Failures of the renderers surface again, with their own message, when a tune is rendered.
    warmUp.catch(() => undefined);
    const [generator, originality] = await Promise.all([loadGenerator(modelDir), index()]);
    if (!warm) return new Composer(generator, options, originality);
    await warmUp.catch(() => undefined);
    return new Composer(generator, options, originality);
  }

  get info(): ModelInfo {
    return this.generator.info;
  }

  /**
   * Composes one tune. Invalid input throws SeedError (the seed: where and what) or ComposeOptionError (an
   * option); anything else thrown is a fault of folkbot, not of the request.
   */
  async compose(input: Partial<ComposeOptions>): Promise<ComposeResult> {
    if (this.options.render === false) throw new Error('this Composer was opened with render: false: it composes melodies only');
    const started = performance.now();
    const { options, program, melody, pickup, generateMs, originality, style } = this.composeMelody(input);

    const th = performance.now();
    const harmony = options.accompaniment === 'none' ? null : harmonize(melody);
    // The band comes in on the first full bar: no chord symbols over a pickup, nor accompaniment.
    const chords = harmony === null ? [] : chordChanges(harmony.slots.filter((span) => span.onset >= pickup));
    const accompaniment =
      harmony !== null && options.accompaniment === 'full' ? { notes: accompanimentNotes(melody, harmony), program: accompanimentProgram(program) } : undefined;
    const harmonyMs = elapsed(th);
    const t1 = performance.now();
    const kern = writeKern(melody, harmony === null ? {} : { chords });
    const kernMs = elapsed(t1);
    const t2 = performance.now();
    const midi = melodyToMidi(melody, { tempo: options.tempo, program, trackName: melody.title, ...(accompaniment ? { accompaniment } : {}) });
    const midiMs = elapsed(t2);
    const t3 = performance.now();
    const abc = writeAbc(melody, { tempo: options.tempo, chords: chords.map((span) => ({ tick: span.onset, symbol: span.chord.symbol })) });
    const abcMs = elapsed(t3);
    const t4 = performance.now();
    const musicxml = writeMusicXml(melody, { tempo: options.tempo, program });
    const musicxmlMs = elapsed(t4);

    const timed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
      const start = performance.now();
      const value = await work();
      return [value, elapsed(start)];
    };
    // The score is engraved in a worker thread, so it overlaps with the audio synthesis here.
    const [[score, pngMs], [audio, audioMs]] = await Promise.all([
      timed(() => renderScore(kern)),
      timed(() =>
        renderAudio(performanceFromMelody(melody, { bpm: options.tempo, program, ...(accompaniment ? { accompaniment } : {}) }), { format: this.options.audio ?? 'mp3', soundfontPath: this.options.soundfontPath }),
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
      chords: chords.map((span) => ({ symbol: span.chord.symbol, numeral: span.chord.numeral, onset: quarters(span.onset), duration: quarters(span.duration) })),
      files: { midi, kern, abc, musicxml, png: score.png, audio: audio.data, audioFormat: audio.fileExtension },
      model: { name: this.generator.info.name, backend: 'js' },
      originality,
      style,
      timings: { generate: generateMs, harmony: harmonyMs, kern: kernMs, midi: midiMs, abc: abcMs, musicxml: musicxmlMs, png: pngMs, audio: audioMs, total: elapsed(started) },
    };
  }

  /**
   * The tune as a melody, before anything is written or rendered: the first half of compose(), with the same
   * errors. Cheap (milliseconds), so tests can check the promises of compose over many requests.
   */
  composeMelody(input: Partial<ComposeOptions>): ComposedMelody {
    const resolved = resolveComposeOptions(input, { accepted: this.meters, modelName: this.generator.info.name }, {
      names: this.styles.map((style) => style.name),
      usualMeter: (name) => this.usualMeter(name),
    });
    const style = this.styles.find((candidate) => candidate.name === resolved.style);
    const pentatonic = style !== undefined && style.ending.pentatonic >= PENTATONIC_SHARE;
    const rules: string[] = [];
    const chordless = pentatonic && input.accompaniment === undefined;
    const options: ComposeOptions = chordless ? { ...resolved, accompaniment: 'none' } : resolved;
    if (chordless) rules.push(`no chords unless asked: ${Math.round(style.ending.pentatonic * 100)}% of the style's notes are pentatonic, and I-IV-V harmony does not fit them`);
    const program = (() => {
      try {
        return instrumentProgram(options.instrument);
      } catch (error) {
        throw new ComposeOptionError('instrument', (error as Error).message);
      }
    })();
    const seed = parseSeed(options.seed);
    const bar = barTicks(options.meter);
    // Without a seed, the tune takes its mode (unless one is asked) and its pickup from the model's songs of the
    // meter; a bar line in the seed before a whole bar of notes makes those notes a pickup. Either way the last bar
    // gives the pickup back, as in written songs: the pickup and the last bar make one bar.
    const shapes = style?.shapes ?? this.generator.info.songShapes;
    const shape = seed.events.length === 0 ? drawSongShape(shapes, options.meter, createRandom(options.randomSeed ^ SHAPE_SALT).next) : null;
    const pickup = shape !== null ? shape.pickup : seed.firstBarline !== null && seed.firstBarline < bar ? seed.firstBarline : 0;
    const mode = options.mode ?? (options.key === undefined ? shape?.mode : undefined);
    const plan = (() => {
      try {
        return planKey(seed.events, options.key, mode, { barTicks: bar, pickup }, pentatonic, options.seedInKey === true);
      } catch (error) {
        throw new ComposeOptionError('key', (error as Error).message);
      }
    })();
    // The last bar is the model's, for the ending on the tonic: a seed that reached into it would decide the end.
    const endingStart = pickup + bar * (options.bars - ENDING_BARS);
    if (seed.ticks > endingStart) {
      const seedBars = (seed.ticks - pickup) / bar;
      const text = seedBars.toFixed(2).replace(/\.?0+$/, '');
      throw new SeedError(
        0,
        0,
        options.seed,
        `the seed lasts ${text} bar${text === '1' ? '' : 's'} of ${formatMeter(options.meter)}${pickup > 0 ? ' after its pickup' : ''} ` +
          `and the tune has ${options.bars}: the last bar is left for the ending on the tonic, so a seed may fill at most ` +
          `${options.bars - ENDING_BARS}. Ask for more bars (--bars ${Math.ceil(seedBars) + ENDING_BARS}) or shorten the seed`,
      );
    }

    if (pentatonic && seed.events.length > 0 && options.key === undefined) rules.push("the seed's key was found from its pentatonic scale");
    // A style whose tunes repeated notes, or left the pentatonic scale, more or less often than its songs samples with
    // the biases that calibrate fitted (style-note-biases.ts).
    const override = style === undefined ? undefined : this.options.noteBiases?.[style.name];
    const repeatedNoteBias = override?.repeatedNote ?? style?.repeatedNotes?.bias ?? 0;
    const offPentatonicBias = override?.offPentatonic ?? style?.offPentatonicNotes?.bias ?? 0;
    if (override === undefined && repeatedNoteBias !== 0 && style?.repeatedNotes !== undefined) {
      rules.push(`it repeats notes about as often as the style's songs (${Math.round(style.repeatedNotes.songs * 100)}% of their notes repeat the one before)`);
    }
    if (override === undefined && offPentatonicBias !== 0 && style?.offPentatonicNotes !== undefined) {
      rules.push(`its notes keep to the pentatonic scale about as often as the style's songs' (${Math.round((1 - style.offPentatonicNotes.songs) * 100)}%)`);
    }
    // A style whose tunes' note lengths in this meter were mixed otherwise than its songs' samples with the biases by
    // length that calibrate fitted (style-note-lengths.ts).
    const meterText = formatMeter(options.meter);
    const lengthOverride = style === undefined ? undefined : this.options.noteLengthBiases?.[style.name];
    const lengthFit = style?.noteLengths?.[meterText];
    const tokenBias = style === undefined ? undefined : this.noteLengthBias(style.name, options.meter, lengthOverride === undefined ? (lengthFit?.biases ?? {}) : (lengthOverride[meterText] ?? {}));
    if (lengthOverride === undefined && tokenBias !== undefined && lengthFit !== undefined) {
      rules.push(`its note lengths are mixed as in the style's ${lengthFit.songs} songs in ${meterText}`);
    }
    // A style whose tunes repeated their phrases more or less often than its songs samples cooler or warmer, by the
    // factor calibrate fitted (style-temperature.ts): the user's temperature stays relative to the style's own.
    const factorOverride = style === undefined ? undefined : this.options.temperatureFactors?.[style.name];
    const temperatureFactor = factorOverride ?? style?.temperature?.factor ?? 1;
    if (factorOverride === undefined && temperatureFactor !== 1 && style?.temperature !== undefined) {
      rules.push(
        `it is sampled ${temperatureFactor < 1 ? 'a little cooler' : 'a little warmer'} (temperature x${temperatureFactor}), so that it repeats its phrases ` +
          `about as often as the style's songs (${Math.round(style.temperature.songs * 100)}% of their 5-note patterns come back)`,
      );
    }
    // A style whose songs seldom end on the tonic ends on a final drawn from its songs'.
    let finalPitchClass: number | undefined;
    if (style !== undefined && style.ending.endsOnTonic < TONIC_ENDING_SHARE) {
      finalPitchClass = drawFinal(style.ending.finals, createRandom(options.randomSeed ^ FINAL_SALT).next);
      if (finalPitchClass !== undefined) {
        const share = Math.round((style.ending.finals[String(finalPitchClass)] ?? 0) * 100);
        rules.push(`it ends on ${DEGREE_NAMES[finalPitchClass] ?? `degree ${finalPitchClass} (semitones above the tonic)`}, as ${share}% of the style's songs do`);
      }
    }

    // The final note lies where it does in a song of the meter with this pickup, drawn from the style's songs (a held
    // final on the downbeat, a short one after a long note, a final followed by a rest, ...).
    const finalPlace = drawFinalPlace(shapes, options.meter, pickup, createRandom(options.randomSeed ^ PLACE_SALT).next);

    const t0 = performance.now();
    const primer = shiftEvents(seed.events, plan.seedShift + plan.normalShift);
    const normalKey = keyOf(plan.key.mode === 'major' ? 0 : 9, plan.key.mode);
    const meters = [{ tick: 0, meter: options.meter }];
    const draw = (randomSeed: number): { inC: Melody; found: SharedPassage | null | undefined; selfCopy: boolean } => {
      let generated: readonly MelodyEvent[];
      try {
        generated = this.generator.generate({
          meter: options.meter,
          mode: plan.key.mode,
          bars: options.bars,
          primer,
          pickup,
          closingBar: true,
          endOnTonic: true,
          finalOnStrongBeat: true,
          maxRepeatedBars: MAX_REPEATED_BARS,
          maxFinalLeap: MAX_FINAL_LEAP,
          maxLeap: MAX_LEAP,
          temperature: options.temperature * temperatureFactor,
          topP: TOP_P,
          memoryStrength: this.generator.info.longTermMemory ? MEMORY_STRENGTH_WITH_LONG_TERM : MEMORY_STRENGTH,
          ...(repeatedNoteBias !== 0 ? { repeatedNoteBias } : {}),
          ...(offPentatonicBias !== 0 ? { offPentatonicBias } : {}),
          ...(tokenBias !== undefined ? { tokenBias } : {}),
          randomSeed,
          ...(options.style !== undefined ? { style: options.style } : {}),
          ...(finalPitchClass !== undefined ? { finalPitchClass } : {}),
          ...(finalPlace !== undefined ? { finalPlace } : {}),
        });
      } catch (error) {
        // The encoding refuses a primer it cannot represent (a pitch or duration outside the model's range).
        if (error instanceof Error && error.name === 'EncodingError') {
          throw new SeedError(0, 0, options.seed, `the model cannot continue this seed: ${error.message}. Example of a seed: "${SEED_EXAMPLE}"`);
        }
        throw error;
      }
      const end = generated.reduce((latest, event) => Math.max(latest, event.onset + event.duration), 0);
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
      return { inC, found: this.sharedPassage(inC), selfCopy: isSelfCopy(inC) };
    };
    // A tune that copies four bars or more of a training song beyond the seed, or that is mostly copies of its own
    // bars, is drawn again (a copy inside the seed is the user's choice): up to REDRAWS more times, keeping the draw
    // that copies least. Deterministic: the redraws' random seeds derive from the request's.
    let best = draw(options.randomSeed);
    let redraws = 0;
    const copied = (found: SharedPassage | null | undefined): number =>
      found !== null && found !== undefined && found.bars >= CLOSE_BARS && found.lastOnset >= seed.ticks ? found.notes : 0;
    // Lower is better: notes copied from a training song first, then whether the tune copies itself.
    const badness = (d: { found: SharedPassage | null | undefined; selfCopy: boolean }): number => copied(d.found) * 2 + (d.selfCopy ? 1 : 0);
    while (badness(best) > 0 && redraws < REDRAWS) {
      redraws++;
      const next = draw((options.randomSeed + Math.imul(redraws, 0x2545f491)) >>> 1);
      if (badness(next) < badness(best)) best = next;
    }
    const { inC } = best;
    const originality = redraws > 0 ? { ...this.report(best.found), redraws } : this.report(best.found);
    const generateMs = elapsed(t0);
    // A tune without a seed has no octave of its own to keep: it is centred on the staff, as one moved to a key is.
    const melody = transpose(inC, -plan.normalShift + outputOctave(inC.events, -plan.normalShift, options.key !== undefined || seed.events.length === 0));
    const composedStyle =
      style === undefined
        ? null
        : {
            name: style.name,
            description: style.description,
            // Not when the style's usual meter is one the model cannot compose in (then 4/4 was taken).
            meterFromStyle: input.meter === undefined && this.usualMeter(style.name) !== undefined,
            modeFromStyle: shape !== null && options.mode === undefined && options.key === undefined,
            minorShare: style.shapes[formatMeter(options.meter)]?.minor ?? null,
            rules,
          };
    return { options, program, melody, pickup, generateMs, originality, style: composedStyle };
  }

  /** A composer on the same model and originality index with some options changed (calibrate's note-bias fit). */
  withOptions(options: Partial<ComposerOptions>): Composer {
    return new Composer(this.generator, { ...this.options, ...options }, this.originalityIndex);
  }

  /** GenerateOptions.tokenBias for a style's note-length biases in a meter, made once per style, meter and biases. */
  private noteLengthBias(styleName: string, meter: Meter, biases: Readonly<Record<string, number>>): Float32Array | undefined {
    const beats = this.generator.encoding.tokenNoteBeats;
    if (beats === undefined || Object.keys(biases).length === 0) return undefined;
    const key = `${styleName} ${formatMeter(meter)} ${JSON.stringify(biases)}`;
    if (!this.tokenBiases.has(key)) this.tokenBiases.set(key, noteLengthTokenBias(beats, meter, biases));
    return this.tokenBiases.get(key);
  }

  /** The model's styles (empty for a model without): what --style and /compose's style choice offer. */
  get styles(): readonly StyleInfo[] {
    return this.generator.info.styles;
  }

  /** The style's usual meter, when this model can compose in it. */
  private usualMeter(name: string): Meter | undefined {
    const text = this.styles.find((style) => style.name === name)?.usualMeter;
    if (text === undefined || !this.meters.includes(text)) return undefined;
    const [numerator, denominator] = text.split('/').map(Number) as [number, number];
    return { numerator, denominator };
  }

  /** The longest passage the tune shares with a training song; a note for the user from about four bars on. */
  originality(melody: Melody): OriginalityReport {
    return this.report(this.sharedPassage(melody));
  }

  /** The longest passage shared with a training song: undefined without an index, null when none was found. */
  private sharedPassage(melody: Melody): SharedPassage | null | undefined {
    return this.originalityIndex === null ? undefined : longestSharedPassage(this.originalityIndex, melody);
  }

  private report(found: SharedPassage | null | undefined): OriginalityReport {
    if (found === undefined) return { checked: false, passage: null, note: null };
    if (found === null) return { checked: true, passage: null, note: null };
    const { notes, firstBar, lastBar, bars, song } = found;
    const where = firstBar === lastBar ? `bar ${firstBar} is` : `bars ${firstBar}-${lastBar} are`;
    const note = bars >= CLOSE_BARS ? `${where} close to "${song.title}" (${song.file}): ${notes} notes with the same intervals and lengths` : null;
    return { checked: true, passage: { notes, firstBar, lastBar, bars, song }, note };
  }

  dispose(): void {
    this.generator.dispose();
  }
}
