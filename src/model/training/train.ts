// The training loop as a library: progress goes to a callback, nothing is logged or printed here.
//
// Out folder layout:
//   model/             the best epoch's model folder (saved atomically whenever validation improves)
//   checkpoint/        latest weights + Adam state + loop position + history (every epoch, every few minutes,
//                      on interruption); `resume` continues from it
//   report.json        curves, timings, data summary; loss-curves.svg / loss-curves.png
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Encoding } from '../encodings/encoding.js';
import { flattenWeights, initialWeights, unflattenWeights, weightSizes, type LstmConfig, type LstmWeights } from '../network/lstm-network.js';
import { trainKernelKind, type KernelKind } from '../network/train-kernels.js';
import {
  float32Arrays,
  float32Bytes,
  loadModelFolder,
  modelFiles,
  saveModelFolder,
  writeFolderAtomically,
  type ModelMetadata,
} from '../folder/model-folder.js';
import { chosenFeatureSet, featureTracker, inputRows, songInputRows } from '../encodings/input-features.js';
import { createRandom } from '../generation/random.js';
import { layoutStreams, stepRateScale, styleRepeats, type SongInputRows, type StyleRepeat } from './train-batches.js';
import { bitsPerNote } from './train-evaluate.js';
import { AdamOptimizer } from './train-optimizer.js';
import { ReplicaError, ReplicaSet } from './train-replicas.js';
import { MAX_STYLE_REPEATS, type TrainingPreset } from './train-presets.js';
import { STYLE_NAMES } from '../data/styles.js';
import { styleToken } from '../encodings/events.js';
import { lossCurvesSvg, renderPng } from './train-report.js';
import { WarmStartError, warmStartWeights } from './warm-start.js';

export class TrainingError extends Error {
  override readonly name = 'TrainingError';
}

/** What training needs from the dataset builder (dataset.ts's TrainingData fits). */
export interface TrainingSet {
  readonly encoding: Encoding;
  readonly train: readonly Int32Array[];
  readonly validation: readonly Int32Array[];
  /** Anything describing the data, copied into the report (e.g. the dataset summary). */
  readonly summary?: unknown;
}

export interface TrainOptions {
  readonly preset: TrainingPreset;
  readonly data: TrainingSet;
  /** Where the songs came from, for the model's metadata. */
  readonly dataDir: string;
  readonly outDir: string;
  /** Name written into the model folder (default: the preset's). */
  readonly modelName?: string;
  /** Overrides preset.maxEpochs. */
  readonly epochs?: number;
  /** Stop (cleanly, with validation and a checkpoint) after this much wall time. */
  readonly maxMinutes?: number;
  readonly resume?: boolean;
  /**
   * With `resume`: continue at this learning rate instead of the checkpoint's (a warm restart once the halvings
   * have stalled), with the patience count started afresh.
   */
  readonly restartLearningRate?: number;
  readonly seed?: number;
  /**
   * Start (not resume) from a trained network, carried over token by token (warm-start.ts); `name` is recorded in
   * the model's hyperparameters.
   */
  readonly initFrom?: { readonly weights: LstmWeights; readonly vocabulary: readonly string[]; readonly name: string };
  /** The tfjs backend in use, recorded in the model (and initialised by every worker thread). */
  readonly backend: string;
  /**
   * Replicas of the network training data-parallel, one per worker thread (default 1: in the calling thread, no
   * worker). More workers than the batch has streams are not started.
   */
  readonly workers?: number;
  /** Tests only: the second worker thread exits as if it had crashed when given this step of the session. */
  readonly workerExitAtStep?: number;
  /** Minutes between mid-epoch checkpoints (default 5). */
  readonly checkpointMinutes?: number;
  /** Polled between batches; true = save a checkpoint and return (e.g. after SIGINT). */
  readonly shouldStop?: () => boolean;
  readonly onProgress?: (event: TrainingEvent) => void;
}

