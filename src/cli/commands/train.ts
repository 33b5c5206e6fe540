// `folkbot train`: builds the training data from a folder of **kern files and trains a model into an out
// folder (model/, checkpoint/, report.json, loss-curves.png). Ctrl-C saves a checkpoint and exits; --resume
// continues from it.
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseOptions, UsageError, type CliCommand } from '../command.js';
import { ensureOutputFolder } from '../output-folder.js';
import { formatSeconds, TrainProgress } from '../train-progress.js';
import type { Logger } from 'pino';
import { logger } from '../../util/logger.js';
import { modelNameFromFolder, modelNameProblem } from '../../model/folder/model-folder.js';
import { initBackend } from '../../model/network/backend.js';
import type { LstmWeights } from '../../model/network/lstm-weights.js';
import { isPresetName, MAX_STYLE_REPEATS, PRESET_NAMES, PRESETS, type TrainingPreset } from '../../model/training/train-presets.js';
import type { TrainingEvent } from '../../model/training/train.js';

const usage = `Usage: folkbot train --data DIR --out DIR [options]

Trains a melody model on the **kern files under DIR (searched recursively).

Options:
  --data DIR             folder of .krn files, e.g. ../shared/data/essen/europa (required)
  --out DIR              run folder: model/ (best epoch), checkpoint/, report.json, loss-curves.png (required);
                         one that holds a run already is refused unless --resume or --force is given
  --name NAME            the model's name, shown by evaluate, /about and --json (default: the --out folder's name)
  --preset NAME          ${PRESET_NAMES.join(' | ')} (default: default)
  --epochs N             maximum epochs (default: the preset's)
  --max-minutes M        stop cleanly after M minutes of wall time (validation and checkpoint included)
  --resume               continue from DIR/checkpoint (with --learning-rate: restart at that rate)
  --init-from DIR        start from the trained model folder DIR, its weights carried over token by token (a
                         vocabulary that adds tokens, e.g. --preset styles from a lookback model)
  --force                start afresh in a --out folder that holds a run, replacing it
  --seed N               random seed for initialisation, shuffling and dropout (default 1)
  --checkpoint-minutes M minutes between mid-epoch checkpoints (default 5)
  --workers N            replicas of the network training side by side, one per worker thread (default: the
                         number of cores, ${os.availableParallelism()} here, at most one per 8 streams of the batch; 1 with the
                         tensorflow backend, which uses every core itself)
  --balance-styles N     with --preset styles or styles-input: a style with fewer than N training songs has
                         each repeated in every epoch (up to ${MAX_STYLE_REPEATS} times), so that it weighs about as much as N
                         songs (default: the preset's, ${PRESETS.styles.balanceStyles ?? 0}; 0 = every song once)
  --hidden-size N, --layers N, --dropout X, --learning-rate X, --batch-size N, --chunk-steps N, --patience N
                         override the preset
  --no-progress          no progress bar (logs only)

At a terminal the logs are printed as lines above the progress bar; otherwise (a pipe, a file) they are JSON.

Environment: FOLKBOT_BACKEND=tensorflow|wasm|cpu forces a TensorFlow.js backend; LOG_LEVEL sets the log level.`;

function positiveInteger(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`--${name} must be a positive integer, got "${text}"`);
  return value;
}

function positiveNumber(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`--${name} must be a positive number, got "${text}"`);
  return value;
}

/** What in `outDir` shows that a run was already trained there (empty: none). */
function earlierRun(outDir: string): string[] {
  return ['model', 'checkpoint', 'report.json'].filter((entry) => existsSync(path.join(outDir, entry)));
}

