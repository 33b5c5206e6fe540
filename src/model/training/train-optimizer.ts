// Adam with gradient clipping by global norm over ONE flat parameter vector (all of the network's variables end to
// end, in `LstmNetwork.variables` order). On plain arrays rather than tfjs ops: the data-parallel trainer sums the
// replicas' gradients in shared memory and updates shared weights that every replica then reads. When the weights
// and gradients live in a SharedTrainingMemory (the trainer's replicas), the step runs in place in its kernel, the
// moments moved there too: the main thread's step is the serial part of data-parallel training, and in JavaScript
// it took 4-6 ms of a 2-worker step of ~55 ms. Other arrays get the same passes in JavaScript. The moment
// estimates are saved in checkpoints per variable and restored exactly (`--resume`).
import { SharedTrainingMemory } from '../network/shared-training-memory.js';

export interface AdamSettings {
  readonly learningRate: number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
  /** Gradients are scaled down together when their global L2 norm exceeds this. */
  readonly clipNorm: number;
}

export interface AdamState {
  readonly step: number;
  /** Per variable, in the order of the sizes the optimiser was made with. */
  readonly firstMoments: Float32Array[];
  readonly secondMoments: Float32Array[];
}

export class AdamOptimizer {
  private readonly sizes: readonly number[];
  /** The moments: own arrays, or those of the SharedTrainingMemory the steps run in (moved there at its first step). */
  private firstMoments: Float32Array;
  private secondMoments: Float32Array;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private stepCount = 0;
  learningRate: number;
  readonly clipNorm: number;

  /** `sizes`: the element count of each variable of the flat vector. */
  constructor(sizes: readonly number[], settings: AdamSettings) {
    this.sizes = [...sizes];
    const total = sizes.reduce((a, b) => a + b, 0);
    this.learningRate = settings.learningRate;
    this.beta1 = settings.beta1 ?? 0.9;
    this.beta2 = settings.beta2 ?? 0.999;
    this.epsilon = settings.epsilon ?? 1e-8;
    this.clipNorm = settings.clipNorm;
    this.firstMoments = new Float32Array(total);
    this.secondMoments = new Float32Array(total);
  }

  get step(): number {
    return this.stepCount;
  }

  /**
   * Updates `weights` in place from the gradient (the sum of `gradient`'s parts when it is a list: the replicas'
   * slots); returns the gradient's global norm before clipping.
   */
  apply(weights: Float32Array, gradient: Float32Array | readonly Float32Array[]): number {
    const total = this.sizes.reduce((a, b) => a + b, 0);
    const parts = gradient instanceof Float32Array ? [gradient] : gradient;
    if (weights.length !== total || parts.length === 0 || parts.some((part) => part.length !== total)) {
      throw new RangeError(`expected ${total} weights and gradients, got ${weights.length} and ${parts.map((part) => part.length).join(', ')}`);
    }
    this.stepCount++;
    const t = this.stepCount;
    const rate = (this.learningRate * Math.sqrt(1 - this.beta2 ** t)) / (1 - this.beta1 ** t);
    const { beta1, beta2, epsilon } = this;
    const shared = SharedTrainingMemory.of(weights);
    if (shared && shared.weights === weights && parts.every((part, k) => part === shared.slots[k])) {
      if (this.firstMoments !== shared.firstMoments) {
        shared.firstMoments.set(this.firstMoments);
        shared.secondMoments.set(this.secondMoments);
        this.firstMoments = shared.firstMoments;
        this.secondMoments = shared.secondMoments;
      }
      // The parts are summed into the first slot, in place (the replicas overwrite their slots at every step).
      return shared.step(parts.length, { rate, beta1, beta2, epsilon, clipNorm: this.clipNorm });
    }
    const summed = Float32Array.from(parts[0] as Float32Array);
    for (const part of parts.slice(1)) for (let k = 0; k < total; k++) summed[k] = (summed[k] as number) + (part[k] as number);
    let squares = 0;
    for (let k = 0; k < total; k++) squares += (summed[k] as number) ** 2;
    const norm = Math.sqrt(squares);
    const scale = this.clipNorm / Math.max(norm, this.clipNorm);
    const { firstMoments: m, secondMoments: v } = this;
    for (let k = 0; k < total; k++) {
      const g = (summed[k] as number) * scale;
      const mk = beta1 * (m[k] as number) + (1 - beta1) * g;
      const vk = beta2 * (v[k] as number) + (1 - beta2) * g * g;
      m[k] = mk;
      v[k] = vk;
      weights[k] = (weights[k] as number) - (rate * mk) / (Math.sqrt(vk) + epsilon);
    }
    return norm;
  }

  readState(): AdamState {
    return { step: this.stepCount, firstMoments: this.split(this.firstMoments), secondMoments: this.split(this.secondMoments) };
  }

  restoreState(state: AdamState): void {
    const check = (arrays: readonly Float32Array[]): void => {
      if (arrays.length !== this.sizes.length || arrays.some((a, k) => a.length !== this.sizes[k])) {
        throw new RangeError('optimizer state does not match the network variables');
      }
    };
    check(state.firstMoments);
    check(state.secondMoments);
    this.stepCount = state.step;
    let offset = 0;
    state.firstMoments.forEach((first, k) => {
      this.firstMoments.set(first, offset);
      this.secondMoments.set(state.secondMoments[k] as Float32Array, offset);
      offset += first.length;
    });
  }

  private split(flat: Float32Array): Float32Array[] {
    let offset = 0;
    return this.sizes.map((size) => flat.slice(offset, (offset += size)));
  }
}