export interface EpochRecord {
  /** 1-based; a fractional value marks an epoch cut short by the time limit. */
  readonly epoch: number;
  readonly trainLoss: number;
  readonly trainAccuracy: number;
  readonly validationLoss: number;
  readonly validationAccuracy: number;
  readonly validationBitsPerNote: number;
  readonly learningRate: number;
  readonly trainSeconds: number;
  readonly validationSeconds: number;
  readonly targetsPerSecond: number;
}

export type StopReason = 'epochs' | 'early-stopping' | 'time-limit' | 'interrupted';

export type TrainingEvent =
  | {
      readonly kind: 'batch';
      readonly epoch: number;
      readonly epochs: number;
      readonly batch: number;
      readonly batches: number;
      /** Running means over the epoch so far. */
      readonly loss: number;
      readonly accuracy: number;
      readonly targetsPerSecond: number;
      readonly elapsedSeconds: number;
      /** Seconds left in this epoch at the current speed. */
      readonly epochEtaSeconds: number;
    }
  | { readonly kind: 'validating'; readonly epoch: number }
  | { readonly kind: 'epoch'; readonly record: EpochRecord; readonly improved: boolean; readonly bestEpoch: number }
  | { readonly kind: 'checkpoint'; readonly dir: string; readonly reason: 'epoch' | 'timer' | 'stop' }
  | { readonly kind: 'resumed'; readonly epoch: number; readonly batch: number }
  /** Started from a trained network: tokens carried over, and the new ones. */
  | { readonly kind: 'warm-start'; readonly from: string; readonly carried: number; readonly fresh: readonly string[] }
  /** The replicas are ready: how many train side by side (worker threads when more than one). */
  | { readonly kind: 'started'; readonly workers: number; readonly backend: string; readonly kernel: KernelKind }
  /** Style balancing (preset.balanceStyles): each style's training songs and how often each is repeated an epoch. */
  | { readonly kind: 'style-balance'; readonly styles: readonly StyleRepeat[]; readonly songsPerEpoch: number }
  | { readonly kind: 'stopped'; readonly reason: StopReason };

export interface TrainingResult {
  /** The best epoch's model folder; null when no epoch was validated yet (e.g. interrupted in the first). */
  readonly modelDir: string | null;
  readonly reportFile: string;
  readonly stoppedBy: StopReason;
  readonly history: readonly EpochRecord[];
  readonly bestEpoch: number;
  readonly bestValidationLoss: number;
  readonly bestBitsPerNote: number;
  readonly trainingSeconds: number;
  readonly parameters: number;
}

interface LoopState {
  /** Epochs fully done (0-based index of the current epoch). */
  epoch: number;
  /** Next batch to run within the current epoch. */
  batch: number;
  partial: { lossSum: number; targets: number; correct: number; seconds: number };
  history: EpochRecord[];
  bestEpoch: number;
  bestValidationLoss: number;
  bestBitsPerNote: number;
  epochsWithoutImprovement: number;
  learningRate: number;
  trainingSeconds: number;
}

interface CheckpointFile {
  readonly format: 'folkbot-checkpoint';
  readonly version: 1;
  readonly preset: TrainingPreset;
  readonly seed: number;
  readonly vocabulary: readonly string[];
  readonly optimizerStep: number;
  readonly state: LoopState;
}

const CHECKPOINT_JSON = 'checkpoint.json';
const OPTIMIZER_FILE = 'optimizer.bin';

/** Distinct reproducible seeds per (run seed, epoch, batch). */
function derivedSeed(seed: number, epoch: number, batch = -1): number {
  return (Math.imul(seed ^ 0x9e3779b9, 2654435761) + Math.imul(epoch + 1, 40503) + Math.imul(batch + 2, 69069)) >>> 0;
}

