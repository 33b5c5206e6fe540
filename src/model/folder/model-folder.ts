// A model folder is self-contained: the network topology and weight layout (model.json), the weights as
// little-endian Float32 (weights.bin), and folkbot-model.json with the encoding config, hyperparameters, what it
// was trained on and how well it did. Folders are written to a temporary sibling and renamed into place, so a
// running bot never reads a half-written model; loading checks every file and fails with a ModelFolderError
// that names the file and what is wrong with it. The metadata carries the SHA-256 of weights.bin (written on
// save), and every weight must be a finite number: a damaged or foreign weights file of the right size is refused.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { EncodingConfig } from '../encodings/encoding.js';
import { flattenWeights, inputSize, unflattenWeights, weightSizes, type LstmConfig, type LstmWeights } from '../network/lstm-weights.js';
import type { EndingShape, SongShapes } from '../../music/song-shapes.js';
import { MemorySettingsError, parseMemorySettings, type MemorySettings } from '../memory/memory-mix.js';
import { LongTermModel, LongTermModelError } from '../memory/long-term.js';

export const TOPOLOGY_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';
export const METADATA_FILE = 'folkbot-model.json';
/** The long-term n-gram model of the within-song memory (memory.longTerm), when calibrate built one. */
export const LONG_TERM_FILE = 'long-term.bin';

export type ModelFolderProblem =
  | 'missing-folder'
  | 'missing-file'
  | 'invalid-json'
  | 'invalid-topology'
  | 'truncated-weights'
  | 'checksum-mismatch'
  | 'non-finite-weights'
  | 'vocabulary-mismatch'
  | 'invalid-long-term';

