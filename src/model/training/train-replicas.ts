// Data-parallel training: N replicas of the network, the first in the calling thread and each other one in a worker
// thread (each with its own single-threaded wasm instance, as tfjs-wasm has no threads under Node). Every batch's streams are split by rows between the
// replicas; each computes the gradient of its rows' loss, averaged over the WHOLE batch's targets, into its slot
// of a SharedArrayBuffer; the slots are added here in a fixed order, and one Adam step (by the caller) updates the
// shared weights that every replica reads before its next step. So every replica holds the same weights, and a run
// with N workers follows the same training as one: same batches, same dropout masks (drawn per stream, see
// lstm-network.ts), same schedule; only the order of floating-point sums differs. With one worker the replica runs
// in the calling thread, without a worker.
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { weightSizes, type LstmConfig, type TokenBatch } from '../network/lstm-network.js';
import { SharedTrainingMemory } from '../network/shared-training-memory.js';
import { batchRows, evenShares, type SongInputRows } from './train-batches.js';
import { Replica, type ReplicaInit, type ReplicaReply, type ReplicaRequest } from './train-replica.js';
import type { TrainWorkerData, TrainWorkerMessage } from './train-worker.js';

const BOOTSTRAP = fileURLToPath(new URL('./train-worker-bootstrap.mjs', import.meta.url));

/** A replica stopped (its thread died, or a request failed in it): the run cannot go on. */
export class ReplicaError extends Error {
  override readonly name = 'ReplicaError';
}

export interface ReplicaSetOptions {
  readonly config: LstmConfig;
  /** Initial weights, flat (all variables end to end in `LstmNetwork.variables` order). */
  readonly weights: Float32Array;
  readonly workers: number;
  /** The tfjs backend each worker thread initialises (the caller's). */
  readonly backend: string;
  readonly validationSongs: readonly Int32Array[];
  readonly validationRows?: SongInputRows;
  /** Tests only: worker 2 (or 1 when alone in a thread) exits as if it had crashed when given this step. */
  readonly exitAtStep?: number;
}

export interface ReplicaStepResult {
  readonly lossSum: number;
  readonly correct: number;
  /** The batch's gradient: the replicas' parts, flat, to be summed in this order; valid until the next step. */
  readonly gradient: readonly Float32Array[];
}

export interface ReplicaEvaluation {
  /** Per validation song: ln p(tokens[i] | tokens[<i]), index 0 = 0. */
  readonly logProbs: Float32Array[];
  readonly loss: number;
  readonly accuracy: number;
}

interface ReplicaHandle {
  request(request: ReplicaRequest): Promise<ReplicaReply>;
  close(): Promise<void>;
}

export class ReplicaSet {
  /** The shared weights: the caller's optimiser updates them in place between steps; the replicas read them at each. */
  readonly weights: Float32Array;
  private readonly slots: Float32Array[];
  private readonly handles: ReplicaHandle[];
  private readonly validationShares: { first: number; count: number }[];
  private rows = -1;

  private constructor(weights: Float32Array, slots: Float32Array[], handles: ReplicaHandle[], validationShares: { first: number; count: number }[]) {
    this.weights = weights;
    this.slots = slots;
    this.handles = handles;
    this.validationShares = validationShares;
  }