export async function train(options: TrainOptions): Promise<TrainingResult> {
  const { preset, data } = options;
  const seed = options.seed ?? 1;
  const outDir = path.resolve(options.outDir);
  const modelDir = path.join(outDir, 'model');
  const checkpointDir = path.join(outDir, 'checkpoint');
  const maxEpochs = options.epochs ?? preset.maxEpochs;
  const deadline = options.maxMinutes !== undefined ? Date.now() + options.maxMinutes * 60_000 : Infinity;
  const checkpointEveryMs = (options.checkpointMinutes ?? 5) * 60_000;
  const vocabulary = data.encoding.config.vocabulary;
  if (data.train.length === 0) throw new TrainingError('no training songs');
  if (data.validation.length === 0) throw new TrainingError('no validation songs: early stopping needs held-out songs');
  const shortSong = [...data.train, ...data.validation].findIndex((song) => song.length < 2);
  if (shortSong >= 0) throw new TrainingError(`song ${shortSong} has fewer than 2 tokens: nothing to predict`);

  const features = chosenFeatureSet(data.encoding, preset.inputFeatures);
  if (preset.inputFeatures !== undefined && preset.inputFeatures !== false && features === undefined) {
    throw new TrainingError(
      `preset ${preset.name} asks for input features${typeof preset.inputFeatures === 'string' ? ` "${preset.inputFeatures}"` : ''}, but the ${data.encoding.config.name} encoding has none of that name`,
    );
  }
  const config: LstmConfig = {
    vocabularySize: data.encoding.vocabularySize,
    hiddenSize: preset.hiddenSize,
    layers: preset.layers,
    dropout: preset.dropout,
    ...(features ? { inputFeatures: features } : {}),
  };
  // With input features every song's input rows are computed once, by the same tracker generation uses.
  let trainRows: SongInputRows | undefined;
  let validationRows: SongInputRows | undefined;
  if (features) {
    const rows = inputRows(config, featureTracker(data.encoding, config));
    trainRows = { width: rows.width, songs: data.train.map((song) => songInputRows(rows, song)) };
    validationRows = { width: rows.width, songs: data.validation.map((song) => songInputRows(rows, song)) };
  }
  // Style balancing: the epoch's songs, each as often as its style's repeats say (the same every epoch).
  let epochSongs: readonly Int32Array[] = data.train;
  let epochRows = trainRows;
  let balance: { readonly styles: readonly StyleRepeat[]; readonly songsPerEpoch: number } | null = null;
  if (preset.balanceStyles !== undefined && preset.balanceStyles > 0) {
    if (!preset.styles) throw new TrainingError(`preset ${preset.name} balances styles, but its songs carry no style (it is not a styles preset)`);
    const { order, styles } = styleRepeats(data.train, styleOfToken(vocabulary), preset.balanceStyles, MAX_STYLE_REPEATS);
    const rows = trainRows;
    epochSongs = Array.from(order, (index) => data.train[index] as Int32Array);
    epochRows = rows ? { width: rows.width, songs: Array.from(order, (index) => rows.songs[index] as Int32Array) } : undefined;
    balance = { styles, songsPerEpoch: order.length };
  }
  await fs.mkdir(outDir, { recursive: true });

  const sizes = weightSizes(config);
  const parameterCount = sizes.reduce((a, b) => a + b, 0);
  let startWeights: LstmWeights;
  const optimizer = new AdamOptimizer(sizes, { learningRate: preset.learningRate, clipNorm: preset.clipNorm });
  let state: LoopState;
  let bestWeights: LstmWeights | null = null;
  const checkpointExists = await fs.stat(path.join(checkpointDir, CHECKPOINT_JSON)).then(() => true, () => false);
  if (options.resume && !checkpointExists) {
    throw new TrainingError(`cannot resume: no checkpoint in ${checkpointDir}`);
  }
  if (options.resume) {
    const restored = await readCheckpoint(checkpointDir, vocabulary, config, preset);
    startWeights = restored.weights;
    const restart = options.restartLearningRate;
    state = restart === undefined ? restored.state : { ...restored.state, learningRate: restart, epochsWithoutImprovement: 0 };
    optimizer.restoreState(restored.optimizer);
    optimizer.learningRate = state.learningRate;
    bestWeights = await loadModelFolder(modelDir).then((m) => m.weights, () => null);
    options.onProgress?.({ kind: 'resumed', epoch: state.epoch, batch: state.batch });
  } else {
    if (options.initFrom) {
      try {
        const start = warmStartWeights(options.initFrom.weights, options.initFrom.vocabulary, config, vocabulary, createRandom(seed));
        startWeights = start.weights;
        options.onProgress?.({ kind: 'warm-start', from: options.initFrom.name, carried: start.carried, fresh: start.fresh });
      } catch (error) {
        if (error instanceof WarmStartError) throw new TrainingError(`cannot start from ${options.initFrom.name}: ${error.message}`);
        throw error;
      }
    } else {
      startWeights = initialWeights(config, createRandom(seed));
    }
    state = {
      epoch: 0,
      batch: 0,
      partial: { lossSum: 0, targets: 0, correct: 0, seconds: 0 },
      history: [],
      bestEpoch: 0,
      bestValidationLoss: Infinity,
      bestBitsPerNote: NaN,
      epochsWithoutImprovement: 0,
      learningRate: preset.learningRate,
      trainingSeconds: 0,
    };
  }

  const metadataFor = (weights: LstmWeights, record: EpochRecord | null): ModelMetadata => ({
    format: 'folkbot-model',
    version: 1,
    name: options.modelName ?? preset.name,
    encoding: data.encoding.config,
    network: weights.config,
    parameters: parameterCount,
    hyperparameters: { ...preset, seed, ...(options.initFrom ? { initFrom: options.initFrom.name } : {}) },
    training: {
      dataDir: options.dataDir,
      songs: data.train.length + data.validation.length,
      trainSongs: data.train.length,
      validationSongs: data.validation.length,
      trainTargets: data.train.reduce((sum, song) => sum + song.length - 1, 0),
      epochs: state.history.length,
      bestEpoch: state.bestEpoch,
      seconds: Math.round(state.trainingSeconds),
      backend: options.backend,
      finishedAt: new Date().toISOString(),
    },
    dataSummary: data.summary ?? null,
    validation: {
      loss: record?.validationLoss ?? null,
      bitsPerNote: record && Number.isFinite(record.validationBitsPerNote) ? record.validationBitsPerNote : null,
      accuracy: record?.validationAccuracy ?? null,
    },
  });

  const workers = Math.min(options.workers ?? 1, preset.batchSize);
  const replicas = await ReplicaSet.start({
    config,
    weights: concatenate(flattenWeights(startWeights)),
    workers,
    backend: options.backend,
    validationSongs: data.validation,
    ...(validationRows ? { validationRows } : {}),
    ...(options.workerExitAtStep ? { exitAtStep: options.workerExitAtStep } : {}),
  }).catch((error: unknown) => {
    throw error instanceof ReplicaError ? new TrainingError(`cannot start training: ${error.message}`) : error;
  });
  options.onProgress?.({ kind: 'started', workers: replicas.workers, backend: options.backend, kernel: trainKernelKind() });
  if (balance) options.onProgress?.({ kind: 'style-balance', ...balance });
  const currentWeights = (): LstmWeights => {
    let offset = 0;
    return unflattenWeights(config, sizes.map((size) => replicas.weights.slice(offset, (offset += size))));
  };

  const saveCheckpoint = async (reason: 'epoch' | 'timer' | 'stop'): Promise<void> => {
    const weights = currentWeights();
    const files = modelFiles(weights, metadataFor(weights, state.history.at(-1) ?? null));
    const optimizerState = optimizer.readState();
    files.set(OPTIMIZER_FILE, float32Bytes([...optimizerState.firstMoments, ...optimizerState.secondMoments]));
    const checkpoint: CheckpointFile = {
      format: 'folkbot-checkpoint',
      version: 1,
      preset,
      seed,
      vocabulary,
      optimizerStep: optimizerState.step,
      state,
    };
    files.set(CHECKPOINT_JSON, JSON.stringify(checkpoint, (_key, value: unknown) => (value === Infinity ? 1e308 : value), 2) + '\n');
    await writeFolderAtomically(checkpointDir, files);
    options.onProgress?.({ kind: 'checkpoint', dir: checkpointDir, reason });
  };

  let stoppedBy: StopReason = 'epochs';
  let lastCheckpoint = Date.now();
  const startedAt = Date.now();
  const sessionStartSeconds = state.trainingSeconds;
  const updateClock = (): void => {
    state.trainingSeconds = sessionStartSeconds + (Date.now() - startedAt) / 1000;
  };

  try {
    epochs: while (state.epoch < maxEpochs) {
      const layout = layoutStreams(epochSongs, preset.batchSize, preset.chunkSteps, createRandom(derivedSeed(seed, state.epoch)), epochRows);
      const batches = layout.batches.length;
      replicas.resetCarry();
      let cutShort = false;
      let batchStarted = performance.now();
      while (state.batch < batches) {
        const batch = layout.batches[state.batch];
        if (!batch) break;
        batchStarted = performance.now();
        const { lossSum, correct, gradient } = await replicas.step(batch, derivedSeed(seed, state.epoch, state.batch));
        // An epoch's last, nearly empty batches take a step scaled to their targets (train-batches.ts).
        optimizer.learningRate = state.learningRate * stepRateScale(batch);
        optimizer.apply(replicas.weights, gradient);
        if (!Number.isFinite(lossSum)) throw new TrainingError(`the loss became ${lossSum} in epoch ${state.epoch + 1}, batch ${state.batch + 1}`);
        let targets = 0;
        for (const w of batch.weights) targets += w;
        const p = state.partial;
        p.lossSum += lossSum;
        p.targets += targets;
        p.correct += correct;
        p.seconds += (performance.now() - batchStarted) / 1000;
        state.batch++;
        updateClock();
        const speed = p.targets / Math.max(p.seconds, 1e-9);
        options.onProgress?.({
          kind: 'batch',
          epoch: state.epoch + 1,
          epochs: maxEpochs,
          batch: state.batch,
          batches,
          loss: p.lossSum / Math.max(p.targets, 1),
          accuracy: p.correct / Math.max(p.targets, 1),
          targetsPerSecond: speed,
          elapsedSeconds: state.trainingSeconds,
          epochEtaSeconds: ((batches - state.batch) * p.seconds) / Math.max(state.batch, 1),
        });
        if (options.shouldStop?.()) {
          stoppedBy = 'interrupted';
          await saveCheckpoint('stop');
          break epochs;
        }
        if (Date.now() >= deadline && state.batch < batches) {
          stoppedBy = 'time-limit';
          cutShort = true;
          break;
        }
        if (Date.now() - lastCheckpoint >= checkpointEveryMs && state.batch < batches) {
          await saveCheckpoint('timer');
          lastCheckpoint = Date.now();
        }
        // Let signal handlers and I/O run between batches.
        await new Promise((resolve) => setImmediate(resolve));
      }

      options.onProgress?.({ kind: 'validating', epoch: state.epoch + 1 });
      const validationStarted = performance.now();
      const evaluation = await replicas.evaluate();
      const bits = bitsPerNote(data.encoding, data.validation, evaluation.logProbs);
      const p = state.partial;
      const record: EpochRecord = {
        epoch: cutShort ? state.epoch + state.batch / batches : state.epoch + 1,
        trainLoss: p.lossSum / Math.max(p.targets, 1),
        trainAccuracy: p.correct / Math.max(p.targets, 1),
        validationLoss: evaluation.loss,
        validationAccuracy: evaluation.accuracy,
        validationBitsPerNote: bits,
        learningRate: state.learningRate,
        trainSeconds: p.seconds,
        validationSeconds: (performance.now() - validationStarted) / 1000,
        targetsPerSecond: p.targets / Math.max(p.seconds, 1e-9),
      };
      state.history.push(record);
      const improved = evaluation.loss < state.bestValidationLoss;
      if (improved) {
        state.bestValidationLoss = evaluation.loss;
        state.bestBitsPerNote = bits;
        state.bestEpoch = record.epoch;
        state.epochsWithoutImprovement = 0;
        bestWeights = currentWeights();
        updateClock();
        await saveModelFolder(modelDir, bestWeights, metadataFor(bestWeights, record));
      } else {
        state.epochsWithoutImprovement++;
        state.learningRate *= preset.learningRateDecay;
      }
      options.onProgress?.({ kind: 'epoch', record, improved, bestEpoch: state.bestEpoch });
      if (!cutShort) {
        state.epoch++;
        state.batch = 0;
        state.partial = { lossSum: 0, targets: 0, correct: 0, seconds: 0 };
      }
      updateClock();
      await saveCheckpoint('epoch');
      lastCheckpoint = Date.now();
      if (cutShort) break;
      if (state.epochsWithoutImprovement >= preset.patience) {
        stoppedBy = 'early-stopping';
        break;
      }
      if (Date.now() >= deadline && state.epoch < maxEpochs) {
        stoppedBy = 'time-limit';
        break;
      }
      if (options.shouldStop?.()) {
        stoppedBy = 'interrupted';
        break;
      }
    }
    options.onProgress?.({ kind: 'stopped', reason: stoppedBy });
    updateClock();
    if (bestWeights) {
      const bestRecord = state.history.find((r) => r.epoch === state.bestEpoch) ?? null;
      await saveModelFolder(modelDir, bestWeights, metadataFor(bestWeights, bestRecord));
    }
    const reportFile = await writeReport(outDir, options, state, stoppedBy, parameterCount, seed, replicas.workers);
    return {
      modelDir: bestWeights ? modelDir : null,
      reportFile,
      stoppedBy,
      history: state.history,
      bestEpoch: state.bestEpoch,
      bestValidationLoss: state.bestValidationLoss,
      bestBitsPerNote: state.bestBitsPerNote,
      trainingSeconds: state.trainingSeconds,
      parameters: parameterCount,
    };
  } catch (error) {
    if (!(error instanceof ReplicaError)) throw error;
    throw new TrainingError(
      `${error.message}. Training stopped; the last checkpoint in ${checkpointDir} is intact, and resuming continues from it.`,
    );
  } finally {
    await replicas.close();
  }
}