export const command: CliCommand = {
  name: 'train',
  summary: 'train a melody model (LSTM) on a folder of **kern files',
  usage,
  async run(argv) {
    const v = parseOptions(argv, {
      data: { type: 'string' },
      out: { type: 'string' },
      preset: { type: 'string', default: 'default' },
      epochs: { type: 'string' },
      'max-minutes': { type: 'string' },
      resume: { type: 'boolean', default: false },
      'init-from': { type: 'string' },
      force: { type: 'boolean', default: false },
      name: { type: 'string' },
      seed: { type: 'string' },
      'checkpoint-minutes': { type: 'string' },
      workers: { type: 'string' },
      'hidden-size': { type: 'string' },
      layers: { type: 'string' },
      dropout: { type: 'string' },
      'learning-rate': { type: 'string' },
      'batch-size': { type: 'string' },
      'chunk-steps': { type: 'string' },
      patience: { type: 'string' },
      'balance-styles': { type: 'string' },
      'no-progress': { type: 'boolean', default: false },
    });
    if (!v.data) throw new UsageError('--data DIR is required');
    if (!v.out) throw new UsageError('--out DIR is required');
    const presetName = v.preset ?? 'default';
    if (!isPresetName(presetName)) throw new UsageError(`--preset must be one of ${PRESET_NAMES.join(', ')}, got "${presetName}"`);
    let dropout: number | undefined;
    if (v.dropout !== undefined) {
      dropout = Number(v.dropout);
      if (!(dropout >= 0 && dropout < 1)) throw new UsageError(`--dropout must be at least 0 and below 1, got "${v.dropout}"`);
    }
    const base = PRESETS[presetName];
    let balanceStyles = base.balanceStyles;
    if (v['balance-styles'] !== undefined) {
      balanceStyles = Number(v['balance-styles']);
      if (!Number.isInteger(balanceStyles) || balanceStyles < 0) throw new UsageError(`--balance-styles must be a whole number of songs (0 for none), got "${v['balance-styles']}"`);
      if (balanceStyles > 0 && !base.styles) throw new UsageError(`--balance-styles needs a preset whose songs carry their style (styles, styles-input), not ${presetName}`);
    }
    const preset: TrainingPreset = {
      ...base,
      hiddenSize: positiveInteger('hidden-size', v['hidden-size']) ?? base.hiddenSize,
      layers: positiveInteger('layers', v.layers) ?? base.layers,
      dropout: dropout ?? base.dropout,
      learningRate: positiveNumber('learning-rate', v['learning-rate']) ?? base.learningRate,
      batchSize: positiveInteger('batch-size', v['batch-size']) ?? base.batchSize,
      chunkSteps: positiveInteger('chunk-steps', v['chunk-steps']) ?? base.chunkSteps,
      patience: positiveInteger('patience', v.patience) ?? base.patience,
      ...(balanceStyles ? { balanceStyles } : {}),
    };
    const epochs = positiveInteger('epochs', v.epochs);
    const maxMinutes = positiveNumber('max-minutes', v['max-minutes']);
    const checkpointMinutes = positiveNumber('checkpoint-minutes', v['checkpoint-minutes']);
    const workersOption = positiveInteger('workers', v.workers);
    const seed = v.seed === undefined ? 1 : Number(v.seed);
    if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, got "${v.seed}"`);
    const dataDir = path.resolve(v.data);
    const outDir = path.resolve(v.out);
    if (v.resume && v['init-from'] !== undefined) throw new UsageError('--init-from starts a run; --resume continues one: give one of them');
    if (v.resume && v.force) throw new UsageError('give either --resume (continue the run in --out) or --force (replace it), not both');
    const found = earlierRun(outDir);
    if (found.length > 0 && !v.resume && !v.force) {
      throw new UsageError(
        `${outDir} already holds a training run (${found.join(', ')}): give --resume to continue it, --force to replace it, or another --out`,
      );
    }
    await ensureOutputFolder(v.out);
    const modelName = v.name ?? modelNameFromFolder(outDir);
    const nameProblem = modelNameProblem(modelName);
    if (nameProblem !== null) throw new UsageError(`--name: ${nameProblem}`);

    const showBar = !v['no-progress'] && process.stderr.isTTY === true;
    const progress = showBar
      ? new TrainProgress({
          stream: process.stderr,
          colorize: true,
          ...(maxMinutes !== undefined ? { deadline: Date.now() + maxMinutes * 60_000 } : {}),
        })
      : null;
    const log = (progress?.log ?? logger()).child({ command: 'train' });
    const backend = await initBackend();
    // tfjs-node runs its kernels on every core already; wasm (and cpu) run on one core per thread.
    // At most one worker per 8 streams of the batch by default: a replica's per-step cost (the tfjs calls of each
    // time step) does not shrink with its rows, so a few rows each would spend more on overhead than on arithmetic.
    const workers = workersOption ?? (backend === 'tensorflow' ? 1 : Math.max(1, Math.min(os.availableParallelism(), Math.floor(preset.batchSize / 8))));
    log.info({ backend, workers }, 'TensorFlow.js backend ready');

    const started = Date.now();
    const { buildTrainingData } = await import('../../model/data/dataset.js');
    const { train, TrainingError } = await import('../../model/training/train.js');
    log.info({ dataDir, encoding: preset.encoding, filter: preset.corpusFilter }, 'building training data');
    const data = buildTrainingData({
      dataDir,
      filter: preset.corpusFilter,
      encoding: preset.encoding,
      styles: preset.styles === true,
      onProgress: (p) => {
        if (p.done === p.total) log.debug({ phase: p.phase, done: p.done }, 'dataset progress');
      },
    });
    log.info({ ...data.summary, seconds: Number(data.summary.seconds.toFixed(1)) }, 'training data ready');

    let initFrom: { weights: LstmWeights; vocabulary: readonly string[]; name: string } | undefined;
    if (v['init-from'] !== undefined) {
      const { loadModelFolder } = await import('../../model/folder/model-folder.js');
      const loaded = await loadModelFolder(path.resolve(v['init-from'])).catch((error: unknown) => {
        throw new UsageError(`--init-from ${v['init-from']}: ${(error as Error).message}`);
      });
      initFrom = { weights: loaded.weights, vocabulary: loaded.metadata.encoding.vocabulary, name: loaded.metadata.name };
    }

    let stopRequested = false;
    const onSigint = (): void => {
      if (stopRequested) {
        log.warn('second interrupt: exiting without waiting for the checkpoint');
        process.exit(130);
      }
      stopRequested = true;
      log.warn('interrupt: saving a checkpoint after this batch (Ctrl-C again to quit at once)');
    };
    process.on('SIGINT', onSigint);

    let lastLogged = 0;
    const onProgress = (event: TrainingEvent): void => {
      switch (event.kind) {
        case 'batch': {
          if (progress) {
            progress.batch(event);
          } else if (Date.now() - lastLogged > 30_000) {
            lastLogged = Date.now();
            log.info(
              {
                epoch: `${event.epoch}/${event.epochs}`,
                loss: event.loss.toFixed(3),
                accuracy: event.accuracy.toFixed(3),
                speed: Math.round(event.targetsPerSecond),
                elapsed: formatSeconds(event.elapsedSeconds),
                batch: event.batch,
                batches: event.batches,
                epochEta: formatSeconds(event.epochEtaSeconds),
              },
              'training',
            );
          }
          break;
        }
        case 'validating':
          progress?.stop();
          break;
        case 'epoch': {
          const r = event.record;
          log.info(
            {
              epoch: Number(r.epoch.toFixed(2)),
              trainLoss: Number(r.trainLoss.toFixed(4)),
              trainAccuracy: Number(r.trainAccuracy.toFixed(4)),
              validationLoss: Number(r.validationLoss.toFixed(4)),
              validationAccuracy: Number(r.validationAccuracy.toFixed(4)),
              validationBitsPerNote: Number(r.validationBitsPerNote.toFixed(4)),
              targetsPerSecond: Math.round(r.targetsPerSecond),
              learningRate: r.learningRate,
              improved: event.improved,
              bestEpoch: Number(event.bestEpoch.toFixed(2)),
            },
            'epoch done',
          );
          break;
        }
        case 'checkpoint':
          log.debug({ dir: event.dir, reason: event.reason }, 'checkpoint saved');
          break;
        case 'started':
          // kernel: the build of the training kernel (wasm-simd-fma, wasm-simd, or js: see train-kernels.ts).
          log.info({ backend: event.backend, workers: event.workers, kernel: event.kernel }, event.workers > 1 ? 'training on worker threads' : 'training in the main thread');
          break;
        case 'style-balance':
          log.info(
            { songsPerEpoch: event.songsPerEpoch, repeated: Object.fromEntries(event.styles.filter((style) => style.repeats > 1).map((style) => [style.style, `${style.songs} songs x ${style.repeats}`])) },
            'styles balanced: small styles repeated in every epoch',
          );
          break;
        case 'warm-start':
          log.info({ from: event.from, carried: event.carried, fresh: event.fresh.length, newTokens: event.fresh.slice(0, 12) }, 'starting from a trained network');
          break;
        case 'resumed':
          log.info({ epoch: event.epoch + 1, batch: event.batch }, 'resuming from checkpoint');
          break;
        case 'stopped':
          progress?.stop();
          log.info({ reason: event.reason }, 'training stopped');
          break;
      }
    };

    if (v.force && found.length > 0) {
      // Replaced as a whole: an interrupted first epoch must not leave the earlier run's model beside the new run.
      for (const entry of [...found, 'loss-curves.svg', 'loss-curves.png']) await rm(path.join(outDir, entry), { recursive: true, force: true });
      log.warn({ outDir, replaced: found }, 'replacing the earlier run (--force)');
    }
    try {
      const result = await train({
        preset,
        data,
        dataDir,
        outDir,
        epochs,
        maxMinutes: maxMinutes === undefined ? undefined : Math.max(0, maxMinutes - (Date.now() - started) / 60_000),
        resume: v.resume,
        ...(initFrom ? { initFrom } : {}),
        modelName,
        // --learning-rate with --resume restarts at that rate (the checkpoint's otherwise).
        ...(v.resume && v['learning-rate'] !== undefined ? { restartLearningRate: preset.learningRate } : {}),
        seed,
        backend,
        workers,
        checkpointMinutes,
        shouldStop: () => stopRequested,
        onProgress,
      });
      log.info(
        {
          model: result.modelDir,
          report: result.reportFile,
          stoppedBy: result.stoppedBy,
          bestEpoch: result.bestEpoch,
          bestValidationLoss: result.bestValidationLoss,
          bestBitsPerNote: result.bestBitsPerNote,
          parameters: result.parameters,
          trainingSeconds: Math.round(result.trainingSeconds),
        },
        'training finished',
      );
      process.stdout.write(`model: ${result.modelDir ?? '(none yet: no epoch finished)'}\nreport: ${result.reportFile}\n`);
      if (result.stoppedBy === 'interrupted') return 130;
      if (result.modelDir) await calibrateAfterTraining(result.modelDir, dataDir, log);
      return 0;
    } catch (error) {
      if (!(error instanceof TrainingError)) throw error;
      // e.g. a worker thread died, or the checkpoint does not fit: the message says what to do.
      progress?.stop();
      log.error({ reason: error.message }, 'training failed');
      process.stderr.write(`folkbot train: ${error.message}\n`);
      return 1;
    } finally {
      progress?.stop();
      process.off('SIGINT', onSigint);
    }
  },
};

/**
 * A finished model gets its within-song memory, song shapes and originality index (`folkbot calibrate`); where the
 * folder has too few validation songs for that, the model works without them and the log says so.
 */
async function calibrateAfterTraining(modelDir: string, dataDir: string, log: Logger): Promise<void> {
  const { calibrateModelFolder, CalibrationError, describeCalibration } = await import('./calibrate.js');
  try {
    const calibration = await calibrateModelFolder(modelDir, dataDir);
    log.info({ model: modelDir, bitsPerNote: calibration.fit.networkBitsPerNote, withMemory: calibration.fit.crossFittedBitsPerNote }, 'calibrated');
    process.stdout.write(describeCalibration(calibration).map((line) => `calibrate: ${line}`).join('\n') + '\n');
  } catch (error) {
    if (!(error instanceof CalibrationError)) throw error;
    log.warn({ reason: error.message }, 'not calibrated: the model composes without a within-song memory');
  }
}
