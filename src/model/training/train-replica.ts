// One replica of the network for data-parallel training: it holds its share of the batch's streams (their
// recurrent state from chunk to chunk) and its share of the validation songs, reads the shared weights themselves
// at every step (LstmNetwork.readWeightsFrom), and writes its gradient into its own slot of shared memory. The same
// object serves a worker thread (train-worker.ts) and, with one worker, the main thread directly, so that both run
// the same code.
// The protocol carries only plain values (the network's config, typed arrays), so it holds for any config.
import * as tf from '@tensorflow/tfjs';
import { LstmNetwork, unflattenWeights, weightSizes, type LstmCarry, type LstmConfig, type TokenBatch } from '../network/lstm-network.js';
import type { SongInputRows } from './train-batches.js';
import { evaluateSongs } from './train-evaluate.js';

export interface ReplicaInit {
  readonly config: LstmConfig;
  /** The flat weights (all variables end to end), shared with the trainer, who updates them between requests. */
  readonly weights: Float32Array;
  /** This replica's gradient slot, as long as `weights`. */
  readonly gradient: Float32Array;
  /** This replica's share of the validation songs (and their input rows for a network with input features). */
  readonly validationSongs: readonly Int32Array[];
  readonly validationRows?: SongInputRows;
}

export type ReplicaRequest =
  | {
      readonly kind: 'step';
      /** Zero the carried state first (the first chunk of an epoch). */
      readonly resetCarry: boolean;
      readonly batch: TokenBatch;
      readonly dropoutSeed: number;
      readonly firstRow: number;
      readonly targetCount: number;
    }
  | { readonly kind: 'evaluate' };

export type ReplicaReply =
  | { readonly kind: 'step'; readonly lossSum: number; readonly correct: number }
  | {
      readonly kind: 'evaluate';
      /** Per validation song of this replica: ln p of each token given the ones before (index 0 = 0). */
      readonly logProbs: Float32Array[];
      readonly lossSum: number;
      readonly correct: number;
      readonly targets: number;
    };

export class Replica {
  private readonly network: LstmNetwork;
  private readonly sizes: readonly number[];
  private carry: LstmCarry | null = null;

  constructor(private readonly init: ReplicaInit) {
    this.sizes = weightSizes(init.config);
    this.network = LstmNetwork.fromWeights(unflattenWeights(init.config, this.views()));
    // The network reads the shared weights themselves at every call: nothing to copy when they change.
    this.network.readWeightsFrom(this.views());
  }

  handle(request: ReplicaRequest): ReplicaReply {
    return request.kind === 'step' ? this.step(request) : this.evaluate();
  }

  dispose(): void {
    this.disposeCarry();
    this.network.dispose();
  }

  private step(request: Extract<ReplicaRequest, { kind: 'step' }>): ReplicaReply {
    const { batch } = request;
    if (request.resetCarry || this.carry?.h[0]?.shape[0] !== batch.rows) {
      this.disposeCarry();
      this.carry = this.network.zeroCarry(batch.rows);
    }
    const result = this.network.trainStepInto(
      batch,
      this.carry as LstmCarry,
      { dropoutSeed: request.dropoutSeed, firstRow: request.firstRow, targetCount: request.targetCount },
      this.init.gradient,
    );
    this.disposeCarry();
    this.carry = result.carry;
    const { lossSum, correct } = result;
    return { kind: 'step', lossSum, correct };
  }

  private evaluate(): ReplicaReply {
    const songs = this.init.validationSongs;
    if (songs.length === 0) return { kind: 'evaluate', logProbs: [], lossSum: 0, correct: 0, targets: 0 };
    const result = evaluateSongs(this.network, songs, 64, 64, this.init.validationRows);
    return {
      kind: 'evaluate',
      logProbs: result.logProbs,
      lossSum: result.loss * result.targets,
      correct: result.accuracy * result.targets,
      targets: result.targets,
    };
  }

  /** Per-variable views of the shared flat weights. */
  private views(): Float32Array[] {
    let offset = 0;
    return this.sizes.map((size) => this.init.weights.subarray(offset, (offset += size)));
  }

  private disposeCarry(): void {
    if (this.carry) tf.dispose([...this.carry.h, ...this.carry.c]);
    this.carry = null;
  }
}
