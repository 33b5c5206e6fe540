// Loading a model folder as a melody generator. Generation is stateful and incremental: the LSTM state is
// carried and each token costs ONE step (plain-JS inference, see lstm-inference.ts), instead of re-running a
// 64-token window for every new token as the reference system did (kept in generator-tfjs.ts as
// `generateWithWindowRefeed`, on the same weights, for the benchmark). Nothing here imports tfjs, so composing
// does not pay for loading it.
import path from 'node:path';
import type { MelodyEvent } from '../../music/types.js';
import type { Encoding, EncodingConfig, EncodingName, SamplingRequest, SongStart } from '../encodings/encoding.js';
import { createEncoding } from '../encodings/index.js';
import { featureTracker } from '../encodings/input-features.js';
import { LstmStepper } from '../network/lstm-inference.js';
import type { LstmWeights } from '../network/lstm-weights.js';
import { loadModelFolder, type ModelMetadata, type StyleInfo } from '../folder/model-folder.js';
import type { SongShapes } from '../../music/song-shapes.js';
import { createRandom } from './random.js';
import { memoryStart, TuneMemory, type MemorySettings } from '../memory/memory-mix.js';
import type { LongTermModel } from '../memory/long-term.js';
import { compareStyleNames, styleDefinition } from '../data/styles.js';
import { checkSamplingSettings, sampleToken, SamplingError } from './sampler.js';

export interface GenerateOptions extends SamplingRequest {
  readonly temperature: number;
  readonly topP: number;
  readonly randomSeed: number;
  /** Mix the network with the tune's short-term model when the model folder has one (default true). */
  readonly memory?: boolean;
  /** How much more than fitted the mixture leans on the tune's own past (TuneMemory: 1 = as fitted, the default). */
  readonly memoryStrength?: number;
  /**
   * Added to the log-probability of every token that repeats the last note's pitch (natural log; 0 or absent: none):
   * above 0 the tune repeats notes more often, below less. A style's own value (calibrate, StyleInfo.repeatedNotes)
   * matches its tunes' share of repeated notes to its songs'. Needs an encoding with tokenPitches.
   */
  readonly repeatedNoteBias?: number;
  /**
   * Added to the log-probability of every token that starts a note off the major pentatonic of the tune's key (the
   * encoding's offPentatonicTokens; 0 or absent: none): below 0 the tune keeps to the pentatonic scale more often,
   * above 0 less. A style's own value: StyleInfo.offPentatonicNotes.
   */
  readonly offPentatonicBias?: number;
  /**
   * Added to the log-probability of each token, by token id (natural log; one entry per token of the vocabulary,
   * each finite; absent: none). The composer gives the note-length biases that calibrate fitted for a style and
   * meter so (StyleInfo.noteLengths, style-note-lengths.ts).
   */
  readonly tokenBias?: Float32Array;
}

export interface ModelInfo {
  readonly name: string;
  readonly encoding: EncodingName;
  readonly parameters: number;
  readonly hiddenSize: number;
  readonly layers: number;
  readonly trainedOn: string;
  readonly songs: number;
  readonly validation: { readonly bitsPerNote: number | null; readonly accuracy: number | null };
  readonly trainingSeconds: number | null;
  readonly backend: string;
  /** What the model folder loaded with but deserves a word (see LoadedModel.warnings). */
  readonly warnings: readonly string[];
  /** Modes and pickups of the training songs per meter, when the model folder has them. */
  readonly songShapes?: SongShapes;
  /** A multi-style model's styles (empty for one without): names, descriptions, songs, usual meter and mode. */
  readonly styles: readonly StyleInfo[];
  /** Whether generation mixes in the within-song memory. */
  readonly memory: boolean;
  /** Whether that memory has a long-term model of the training songs too (memory.longTerm). */
  readonly longTermMemory: boolean;
}

export interface MelodyGenerator {
  readonly info: ModelInfo;
  readonly encoding: Encoding;
  generate(options: GenerateOptions): readonly MelodyEvent[];
  /** log p(tokens[i] | tokens[<i]) from a fresh state; index 0 = 0. */
  logProbs(tokens: Int32Array): Float32Array;
  dispose(): void;
}