  /** Starts the replicas (worker threads when more than one); rejects with ReplicaError when one cannot start. */
  static async start(options: ReplicaSetOptions): Promise<ReplicaSet> {
    const size = weightSizes(options.config).reduce((a, b) => a + b, 0);
    if (options.weights.length !== size) throw new RangeError(`expected ${size} weights, got ${options.weights.length}`);
    if (!Number.isInteger(options.workers) || options.workers < 1) throw new RangeError(`workers must be a positive integer, got ${options.workers}`);
    const count = options.workers;
    const shared = count > 1;
    // The weights and slots in the optimiser kernel's shared memory where it runs (Adam then copies nothing),
    // else in a SharedArrayBuffer (or, for one replica in this thread, plain arrays).
    const memory = SharedTrainingMemory.create(size, count);
    const weights = memory?.weights ?? (shared ? new Float32Array(new SharedArrayBuffer(size * 4)) : new Float32Array(size));
    weights.set(options.weights);
    const slots = memory ? [...memory.slots] : bufferSlots(shared ? new SharedArrayBuffer(count * size * 4) : new ArrayBuffer(size * 4), count, size);
    // Validation songs in contiguous shares; a replica without songs evaluates nothing.
    const songs = options.validationSongs;
    const validationShares = evenShares(songs.length, count);
    const initFor = (k: number): ReplicaInit => {
      const share = validationShares[k] ?? { first: 0, count: 0 };
      const end = share.first + share.count;
      const rows = options.validationRows;
      return {
        config: options.config,
        weights,
        gradient: slots[k] as Float32Array,
        validationSongs: songs.slice(share.first, end),
        ...(rows ? { validationRows: { width: rows.width, songs: rows.songs.slice(share.first, end) } } : {}),
      };
    };
    // Replica 0 runs in this thread, the others each in a worker thread: this thread would otherwise sleep through
    // every step, and its replica needs no messages (for the measurement, see README "Training on every core").
    const local = inProcessHandle(new Replica(initFor(0)));
    if (!shared) return new ReplicaSet(weights, slots, [local], validationShares);
    const started = await Promise.allSettled(
      slots.slice(1).map((_, i) => startWorker(i + 1, count, { backend: options.backend, init: initFor(i + 1), ...(i === 0 && options.exitAtStep ? { exitAtStep: options.exitAtStep } : {}) })),
    );
    const handles = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failure = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failure) {
      await Promise.all([local, ...handles].map((h) => h.close()));
      throw failure.reason;
    }
    return new ReplicaSet(weights, slots, [local, ...handles], validationShares);
  }

  get workers(): number {
    return this.handles.length;
  }

  /** The next `step` starts from a zero state in every stream (the first chunk of an epoch or of a resumed run). */
  resetCarry(): void {
    this.rows = -1;
  }

  /** Loss and summed gradient of one batch, its rows split between the replicas. */
  async step(batch: TokenBatch, dropoutSeed: number): Promise<ReplicaStepResult> {
    let targetCount = 0;
    for (const w of batch.weights) targetCount += w;
    const resetCarry = this.rows !== batch.rows;
    this.rows = batch.rows;
    const shares = evenShares(batch.rows, this.handles.length);
    // The worker threads' requests go first: replica 0's, in this thread, runs as it is made.
    const pending = shares
      .map((share, k) => ({ share, k }))
      .reverse()
      .map(({ share, k }) =>
        (this.handles[k] as ReplicaHandle).request({
          kind: 'step',
          resetCarry,
          batch: shares.length === 1 ? batch : batchRows(batch, share.first, share.count),
          dropoutSeed,
          firstRow: share.first,
          targetCount,
        }),
      )
      .reverse();
    const replies = await Promise.all(pending);
    let lossSum = 0;
    let correct = 0;
    for (const reply of replies) {
      if (reply.kind !== 'step') throw new ReplicaError('a training worker answered a step with something else');
      lossSum += reply.lossSum;
      correct += reply.correct;
    }
    // The slots are summed in replica order by the optimiser (AdamOptimizer.apply), the same every step. A
    // replica without rows (a batch smaller than the number of workers) wrote nothing this step and is left out.
    return { lossSum, correct, gradient: this.slots.slice(0, shares.length) };
  }

  /** Every validation song from a zero state, the songs split between the replicas. */
  async evaluate(): Promise<ReplicaEvaluation> {
    const used = this.validationShares.filter((share) => share.count > 0).length;
    const replies = await Promise.all(
      this.handles
        .slice(0, used)
        .reverse()
        .map((h) => h.request({ kind: 'evaluate' }))
        .reverse(),
    );
    const logProbs: Float32Array[] = [];
    let lossSum = 0;
    let correct = 0;
    let targets = 0;
    for (const reply of replies) {
      if (reply.kind !== 'evaluate') throw new ReplicaError('a training worker answered an evaluation with something else');
      logProbs.push(...reply.logProbs);
      lossSum += reply.lossSum;
      correct += reply.correct;
      targets += reply.targets;
    }
    return { logProbs, loss: targets > 0 ? lossSum / targets : NaN, accuracy: targets > 0 ? correct / targets : NaN };
  }

  async close(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.close()));
  }
}

/** `count` gradient slots of `size` floats, end to end in `buffer`. */
function bufferSlots(buffer: ArrayBufferLike, count: number, size: number): Float32Array[] {
  return Array.from({ length: count }, (_, k) => new Float32Array(buffer, k * size * 4, size));
}

function inProcessHandle(replica: Replica): ReplicaHandle {
  return {
    request: (request) => {
      try {
        return Promise.resolve(replica.handle(request));
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    },
    close: () => {
      replica.dispose();
      return Promise.resolve();
    },
  };
}

/** One worker thread; requests are answered in order. Its death fails the pending request and every later one. */
function startWorker(index: number, count: number, data: TrainWorkerData): Promise<ReplicaHandle> {
  const name = `training worker ${index + 1} of ${count}`;
  const worker = new Worker(BOOTSTRAP, { workerData: data, name: `folkbot ${name}` });
  const pending: { resolve: (reply: ReplicaReply) => void; reject: (error: Error) => void }[] = [];
  let dead: ReplicaError | null = null;
  let closing = false;
  let onReady: ((error: ReplicaError | null) => void) | null = null;
  const fail = (error: ReplicaError): void => {
    dead ??= error;
    onReady?.(dead);
    for (const p of pending.splice(0)) p.reject(dead);
  };
  worker.on('message', (message: TrainWorkerMessage) => {
    if (message.kind === 'ready') onReady?.(null);
    else if (message.kind === 'failed') fail(new ReplicaError(`${name} failed: ${message.message}`));
    else pending.shift()?.resolve(message.reply);
  });
  worker.on('error', (error) => fail(new ReplicaError(`${name} stopped with an error: ${error.message}`)));
  worker.on('exit', (code) => {
    if (!closing) fail(new ReplicaError(`${name} stopped unexpectedly (exit code ${code})`));
  });
  const handle: ReplicaHandle = {
    request: (request) =>
      dead
        ? Promise.reject(dead)
        : new Promise((resolve, reject) => {
            pending.push({ resolve, reject });
            worker.postMessage(request);
          }),
    close: async () => {
      closing = true;
      await worker.terminate();
    },
  };
  return new Promise((resolve, reject) => {
    onReady = (error) => {
      onReady = null;
      if (error) {
        closing = true;
        void worker.terminate();
        reject(error);
      } else resolve(handle);
    };
  });
}