function concatenate(arrays: readonly Float32Array[]): Float32Array {
  const flat = new Float32Array(arrays.reduce((sum, a) => sum + a.length, 0));
  let offset = 0;
  for (const a of arrays) {
    flat.set(a, offset);
    offset += a.length;
  }
  return flat;
}

async function readCheckpoint(dir: string, vocabulary: readonly string[], config: LstmConfig, preset: TrainingPreset) {
  const model = await loadModelFolder(dir).catch((error: unknown) => {
    throw new TrainingError(`cannot resume from ${dir}: ${(error as Error).message}`);
  });
  const checkpoint = JSON.parse(await fs.readFile(path.join(dir, CHECKPOINT_JSON), 'utf8')) as CheckpointFile;
  if (checkpoint.format !== 'folkbot-checkpoint' || checkpoint.version !== 1) {
    throw new TrainingError(`${path.join(dir, CHECKPOINT_JSON)} is not a folkbot checkpoint`);
  }
  if (checkpoint.vocabulary.length !== vocabulary.length || checkpoint.vocabulary.some((token, k) => token !== vocabulary[k])) {
    throw new TrainingError('cannot resume: the checkpoint was trained with a different vocabulary than this data gives');
  }
  const saved = model.weights.config;
  if (
    saved.hiddenSize !== config.hiddenSize ||
    saved.layers !== config.layers ||
    saved.vocabularySize !== config.vocabularySize ||
    JSON.stringify(saved.inputFeatures ?? null) !== JSON.stringify(config.inputFeatures ?? null)
  ) {
    throw new TrainingError(
      `cannot resume: the checkpoint's network (${saved.layers} x ${saved.hiddenSize}${saved.inputFeatures ? ', input features' : ''}) differs from the preset's (${config.layers} x ${config.hiddenSize}${config.inputFeatures ? ', input features' : ''})`,
    );
  }
  // The epoch's songs, and so the loop position within it, depend on the style balancing: it must stay the same.
  const balanced = (settings: TrainingPreset): number => settings.balanceStyles ?? 0;
  if (balanced(checkpoint.preset) !== balanced(preset)) {
    throw new TrainingError(
      `cannot resume: the checkpoint was trained with --balance-styles ${balanced(checkpoint.preset)}, this run asks for ${balanced(preset)}: resume with --balance-styles ${balanced(checkpoint.preset)}`,
    );
  }
  const sizes = weightSizes(config);
  const bytes = await fs.readFile(path.join(dir, OPTIMIZER_FILE));
  if (bytes.length !== 2 * sizes.reduce((a, b) => a + b, 0) * 4) {
    throw new TrainingError(`cannot resume: ${path.join(dir, OPTIMIZER_FILE)} is truncated`);
  }
  const arrays = float32Arrays(bytes, [...sizes, ...sizes]);
  const state = checkpoint.state;
  if (state.bestValidationLoss >= 1e308) state.bestValidationLoss = Infinity;
  return {
    weights: model.weights,
    optimizer: { step: checkpoint.optimizerStep, firstMoments: arrays.slice(0, sizes.length), secondMoments: arrays.slice(sizes.length) },
    state,
  };
}