export class ModelFolderError extends Error {
  override readonly name = 'ModelFolderError';
  constructor(
    readonly problem: ModelFolderProblem,
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

/**
 * The name a model takes from where it lives: its folder's name, or the run folder's for a run's `model/`
 * (runs/ballad/model -> "ballad"); `folkbot train --name` and `evaluate --name` give another.
 */
export function modelNameFromFolder(dir: string): string {
  const folder = path.resolve(dir);
  const base = path.basename(folder);
  return base === 'model' && path.dirname(folder) !== folder ? path.basename(path.dirname(folder)) || base : base;
}

/** Checks a model name given by hand: 1 to 64 printable characters. Returns an error text, or null when fine. */
export function modelNameProblem(name: string): string | null {
  if (name.trim() === '' || name.length > 64 || /\p{Cc}/u.test(name)) return `a model name is 1 to 64 printable characters, got ${JSON.stringify(name)}`;
  return null;
}

export interface TrainingSummary {
  /** The corpus folder the songs came from. */
  readonly dataDir: string;
  readonly songs: number;
  readonly trainSongs: number;
  readonly validationSongs: number;
  readonly trainTargets: number;
  readonly epochs: number;
  readonly bestEpoch: number;
  readonly seconds: number;
  readonly backend: string;
  readonly finishedAt: string;
}

export interface ValidationFigures {
  /** Mean -ln p per predicted token. */
  readonly loss: number | null;
  readonly bitsPerNote: number | null;
  readonly accuracy: number | null;
}

export interface ModelMetadata {
  readonly format: 'folkbot-model';
  readonly version: 1;
  readonly name: string;
  readonly encoding: EncodingConfig;
  readonly network: LstmConfig;
  readonly parameters: number;
  /** The training preset and settings it was trained with. */
  readonly hyperparameters: Readonly<Record<string, unknown>>;
  readonly training: TrainingSummary | null;
  /** The dataset builder's summary of the corpus (files, songs kept and dropped, tokens), when trained here. */
  readonly dataSummary?: unknown;
  readonly validation: ValidationFigures;
  /** SHA-256 (hex) of weights.bin, checked on load; folders saved before it existed have none (loaded with a warning). */
  readonly weightsSha256?: string;
  /** The within-song memory mixed with the network when it generates and scores (memory-mix.ts); absent: none. */
  readonly memory?: MemorySettings;
  /** Modes and pickups of the training songs per meter, for tunes composed without a seed (song-shapes.ts). */
  readonly songShapes?: SongShapes;
  /** A multi-style model's styles (its encoding's style tokens), with their songs and figures; written by calibrate. */
  readonly styles?: readonly StyleInfo[];
}

/** One style of a multi-style model, as calibrate measured it on the corpus (src/model/data/styles.ts defines them). */
export interface StyleInfo {
  readonly name: string;
  readonly description: string;
  /** The collection's folders its songs come from, e.g. "deutschl/kinder". */
  readonly sources: readonly string[];
  readonly trainSongs: number;
  readonly validationSongs: number;
  /** The meter most of its training songs start in ("2/4"): the default when a request gives none. */
  readonly usualMeter: string;
  /** The mode most of its training songs are in. */
  readonly usualMode: 'major' | 'minor';
  /** Modes and pickups of its training songs per meter (song-shapes.ts). */
  readonly shapes: SongShapes;
  /** How its training songs end and how pentatonic they are (song-shapes.ts): the composer's rules follow them. */
  readonly ending: EndingShape;
  /** On its validation songs: bits per note with the within-song memory and of the network alone. */
  readonly validation: { readonly bitsPerNote: number | null; readonly networkBitsPerNote: number | null; readonly notes: number };
  /**
   * Repeated notes (a note on the pitch of the note before): their share in its training songs, in its tunes
   * without a bias, and the bias (GenerateOptions.repeatedNoteBias) that calibrate fitted so that its tunes repeat
   * notes as often as its songs (0 where they already did, within style-note-biases.ts's NOTE_BIAS_TOLERANCE).
   * Absent in a folder calibrated before it: no bias.
   */
  readonly repeatedNotes?: NoteShareFit;
  /**
   * Notes off the major pentatonic of the key, in the same four figures, and its bias
   * (GenerateOptions.offPentatonicBias). Absent in a folder calibrated before it: no bias.
   */
  readonly offPentatonicNotes?: NoteShareFit;
  /**
   * How often its tunes repeat their phrases (tune-stats.ts's repetition, the mean over tunes or songs): in its
   * training songs, in its tunes at the user's temperature, and the factor on that temperature that calibrate fitted so
   * that its tunes repeat as often as its songs (1 where they already did, within style-temperature.ts's
   * REPETITION_TOLERANCE). Absent in a folder calibrated before it: factor 1.
   */
  readonly temperature?: StyleTemperatureFit;
  /**
   * Per meter with enough training songs ("2/4"), its songs' mix of note lengths against its tunes', and the biases
   * by note length that calibrate fitted so that they match (style-note-lengths.ts; none where they already did).
   * Absent in a folder calibrated before it, and for a meter without it: no biases.
   */
  readonly noteLengths?: Readonly<Record<string, NoteLengthFit>>;
}

/** A style's repetition in songs and tunes, and the temperature factor fitted to match them (style-temperature.ts). */
export interface StyleTemperatureFit {
  readonly songs: number;
  readonly tunes: number;
  readonly factor: number;
  readonly scaledTunes: number;
}

/** A share of notes in a style's songs and tunes, and the sampling bias fitted to match them (style-note-biases.ts). */
export interface NoteShareFit {
  readonly songs: number;
  readonly tunes: number;
  readonly bias: number;
  readonly biasedTunes: number;
}

/** A style's note lengths in one meter: songs, overlaps, and the biases fitted (style-note-lengths.ts). */
export interface NoteLengthFit {
  /** Training songs of the style in the meter. */
  readonly songs: number;
  /** The overlap (tune-stats.ts's histogramOverlap) of the tunes' note lengths with the songs', without biases. */
  readonly overlap: number;
  /** Natural-log biases on the tokens that start a note of each length, by the length in ticks ("240"). */
  readonly biases: Readonly<Record<string, number>>;
  /** The same overlap with the biases. */
  readonly biasedOverlap: number;
}

interface TopologyTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly byteOffset: number;
}

interface Topology {
  readonly format: 'folkbot-lstm';
  readonly version: 1;
  readonly network: LstmConfig;
  readonly gateOrder: 'input,forget,output,candidate';
  readonly weightsFile: string;
  readonly byteLength: number;
  readonly tensors: readonly TopologyTensor[];
}

export interface LoadedModel {
  readonly weights: LstmWeights;
  readonly metadata: ModelMetadata;
  /** The long-term model that metadata.memory.longTerm names, checked against its SHA-256. */
  readonly longTerm?: LongTermModel;
  /** What loaded but deserves a word (a folder without a weights checksum). */
  readonly warnings: readonly string[];
}

export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function tensorNames(config: LstmConfig): string[] {
  const names: string[] = [];
  for (let layer = 0; layer < config.layers; layer++) {
    names.push(`lstm${layer}/input_kernel`, `lstm${layer}/recurrent_kernel`, `lstm${layer}/bias`);
  }
  names.push('output/kernel', 'output/bias');
  return names;
}

function tensorShapes(config: LstmConfig): number[][] {
  const { hiddenSize: H, vocabularySize: V } = config;
  const shapes: number[][] = [];
  for (let layer = 0; layer < config.layers; layer++) shapes.push([layer === 0 ? inputSize(config) : H, 4 * H], [H, 4 * H], [4 * H]);
  shapes.push([H, V], [V]);
  return shapes;
}

/** Concatenated little-endian Float32 bytes of the arrays. */
export function float32Bytes(arrays: readonly Float32Array[]): Buffer {
  const total = arrays.reduce((sum, a) => sum + a.length, 0);
  const buffer = Buffer.alloc(total * 4);
  let offset = 0;
  for (const array of arrays) {
    for (let k = 0; k < array.length; k++, offset += 4) buffer.writeFloatLE(array[k] ?? 0, offset);
  }
  return buffer;
}

/** Splits little-endian Float32 bytes into arrays of the given sizes (the caller checked the length). */
export function float32Arrays(bytes: Buffer, sizes: readonly number[]): Float32Array[] {
  const arrays: Float32Array[] = [];
  let offset = 0;
  for (const size of sizes) {
    const array = new Float32Array(size);
    for (let k = 0; k < size; k++, offset += 4) array[k] = bytes.readFloatLE(offset);
    arrays.push(array);
  }
  return arrays;
}

/**
 * The model files as name -> contents, for saving alone or inside a checkpoint; with `longTerm`, the file that
 * metadata.memory.longTerm names too, its SHA-256 recorded there.
 */
export function modelFiles(weights: LstmWeights, metadata: ModelMetadata, longTerm?: LongTermModel): Map<string, string | Buffer> {
  const longTermSettings = metadata.memory?.longTerm;
  if ((longTermSettings === undefined) !== (longTerm === undefined)) {
    throw new RangeError(longTerm === undefined ? 'the metadata names a long-term model but none was given to save' : 'a long-term model was given but memory.longTerm does not name it');
  }
  const longTermBytes = longTerm?.toBytes();
  if (longTermSettings !== undefined && longTermBytes !== undefined) {
    metadata = { ...metadata, memory: { ...metadata.memory!, longTerm: { ...longTermSettings, sha256: sha256Hex(longTermBytes) } } };
  }
  if (metadata.encoding.vocabulary.length !== weights.config.vocabularySize) {
    throw new RangeError(
      `the encoding has ${metadata.encoding.vocabulary.length} tokens but the network ${weights.config.vocabularySize} outputs`,
    );
  }
  const arrays = flattenWeights(weights);
  const shapes = tensorShapes(weights.config);
  const names = tensorNames(weights.config);
  let byteOffset = 0;
  const tensors = arrays.map((array, k) => {
    const entry = { name: names[k] as string, shape: shapes[k] as number[], byteOffset };
    byteOffset += array.length * 4;
    return entry;
  });
  const topology: Topology = {
    format: 'folkbot-lstm',
    version: 1,
    network: weights.config,
    gateOrder: 'input,forget,output,candidate',
    weightsFile: WEIGHTS_FILE,
    byteLength: byteOffset,
    tensors,
  };
  const bytes = float32Bytes(arrays);
  const files = new Map<string, string | Buffer>([
    [TOPOLOGY_FILE, JSON.stringify(topology, null, 2) + '\n'],
    [WEIGHTS_FILE, bytes],
    [METADATA_FILE, JSON.stringify({ ...metadata, weightsSha256: sha256Hex(bytes) }, null, 2) + '\n'],
  ]);
  if (longTermSettings !== undefined && longTermBytes !== undefined) files.set(longTermSettings.file, longTermBytes);
  return files;
}

/** Writes a whole model folder atomically (replacing any previous one). */
export async function saveModelFolder(dir: string, weights: LstmWeights, metadata: ModelMetadata, longTerm?: LongTermModel): Promise<void> {
  await writeFolderAtomically(dir, modelFiles(weights, metadata, longTerm));
}

/**
 * Writes `files` into a temporary sibling of `dir`, then renames it over `dir`: readers see either the old
 * folder or the complete new one, never a mix or a partial file.
 */
export async function writeFolderAtomically(dir: string, files: ReadonlyMap<string, string | Buffer>): Promise<void> {
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  await fs.mkdir(parent, { recursive: true });
  const unique = `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const temporary = path.join(parent, `.${path.basename(target)}.tmp-${unique}`);
  const retired = path.join(parent, `.${path.basename(target)}.old-${unique}`);
  await fs.mkdir(temporary);
  try {
    for (const [name, contents] of files) {
      const handle = await fs.open(path.join(temporary, name), 'w');
      try {
        await handle.writeFile(contents);
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    let hadPrevious = false;
    try {
      await fs.rename(target, retired);
      hadPrevious = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    await fs.rename(temporary, target);
    if (hadPrevious) await fs.rm(retired, { recursive: true, force: true });
  } catch (error) {
    await fs.rm(temporary, { recursive: true, force: true });
    throw error;
  }
}

async function readFileOrFail(dir: string, name: string): Promise<Buffer> {
  try {
    return await fs.readFile(path.join(dir, name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ModelFolderError('missing-file', path.join(dir, name), `missing: a model folder needs ${TOPOLOGY_FILE}, ${WEIGHTS_FILE} and ${METADATA_FILE}`);
    }
    throw error;
  }
}

function parseJson(file: string, bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (error) {
    throw new ModelFolderError('invalid-json', file, `not valid JSON (${(error as Error).message})`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

function readNetworkConfig(file: string, value: unknown): LstmConfig {
  if (
    !isRecord(value) ||
    !isPositiveInteger(value.vocabularySize) ||
    !isPositiveInteger(value.hiddenSize) ||
    !isPositiveInteger(value.layers) ||
    typeof value.dropout !== 'number'
  ) {
    throw new ModelFolderError('invalid-topology', file, 'network must give positive integer vocabularySize, hiddenSize, layers and a numeric dropout');
  }
  const config = { vocabularySize: value.vocabularySize, hiddenSize: value.hiddenSize, layers: value.layers, dropout: value.dropout };
  // Absent in folders saved before input features existed: the network then takes tokens alone.
  const features = value.inputFeatures;
  if (features === undefined) return config;
  if (
    !isRecord(features) ||
    typeof features.name !== 'string' ||
    !Array.isArray(features.sizes) ||
    features.sizes.length === 0 ||
    !features.sizes.every(isPositiveInteger)
  ) {
    throw new ModelFolderError('invalid-topology', file, 'network.inputFeatures must give a name and a non-empty list of positive integer sizes');
  }
  return { ...config, inputFeatures: { name: features.name, sizes: features.sizes as number[] } };
}

/** Reads and checks a model folder. */
export async function loadModelFolder(dir: string): Promise<LoadedModel> {
  const folder = path.resolve(dir);
  const stat = await fs.stat(folder).catch(() => null);
  if (!stat?.isDirectory()) throw new ModelFolderError('missing-folder', folder, 'no such model folder');

  const topologyFile = path.join(folder, TOPOLOGY_FILE);
  const topology = parseJson(topologyFile, await readFileOrFail(folder, TOPOLOGY_FILE));
  if (!isRecord(topology) || topology.format !== 'folkbot-lstm' || topology.version !== 1) {
    throw new ModelFolderError('invalid-topology', topologyFile, 'not a folkbot-lstm topology (format "folkbot-lstm", version 1)');
  }
  const network = readNetworkConfig(topologyFile, topology.network);
  const sizes = weightSizes(network);
  const expectedBytes = sizes.reduce((sum, size) => sum + size * 4, 0);
  if (topology.byteLength !== expectedBytes) {
    throw new ModelFolderError('invalid-topology', topologyFile, `byteLength ${String(topology.byteLength)} does not match the network (${expectedBytes} bytes)`);
  }

  const metadataFile = path.join(folder, METADATA_FILE);
  const metadata = parseJson(metadataFile, await readFileOrFail(folder, METADATA_FILE));
  if (!isRecord(metadata) || metadata.format !== 'folkbot-model' || !isRecord(metadata.encoding) || !Array.isArray(metadata.encoding.vocabulary)) {
    throw new ModelFolderError('invalid-json', metadataFile, 'not folkbot model metadata (format "folkbot-model" with an encoding and its vocabulary)');
  }
  const vocabularySize = metadata.encoding.vocabulary.length;
  if (vocabularySize !== network.vocabularySize) {
    throw new ModelFolderError(
      'vocabulary-mismatch',
      metadataFile,
      `the encoding's vocabulary has ${vocabularySize} tokens but the network in ${TOPOLOGY_FILE} has ${network.vocabularySize}`,
    );
  }

  const weightsFile = path.join(folder, WEIGHTS_FILE);
  const bytes = await readFileOrFail(folder, WEIGHTS_FILE);
  if (bytes.length !== expectedBytes) {
    throw new ModelFolderError(
      'truncated-weights',
      weightsFile,
      `${bytes.length} bytes, expected ${expectedBytes} (${sizes.reduce((a, b) => a + b, 0)} float32 weights): the file is truncated or belongs to another network`,
    );
  }
  let memory: MemorySettings | undefined;
  if (metadata.memory !== undefined) {
    try {
      memory = parseMemorySettings(metadata.memory);
    } catch (error) {
      if (error instanceof MemorySettingsError) throw new ModelFolderError('invalid-json', metadataFile, error.message);
      throw error;
    }
  }
  const longTerm = memory?.longTerm === undefined ? undefined : await loadLongTerm(folder, memory.longTerm.file, memory.longTerm.sha256, vocabularySize);
  const warnings: string[] = [];
  const recorded = metadata.weightsSha256;
  if (recorded === undefined) {
    warnings.push(`${METADATA_FILE} records no weightsSha256, so ${WEIGHTS_FILE} is not checked for damage (saving the model again adds it)`);
  } else if (typeof recorded !== 'string' || !/^[0-9a-f]{64}$/.test(recorded)) {
    throw new ModelFolderError('invalid-json', metadataFile, 'weightsSha256 must be the SHA-256 of weights.bin as 64 lower-case hex digits');
  } else if (sha256Hex(bytes) !== recorded) {
    throw new ModelFolderError('checksum-mismatch', weightsFile, `its SHA-256 is not the weightsSha256 recorded in ${METADATA_FILE}: the file was damaged or belongs to another model`);
  }
  const arrays = float32Arrays(bytes, sizes);
  const names = tensorNames(network);
  for (const [k, array] of arrays.entries()) {
    const index = array.findIndex((value) => !Number.isFinite(value));
    if (index >= 0) {
      throw new ModelFolderError(
        'non-finite-weights',
        weightsFile,
        `weight ${index} of ${names[k] ?? `tensor ${k}`} is ${String(array[index])}: every weight must be a finite number (the training diverged or the file is damaged)`,
      );
    }
  }
  const weights = unflattenWeights(network, arrays);
  return { weights, metadata: metadata as unknown as ModelMetadata, warnings, ...(longTerm !== undefined ? { longTerm } : {}) };
}

/** Reads the long-term model's file and checks it: its SHA-256, its layout, its vocabulary. */
async function loadLongTerm(folder: string, name: string, sha256: string, vocabularySize: number): Promise<LongTermModel> {
  const file = path.join(folder, name);
  const bytes = await fs.readFile(file).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ModelFolderError('missing-file', file, `missing: ${METADATA_FILE} names it as the long-term model of the memory (calibrate writes it)`);
    }
    throw error;
  });
  if (sha256Hex(bytes) !== sha256) {
    throw new ModelFolderError('checksum-mismatch', file, `its SHA-256 is not the one memory.longTerm records in ${METADATA_FILE}: the file was damaged or belongs to another model`);
  }
  let model: LongTermModel;
  try {
    model = LongTermModel.fromBytes(bytes);
  } catch (error) {
    if (error instanceof LongTermModelError) throw new ModelFolderError('invalid-long-term', file, error.message);
    throw error;
  }
  if (model.vocabularySize !== vocabularySize) {
    throw new ModelFolderError('vocabulary-mismatch', file, `the long-term model has ${model.vocabularySize} tokens but the encoding's vocabulary ${vocabularySize}`);
  }
  return model;
}
