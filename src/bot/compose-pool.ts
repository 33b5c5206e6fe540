// A pool of worker threads that run the compose pipeline, so that composing (CPU-bound tfjs-wasm sampling,
// rendering, encoding) never blocks the bot's event loop and its gateway heartbeats. Requests are admitted
// synchronously (admit()): at most `size + queueLimit` at a time, each holding its place until its composing is
// done, so a request is told "busy" (with a wait estimate) before anything is sent for it. Jobs wait in a bounded
// queue; a job past it is refused at once (QueueFullError) instead of queueing without limit. Note: native
// @tensorflow/tfjs-node misbehaves in worker threads; the wasm backend works.
import { type MessagePort, Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { ComposeResult } from '../compose/types.js';
import { ScoreRenderer, type ScoreEngineInfo } from '../render/score.js';
import { opusLock } from '../render/ogg-opus.js';
import type { CompiledWasm } from '../util/wasm-tiering.mjs';
import { resolveComposeOptions } from '../compose/compose-options.js';
import { ComposeFailure, type ComposeRequest, type ComposeService, type ComposeServiceSettings, type ModelInfo, type SerializedError } from './compose-service.js';

/** A connection to the pool's shared score engraver (see ScoreRenderer.connect and useScoreEngraver). */
export interface EngraverConnection {
  readonly port: MessagePort;
  readonly info: ScoreEngineInfo;
}

export interface ComposeWorkerData {
  /** Path or file URL of a module exporting `createComposeService` (see ComposeServiceModule). */
  readonly serviceModule: string;
  readonly modelDir: string;
  /** The pool's shared engraver; without one, a worker that renders scores starts its own. */
  readonly engraver?: EngraverConnection;
  /** WebAssembly kernels compiled optimised in the pool's thread (precompileKernels), shared with the worker. */
  readonly kernels?: Readonly<Record<string, CompiledWasm>>;
  /** Handed to createComposeService (default: MP3 audio). */
  readonly settings?: ComposeServiceSettings;
  /** The process's native-libopus lock (render/ogg-opus.ts), so that the worker may encode Opus natively. */
  readonly opusLock?: SharedArrayBuffer;
}

export type WorkerRequest =
  | { readonly type: 'compose'; readonly id: number; readonly options: ComposeRequest }
  | { readonly type: 'reload'; readonly id: number; readonly dir: string }
  | ({ readonly type: 'engraver' } & EngraverConnection);

export type WorkerReply =
  | { readonly type: 'ready'; readonly info: ModelInfo }
  | { readonly type: 'init-error'; readonly error: SerializedError }
  | { readonly type: 'result'; readonly id: number; readonly result: ComposeResult }
  | { readonly type: 'reloaded'; readonly id: number; readonly info: ModelInfo }
  | { readonly type: 'error'; readonly id: number; readonly error: SerializedError };

export interface ComposePoolOptions extends Omit<ComposeWorkerData, 'engraver' | 'opusLock'> {
  /** Worker threads. */
  readonly size: number;
  /**
   * Start one score engraver (verovio, about 100 MB) in the pool's thread and let every worker use it, instead
   * of each worker starting its own when it first renders a score. The pool restarts it if it dies.
   */
  readonly sharedEngraver?: boolean;
  /** Jobs that may wait for a free worker; more are refused with QueueFullError. */
  readonly queueLimit: number;
  /**
   * Jobs a worker holds at once (default: 2 with the shared engraver, else 1). With 2, a worker whose tune waits
   * for its score starts on the next tune meanwhile, so neither it nor the engraver idles in a burst (see
   * PIPELINE_DEPTH).
   */
  readonly pipelineDepth?: number;
  /** A job running longer is abandoned and its worker replaced. */
  readonly jobTimeoutMs?: number;
  /** How long a worker may take to load its model. */
  readonly startTimeoutMs?: number;
}

export interface ComposeQueueStatus {
  readonly running: number;
  readonly waiting: number;
  readonly full: boolean;
  /** A guess of how long until a new job would start, in whole seconds (at least 1). */
  readonly retryAfterSeconds: number;
}

/** The answer to admit(): a place (to release once composing is done) or a refusal with a wait estimate. */
export type Admission =
  | { readonly admitted: true; release(): void }
  | { readonly admitted: false; readonly retryAfterSeconds: number };

/**
 * What each worker composes once at start-up: it warms the worker up and gives the first wait estimate. The meter
 * is the model's default (a style's usual meter), which any model composes in.
 */
const { meter: _defaultMeter, ...WARM_UP_OPTIONS }: ComposeRequest = resolveComposeOptions({ bars: 16, randomSeed: 0 });
/** Job durations the wait estimate averages over. */
const ESTIMATE_WINDOW = 20;

/**
 * Jobs in a worker at once when the pool has the shared engraver. A worker composes a tune, hands its score to the
 * engraver, makes the audio meanwhile, and then waits for the score: with one job at a time it then idles, and the
 * engraver idles while the worker composes the next tune. With two, the next tune's work fills that wait. Measured
 * (npm run bench:bot -- --real, 50 at once, 2026-12-02): see the README's figures for the bot.
 */
export const PIPELINE_DEPTH = 2;

export class QueueFullError extends Error {
  override readonly name = 'QueueFullError';
  constructor(readonly retryAfterSeconds: number) {
    super(`the compose queue is full; try again in ${retryAfterSeconds} s`);
  }
}

export class PoolClosedError extends Error {
  override readonly name = 'PoolClosedError';
  constructor() {
    super('the compose pool is shutting down');
  }
}

interface Job {
  readonly id: number;
  readonly options: ComposeRequest;
  /** performance.now() when a worker took it. */
  started?: number;
  readonly resolve: (result: ComposeResult) => void;
  readonly reject: (error: Error) => void;
}

interface PoolWorker {
  readonly worker: Worker;
  /** The jobs sent to it and not yet answered, oldest first (at most the pool's depth). */
  readonly jobs: RunningJob[];
  /** Pending reload request of this worker. */
  reload: { id: number; resolve: (info: ModelInfo) => void; reject: (error: Error) => void } | undefined;
}

interface RunningJob extends Job {
  readonly started: number;
  readonly timer: NodeJS.Timeout;
  /** The job as it was queued: what is queued again if its worker is replaced. */
  readonly queued: Job;
}

const BOOTSTRAP = fileURLToPath(new URL('./compose-worker-bootstrap.mjs', import.meta.url));

export class ComposePool implements ComposeService {
  private readonly workers: PoolWorker[] = [];
  private readonly waiting: Job[] = [];
  private nextId = 1;
  private info: ModelInfo;
  private modelDir: string;
  private closing = false;
  private reloading: Promise<unknown> = Promise.resolve();
  /** Recent job durations (ms) for the wait estimate, the warm-up tunes' first. */
  private readonly durations: number[] = [];
  /** Requests admitted and not yet released. */
  private admitted = 0;

  /** Jobs each worker holds at once. */
  private readonly depth: number;

  private constructor(
    private readonly options: ComposePoolOptions,
    info: ModelInfo,
    private engraver: ScoreRenderer | null,
  ) {
    this.depth = options.pipelineDepth ?? (options.sharedEngraver ? PIPELINE_DEPTH : 1);
    this.info = info;
    this.modelDir = options.modelDir;
    engraver?.onBroken(() => void this.restartEngraver());
  }

  /**
   * Starts the shared engraver (if asked), then `size` workers, and waits until each has loaded the model;
   * rejects with the first failure. The engraver is ready before any worker starts: compiling verovio may switch
   * V8's wasm flags process-wide for a moment (see src/util/wasm-tiering.mjs), and the workers' own WebAssembly
   * is best compiled outside that moment.
   */
  static async start(options: ComposePoolOptions): Promise<ComposePool> {
    if (options.size < 1) throw new RangeError('a compose pool needs at least one worker');
    const depth = options.pipelineDepth;
    if (depth !== undefined && (!Number.isInteger(depth) || depth < 1)) throw new RangeError(`a compose pool's pipeline depth is a whole number of at least 1, got ${String(depth)}`);
    const engraver = options.sharedEngraver ? await ScoreRenderer.create() : null;
    const spawned = await Promise.allSettled(Array.from({ length: options.size }, () => spawnWorker(options, options.modelDir, engraver, options.startTimeoutMs)));
    const failed = spawned.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      await Promise.all(spawned.map((s) => (s.status === 'fulfilled' ? s.value.worker.terminate() : undefined)));
      await engraver?.dispose();
      throw failed.reason as Error;
    }
    const started = spawned as PromiseFulfilledResult<{ worker: Worker; info: ModelInfo }>[];
    const pool = new ComposePool(options, started[0]!.value.info, engraver);
    for (const { value } of started) pool.adopt(value.worker);
    // One tune per worker, at once: each worker's first tune pays for lazy initialisation before a user's does, and
    // their times are the wait estimate until real jobs replace them. A failed warm-up is the first job's problem.
    await Promise.allSettled(pool.workers.map(() => pool.compose(WARM_UP_OPTIONS)));
    return pool;
  }

  /** The shared engraver's verovio, or null when the pool has none. */
  engraverInfo(): ScoreEngineInfo | null {
    return this.engraver?.info ?? null;
  }

  modelInfo(): ModelInfo {
    return this.info;
  }

  /**
   * Requests that may be admitted at once: one composing on each worker, `queueLimit` waiting (a worker's second job,
   * with the pipeline, is one of the waiting ones).
   */
  private get capacity(): number {
    return this.options.size + this.options.queueLimit;
  }

  status(): ComposeQueueStatus {
    const running = this.workers.reduce((sum, w) => sum + w.jobs.length, 0);
    const waiting = this.waiting.length;
    return {
      running,
      waiting,
      full: this.closing || this.admitted >= this.capacity || (!this.freeWorker() && waiting >= this.options.queueLimit),
      retryAfterSeconds: this.retryAfterSeconds(),
    };
  }

  /**
   * Decides at once, before the caller sends anything, whether a request gets a place. An admitted request keeps
   * it until `release()` (call it when its composing is done, however it ended; calling it again does nothing).
   */
  admit(): Admission {
    if (this.admitted >= this.capacity) return { admitted: false, retryAfterSeconds: this.retryAfterSeconds() };
    this.admitted += 1;
    let held = true;
    return {
      admitted: true,
      release: () => {
        if (held) this.admitted -= 1;
        held = false;
      },
    };
  }

  /**
   * How long until a place frees, in whole seconds (at least 1): the running job nearest its end, going by the
   * mean of recent job times (the warm-up tunes' until real jobs replace them).
   */
  private retryAfterSeconds(): number {
    const average = this.durations.length > 0 ? this.durations.reduce((a, b) => a + b, 0) / this.durations.length : 2_000;
    const now = performance.now();
    // A worker's oldest job ends first.
    const left = this.workers.flatMap((w) => (w.jobs[0] ? [Math.max(0, average - (now - w.jobs[0].started))] : []));
    // No job running (admitted requests between replay steps or sending replies): about one job's time.
    const soonest = left.length > 0 ? Math.min(...left) : average;
    return Math.max(1, Math.ceil(soonest / 1000));
  }

  compose(options: ComposeRequest): Promise<ComposeResult> {
    if (this.closing) return Promise.reject(new PoolClosedError());
    const free = this.freeWorker();
    if (!free && this.waiting.length >= this.options.queueLimit) {
      return Promise.reject(new QueueFullError(this.status().retryAfterSeconds));
    }
    return new Promise<ComposeResult>((resolve, reject) => {
      const job: Job = { id: this.nextId++, options, resolve, reject };
      if (free) this.run(free, job);
      else this.waiting.push(job);
    });
  }

  /** The worker with the fewest jobs, if it holds fewer than the pool's depth. */
  private freeWorker(): PoolWorker | undefined {
    let best: PoolWorker | undefined;
    for (const w of this.workers) if (w.jobs.length < this.depth && (!best || w.jobs.length < best.jobs.length)) best = w;
    return best;
  }

  /**
   * Loads the model in `dir` in one worker first: if that fails, the error (the reason) is thrown and every
   * worker keeps the old model. Otherwise the other workers switch too. Reloads run one at a time; compose jobs
   * keep running meanwhile on the model each worker has.
   */
  reload(dir: string): Promise<ModelInfo> {
    const next = this.reloading.then(async () => {
      const [first, ...rest] = this.workers;
      if (!first) throw new PoolClosedError();
      const info = await this.reloadWorker(first, dir);
      const others = await Promise.allSettled(rest.map((w) => this.reloadWorker(w, dir)));
      this.modelDir = dir;
      this.info = info;
      // A worker that loaded the model once but failed now is replaced by a fresh one on the new model.
      others.forEach((outcome, index) => {
        const worker = rest[index];
        if (outcome.status === 'rejected' && worker) void this.replace(worker);
      });
      return info;
    });
    this.reloading = next.catch(() => undefined);
    return next;
  }

  /** Stops taking jobs, lets queued and running jobs finish (up to `graceMs`), then stops the workers. */
  async close(graceMs = 30_000): Promise<void> {
    this.closing = true;
    const deadline = Date.now() + graceMs;
    while ((this.waiting.length > 0 || this.workers.some((w) => w.jobs.length > 0)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
    }
    for (const job of this.waiting.splice(0)) job.reject(new PoolClosedError());
    const workers = this.workers.splice(0);
    for (const w of workers) {
      for (const job of w.jobs.splice(0)) {
        clearTimeout(job.timer);
        job.reject(new PoolClosedError());
      }
    }
    await Promise.all(workers.map((w) => w.worker.terminate()));
    await this.engraver?.dispose();
  }

  /**
   * The shared engraver died: start another and hand every worker a connection to it. Renders that were in
   * flight failed (their requests get an error reply); until the new one is up, renders fail the same way.
   */
  private async restartEngraver(): Promise<void> {
    for (let attempt = 1; !this.closing; attempt++) {
      try {
        const engraver = await ScoreRenderer.create();
        if (this.closing) {
          await engraver.dispose();
          return;
        }
        this.engraver = engraver;
        engraver.onBroken(() => void this.restartEngraver());
        for (const w of this.workers) this.connectEngraver(w.worker);
        return;
      } catch {
        // Try again, less and less often (up to every 30 s): a render meanwhile fails with a clear error.
        await new Promise((r) => setTimeout(r, Math.min(30_000, 1000 * 2 ** attempt)).unref());
      }
    }
  }

  private connectEngraver(worker: Worker): void {
    if (!this.engraver || this.engraver.broken) return;
    const port = this.engraver.connect();
    worker.postMessage({ type: 'engraver', port, info: this.engraver.info } satisfies WorkerRequest, [port]);
  }

  private reloadWorker(w: PoolWorker, dir: string): Promise<ModelInfo> {
    return new Promise<ModelInfo>((resolve, reject) => {
      const id = this.nextId++;
      w.reload = { id, resolve, reject };
      w.worker.postMessage({ type: 'reload', id, dir } satisfies WorkerRequest);
    });
  }

  private adopt(worker: Worker): PoolWorker {
    const w: PoolWorker = { worker, jobs: [], reload: undefined };
    this.workers.push(w);
    worker.on('message', (reply: WorkerReply) => this.onReply(w, reply));
    worker.on('error', (error) => this.onCrash(w, error));
    worker.on('exit', (code) => this.onCrash(w, new Error(`compose worker exited with code ${code}`)));
    // A worker never keeps the process alive on its own: shutdown is explicit (close()).
    worker.unref();
    return w;
  }

  private run(w: PoolWorker, job: Job): void {
    const started = performance.now();
    const timeoutMs = this.options.jobTimeoutMs ?? 120_000;
    const timer = setTimeout(() => {
      const index = w.jobs.findIndex((running) => running.id === job.id);
      if (index < 0) return;
      w.jobs.splice(index, 1);
      job.reject(new Error(`composing took longer than ${Math.round(timeoutMs / 1000)} s and was stopped`));
      void this.replace(w);
    }, timeoutMs);
    const resolve = (result: ComposeResult): void => {
      this.durations.push(performance.now() - started);
      if (this.durations.length > ESTIMATE_WINDOW) this.durations.shift();
      job.resolve(result);
    };
    w.jobs.push({ ...job, resolve, started, timer, queued: job });
    w.worker.postMessage({ type: 'compose', id: job.id, options: job.options } satisfies WorkerRequest);
  }

  /** A job taken back from a worker, to be sent again: its timer stopped, as it was queued. */
  private unstarted(job: RunningJob): Job {
    clearTimeout(job.timer);
    return job.queued;
  }

  /** Takes the job with this id off the worker (it answered), and gives the worker the next waiting jobs. */
  private finish(w: PoolWorker, id: number): RunningJob | undefined {
    const index = w.jobs.findIndex((job) => job.id === id);
    if (index < 0) return undefined;
    const [job] = w.jobs.splice(index, 1);
    clearTimeout(job!.timer);
    this.dispatch();
    return job;
  }

  /** Hands waiting jobs to workers with room, the emptiest first. */
  private dispatch(): void {
    for (let free = this.freeWorker(); free && this.waiting.length > 0; free = this.freeWorker()) this.run(free, this.waiting.shift()!);
  }

  private onReply(w: PoolWorker, reply: WorkerReply): void {
    switch (reply.type) {
      case 'result':
        this.finish(w, reply.id)?.resolve(reply.result);
        break;
      case 'error': {
        const job = this.finish(w, reply.id);
        if (job) job.reject(new ComposeFailure(reply.error));
        else if (w.reload?.id === reply.id) {
          w.reload.reject(new ComposeFailure(reply.error));
          w.reload = undefined;
        }
        break;
      }
      case 'reloaded':
        if (w.reload?.id === reply.id) {
          w.reload.resolve(reply.info);
          w.reload = undefined;
        }
        break;
      default:
        break;
    }
  }

  private onCrash(w: PoolWorker, error: Error): void {
    const index = this.workers.indexOf(w);
    if (index < 0) return; // already replaced or closed
    // Which of its jobs broke the worker is not known: each gets the error (and its reply), none is lost.
    for (const job of w.jobs.splice(0)) {
      clearTimeout(job.timer);
      job.reject(new Error(`the compose worker failed: ${error.message}`));
    }
    w.reload?.reject(new Error(`the compose worker failed: ${error.message}`));
    w.reload = undefined;
    void this.replace(w);
  }

  /** Swaps a broken or hung worker for a fresh one on the current model. */
  private async replace(w: PoolWorker): Promise<void> {
    const index = this.workers.indexOf(w);
    if (index < 0) return;
    this.workers.splice(index, 1);
    // The jobs it still holds start again, first, on the other workers or on its successor: none is lost.
    this.waiting.unshift(...w.jobs.splice(0).map((job) => this.unstarted(job)));
    void w.worker.terminate();
    this.dispatch();
    // Closing: close() ends what is left waiting.
    if (this.closing) return;
    try {
      const { worker } = await spawnWorker(this.options, this.modelDir, this.engraver, this.options.startTimeoutMs);
      if (this.closing) {
        await worker.terminate();
        return;
      }
      this.adopt(worker);
      this.dispatch();
    } catch {
      // Leave the pool one worker smaller; jobs still run on the others.
      if (this.workers.length === 0) for (const job of this.waiting.splice(0)) job.reject(new Error('no compose worker could be started'));
    }
  }
}

function spawnWorker(options: ComposePoolOptions, modelDir: string, engraver: ScoreRenderer | null, timeoutMs = 60_000): Promise<{ worker: Worker; info: ModelInfo }> {
  const port = engraver && !engraver.broken ? engraver.connect() : undefined;
  // Only a pool that makes Ogg Opus loads the native libopus (opusLock loads it in this thread).
  const lock = options.settings?.audio === 'opus' ? opusLock() : null;
  const worker = new Worker(BOOTSTRAP, {
    workerData: {
      serviceModule: options.serviceModule,
      modelDir,
      ...(port && engraver ? { engraver: { port, info: engraver.info } } : {}),
      ...(options.kernels ? { kernels: options.kernels } : {}),
      ...(options.settings ? { settings: options.settings } : {}),
      ...(lock ? { opusLock: lock } : {}),
    } satisfies ComposeWorkerData,
    transferList: port ? [port] : [],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      void worker.terminate();
      reject(new Error(`a compose worker did not load the model within ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    const onMessage = (reply: WorkerReply): void => {
      if (reply.type === 'ready') {
        cleanup();
        resolve({ worker, info: reply.info });
      } else if (reply.type === 'init-error') {
        cleanup();
        void worker.terminate();
        reject(new ComposeFailure(reply.error));
      }
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onExit = (code: number): void => {
      cleanup();
      reject(new Error(`a compose worker exited with code ${code} while starting`));
    };
    function cleanup(): void {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    }
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}