/** Feeds tokens one at a time and gives the logits for the token after the last one fed. */
export interface TokenPredictor {
  /** Back to the start of a tune; `start` is for networks with input features (the pickup, the prefix). */
  reset(start?: SongStart): void;
  feed(token: number): void;
  /**
   * Logits over the vocabulary; entries that `allowed` marks 0 may be left at -Infinity (not computed). No side
   * effects: sampling does not ask where the grammar leaves one token.
   */
  logits(allowed: Uint8Array): Float32Array;
}

/** Generation never needs more tokens than this; reaching it means the encoding's sampling state never ended. */
export const MAX_GENERATED_TOKENS = 20_000;

/**
 * The sampling loop shared by every predictor: prime with the prefix, then mask, sample, push until done. With
 * `memory`, each distribution is the network's mixed with the tune's own short-term model (memory-mix.ts).
 */
export function sampleTune(encoding: Encoding, predictor: TokenPredictor, options: GenerateOptions, memory?: TuneMemory): readonly MelodyEvent[] {
  checkSamplingSettings(options);
  const strength = options.memoryStrength ?? 1;
  if (!(Number.isFinite(strength) && strength >= 1)) throw new SamplingError(`memoryStrength must be a number of at least 1, got ${strength}`);
  if (!Number.isFinite(options.randomSeed)) throw new SamplingError(`randomSeed must be a number, got ${options.randomSeed}`);
  const random = createRandom(options.randomSeed);
  const state = encoding.startSampling(options);
  if (state.prefix.length === 0) throw new SamplingError('the encoding gave an empty prefix: nothing to start the network from');
  predictor.reset({ pickup: options.pickup, tokens: state.prefix, ...(state.plannedBarlines !== undefined ? { barlines: state.plannedBarlines } : {}) });
  for (const token of state.prefix) predictor.feed(token);
  memory?.reset();
  const start = memoryStart(encoding, state.prefix);
  state.prefix.forEach((token, i) => {
    if (i >= start) memory?.push(token);
    else memory?.pushConditioning(token);
  });
  const bias = options.repeatedNoteBias ?? 0;
  if (!Number.isFinite(bias)) throw new SamplingError(`repeatedNoteBias must be a finite number, got ${bias}`);
  const pitches = bias !== 0 ? encoding.tokenPitches : undefined;
  if (bias !== 0 && !pitches) throw new SamplingError(`the ${encoding.config.name} encoding does not say which tokens start notes: repeatedNoteBias needs it`);
  let lastPitch = -1;
  if (pitches) for (const token of state.prefix) if ((pitches[token] ?? -1) >= 0) lastPitch = pitches[token] as number;
  const scaleBias = options.offPentatonicBias ?? 0;
  if (!Number.isFinite(scaleBias)) throw new SamplingError(`offPentatonicBias must be a finite number, got ${scaleBias}`);
  const offScale = scaleBias !== 0 ? encoding.offPentatonicTokens : undefined;
  if (scaleBias !== 0 && !offScale) throw new SamplingError(`the ${encoding.config.name} encoding does not say which tokens leave the pentatonic scale: offPentatonicBias needs it`);
  const tokenBias = options.tokenBias;
  if (tokenBias !== undefined) checkTokenBias(tokenBias, encoding.vocabularySize);
  let produced = 0;
  while (!state.done) {
    if (++produced > MAX_GENERATED_TOKENS) throw new SamplingError(`the tune did not end within ${MAX_GENERATED_TOKENS} tokens`);
    const allowed = state.allowed();
    // Where the grammar leaves one token (every barline) it is the token: no logits, no mixing, no draw.
    const only = onlyToken(allowed);
    let token = only;
    if (only < 0) {
      const logits = predictor.logits(allowed);
      const mixed = memory === undefined ? logits : memory.logits(logits, allowed, strength);
      const repeats = pitches !== undefined && lastPitch >= 0;
      if (repeats || offScale || tokenBias) {
        for (let k = 0; k < mixed.length; k++) {
          if (!allowed[k]) continue;
          if (repeats && pitches[k] === lastPitch) mixed[k] = (mixed[k] as number) + bias;
          if (offScale?.[k]) mixed[k] = (mixed[k] as number) + scaleBias;
          if (tokenBias) mixed[k] = (mixed[k] as number) + (tokenBias[k] as number);
        }
      }
      token = sampleToken(mixed, allowed, options, random);
    }
    if (pitches && (pitches[token] ?? -1) >= 0) lastPitch = pitches[token] as number;
    state.push(token);
    if (!state.done) {
      predictor.feed(token);
      memory?.push(token);
    }
  }
  return state.events();
}