async function writeReport(
  outDir: string,
  options: TrainOptions,
  state: LoopState,
  stoppedBy: StopReason,
  parameters: number,
  seed: number,
  workers: number,
): Promise<string> {
  const history = state.history;
  const trainSeconds = history.reduce((sum, r) => sum + r.trainSeconds, 0);
  const trainTargets = history.reduce((sum, r) => sum + r.targetsPerSecond * r.trainSeconds, 0);
  const report = {
    preset: options.preset,
    seed,
    backend: options.backend,
    workers,
    parameters,
    data: {
      dataDir: options.dataDir,
      encoding: options.data.encoding.config.name,
      vocabularySize: options.data.encoding.vocabularySize,
      trainSongs: options.data.train.length,
      validationSongs: options.data.validation.length,
      summary: options.data.summary ?? null,
    },
    stoppedBy,
    best: {
      epoch: state.bestEpoch,
      validationLoss: Number.isFinite(state.bestValidationLoss) ? state.bestValidationLoss : null,
      validationBitsPerNote: Number.isFinite(state.bestBitsPerNote) ? state.bestBitsPerNote : null,
    },
    timings: {
      totalSeconds: state.trainingSeconds,
      trainSeconds,
      validationSeconds: history.reduce((sum, r) => sum + r.validationSeconds, 0),
      meanTargetsPerSecond: trainSeconds > 0 ? trainTargets / trainSeconds : null,
    },
    epochs: history,
  };
  const reportFile = path.join(outDir, 'report.json');
  await fs.writeFile(reportFile, JSON.stringify(report, null, 2) + '\n');
  const svg = lossCurvesSvg(
    `folkbot ${options.preset.name}: ${options.data.encoding.config.name}, LSTM ${options.preset.layers}x${options.preset.hiddenSize}`,
    history,
  );
  await fs.writeFile(path.join(outDir, 'loss-curves.svg'), svg);
  await fs.writeFile(path.join(outDir, 'loss-curves.png'), renderPng(svg));
  return reportFile;
}

/** The style a token stands for (its style token, `<S:name>`), or null: by vocabulary index. */
function styleOfToken(vocabulary: readonly string[]): (token: number) => string | null {
  const byToken = new Map(STYLE_NAMES.map((name) => [vocabulary.indexOf(styleToken(name)), name] as const).filter(([index]) => index >= 0));
  return (token) => byToken.get(token) ?? null;
}