/** A tokenBias holds one finite number per token of the vocabulary. */
function checkTokenBias(tokenBias: Float32Array, tokens: number): void {
  if (tokenBias.length !== tokens) throw new SamplingError(`tokenBias has ${tokenBias.length} entries but the vocabulary ${tokens} tokens`);
  const bad = tokenBias.findIndex((value) => !Number.isFinite(value));
  if (bad >= 0) throw new SamplingError(`tokenBias must hold finite numbers, got ${tokenBias[bad]} for token ${bad}`);
}

/** The one token `allowed` marks, or -1 when it marks none or several. */
function onlyToken(allowed: Uint8Array): number {
  let only = -1;
  for (let k = 0; k < allowed.length; k++) {
    if (!allowed[k]) continue;
    if (only >= 0) return -1;
    only = k;
  }
  return only;
}

function stepperPredictor(stepper: LstmStepper): TokenPredictor {
  return { reset: (start) => stepper.reset(start), feed: (token) => stepper.advance(token), logits: (allowed) => stepper.logits(allowed) };
}

function trainedOn(metadata: ModelMetadata): string {
  const dir = metadata.training?.dataDir;
  if (!dir) return 'unknown';
  return dir.split(/[\\/]/).filter(Boolean).slice(-2).join('/');
}

function inDefinitionOrder(styles: readonly StyleInfo[]): readonly StyleInfo[] {
  return [...styles].sort((a, b) => compareStyleNames(a.name, b.name));
}

/**
 * A folder calibrated before styles had their ending figures has none: its styles get neutral ones (their tunes
 * follow folkbot's usual rules) and a warning, instead of failing every tune in a style.
 */
const NO_ENDING: StyleInfo['ending'] = { songs: 0, endsOnTonic: 1, finals: {}, pentatonic: 0 };

function withEndings(styles: readonly StyleInfo[], warnings: string[]): readonly StyleInfo[] {
  const missing = styles.filter((style) => (style as Partial<StyleInfo>).ending === undefined);
  if (missing.length === 0) return styles;
  warnings.push(
    `styles ${missing.map((style) => style.name).join(', ')} have no ending figures (calibrated by an older folkbot): ` +
      'their tunes follow the usual rules; run `folkbot calibrate` on the folder for the style rules',
  );
  return styles.map((style) => ((style as Partial<StyleInfo>).ending === undefined ? { ...style, ending: NO_ENDING } : style));
}

/**
 * The styles of a folder whose encoding has style tokens but whose metadata has no styles (a model saved by training
 * and not yet calibrated, such as a run's best epoch so far): from their definitions, without songs, usual meter or
 * shapes, with a warning. Without them such a model could compose in none of its styles.
 */
function uncalibratedStyles(names: readonly string[], warnings: string[]): readonly StyleInfo[] {
  if (names.length === 0) return [];
  warnings.push(`the folder's styles (${names.join(', ')}) are not calibrated: no song counts or usual meters; run \`folkbot calibrate\` on it`);
  return names.map((name) => {
    const definition = styleDefinition(name);
    return {
      name,
      description: definition?.description ?? name,
      sources: definition?.folders.map((run) => run.join('/')) ?? [],
      trainSongs: 0,
      validationSongs: 0,
      usualMeter: '',
      usualMode: 'major',
      shapes: {},
      ending: NO_ENDING,
      validation: { bitsPerNote: null, networkBitsPerNote: null, notes: 0 },
    };
  });
}

/** `encodingStyles`: the styles of the folder's encoding (its style tokens), for a folder not calibrated yet. */
export function modelInfo(metadata: ModelMetadata, weights: LstmWeights, folderWarnings: readonly string[] = [], encodingStyles: readonly string[] = []): ModelInfo {
  const warnings = [...folderWarnings];
  // In the order of their definitions (german first: the default), not the vocabulary's alphabetical order.
  const styles = withEndings(inDefinitionOrder(metadata.styles ?? uncalibratedStyles(encodingStyles, warnings)), warnings);
  return {
    name: metadata.name,
    encoding: metadata.encoding.name,
    parameters: metadata.parameters,
    hiddenSize: weights.config.hiddenSize,
    layers: weights.config.layers,
    trainedOn: trainedOn(metadata),
    songs: metadata.training?.songs ?? 0,
    validation: { bitsPerNote: metadata.validation.bitsPerNote, accuracy: metadata.validation.accuracy },
    trainingSeconds: metadata.training?.seconds ?? null,
    backend: metadata.training?.backend ?? 'unknown',
    warnings,
    ...(metadata.songShapes ? { songShapes: metadata.songShapes } : {}),
    styles,
    memory: metadata.memory !== undefined,
    longTermMemory: metadata.memory?.longTerm !== undefined,
  };
}

class LstmMelodyGenerator implements MelodyGenerator {
  readonly info: ModelInfo;
  readonly encoding: Encoding;
  readonly weights: LstmWeights;
  readonly memorySettings: MemorySettings | undefined;
  readonly longTerm: LongTermModel | undefined;
  private readonly stepper: LstmStepper;
  private readonly memory: TuneMemory | undefined;

  constructor(metadata: ModelMetadata, weights: LstmWeights, encoding: Encoding, warnings: readonly string[] = [], longTerm?: LongTermModel) {
    this.info = modelInfo(metadata, weights, warnings, encoding.styles ?? []);
    this.encoding = encoding;
    this.weights = weights;
    this.stepper = new LstmStepper(weights, { features: featureTracker(encoding, weights.config) });
    this.memorySettings = metadata.memory;
    this.longTerm = longTerm;
    this.memory = metadata.memory === undefined ? undefined : new TuneMemory(metadata.memory, encoding.vocabularySize, longTerm);
  }

  generate(options: GenerateOptions): readonly MelodyEvent[] {
    return sampleTune(this.encoding, stepperPredictor(this.stepper), options, options.memory === false ? undefined : this.memory);
  }

  logProbs(tokens: Int32Array): Float32Array {
    return this.stepper.logProbs(tokens);
  }

  dispose(): void {
    // Plain arrays only: nothing to free.
  }
}

export interface LoadedGenerator extends MelodyGenerator {
  readonly weights: LstmWeights;
  /** The model folder's within-song memory, if it has one. */
  readonly memorySettings: MemorySettings | undefined;
  /** Its long-term model (memorySettings.longTerm), if it has one. */
  readonly longTerm: LongTermModel | undefined;
}

export interface LoadGeneratorOptions {
  /** Rebuilds the encoding from the saved config (default: the encodings module's createEncoding). */
  readonly createEncoding?: (config: EncodingConfig) => Encoding;
}

/** Loads a model folder (see model-folder.ts for the errors); needs no tfjs backend. */
export async function loadGenerator(modelDir: string, options: LoadGeneratorOptions = {}): Promise<LoadedGenerator> {
  const { weights, metadata, warnings, longTerm } = await loadModelFolder(path.resolve(modelDir));
  const encoding = (options.createEncoding ?? createEncoding)(metadata.encoding);
  if (encoding.vocabularySize !== weights.config.vocabularySize) {
    throw new SamplingError(`the encoding has ${encoding.vocabularySize} tokens but the network ${weights.config.vocabularySize}`);
  }
  return new LstmMelodyGenerator(metadata, weights, encoding, warnings, longTerm);
}
