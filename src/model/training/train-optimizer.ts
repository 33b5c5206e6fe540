// Adam with gradient clipping by global norm, written with tfjs ops on the network's variables so that its
// moment estimates can be saved in checkpoints and restored exactly (`--resume`).
import * as tf from '@tensorflow/tfjs';

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
  readonly firstMoments: Float32Array[];
  readonly secondMoments: Float32Array[];
}

export class AdamOptimizer {
  private readonly variables: readonly tf.Variable[];
  private readonly firstMoments: tf.Variable[];
  private readonly secondMoments: tf.Variable[];
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private stepCount = 0;
  learningRate: number;
  readonly clipNorm: number;

  constructor(variables: readonly tf.Variable[], settings: AdamSettings) {
    this.variables = variables;
    this.learningRate = settings.learningRate;
    this.beta1 = settings.beta1 ?? 0.9;
    this.beta2 = settings.beta2 ?? 0.999;
    this.epsilon = settings.epsilon ?? 1e-8;
    this.clipNorm = settings.clipNorm;
    this.firstMoments = variables.map((v) => tf.variable(tf.zerosLike(v), false));
    this.secondMoments = variables.map((v) => tf.variable(tf.zerosLike(v), false));
  }

  get step(): number {
    return this.stepCount;
  }

  /** Applies one update; returns the gradients' global norm before clipping (a tensor, to read with the loss). */
  apply(gradients: readonly tf.Tensor[]): tf.Scalar {
    if (gradients.length !== this.variables.length) {
      throw new RangeError(`expected ${this.variables.length} gradients, got ${gradients.length}`);
    }
    this.stepCount++;
    const t = this.stepCount;
    const correctedRate = (this.learningRate * Math.sqrt(1 - this.beta2 ** t)) / (1 - this.beta1 ** t);
    return tf.tidy(() => {
      const norm = tf.sqrt(tf.addN(gradients.map((g) => tf.sum(tf.square(g))))) as tf.Scalar;
      const clip = tf.scalar(this.clipNorm);
      const scale = tf.div(clip, tf.maximum(norm, clip));
      this.variables.forEach((variable, k) => {
        const g = tf.mul(gradients[k] as tf.Tensor, scale);
        const m = this.firstMoments[k] as tf.Variable;
        const v = this.secondMoments[k] as tf.Variable;
        m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
        v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
        variable.assign(tf.sub(variable, tf.mul(tf.div(m, tf.add(tf.sqrt(v), this.epsilon)), correctedRate)));
      });
      return norm;
    });
  }

  readState(): AdamState {
    const copy = (v: tf.Variable): Float32Array => Float32Array.from(v.dataSync() as Float32Array);
    return { step: this.stepCount, firstMoments: this.firstMoments.map(copy), secondMoments: this.secondMoments.map(copy) };
  }

  restoreState(state: AdamState): void {
    const check = (arrays: readonly Float32Array[]): void => {
      if (arrays.length !== this.variables.length || arrays.some((a, k) => a.length !== this.variables[k]?.size)) {
        throw new RangeError('optimizer state does not match the network variables');
      }
    };
    check(state.firstMoments);
    check(state.secondMoments);
    this.stepCount = state.step;
    const assign = (targets: tf.Variable[], arrays: readonly Float32Array[]): void =>
      targets.forEach((target, k) => tf.tidy(() => target.assign(tf.tensor(arrays[k] as Float32Array, target.shape))));
    assign(this.firstMoments, state.firstMoments);
    assign(this.secondMoments, state.secondMoments);
  }

  dispose(): void {
    for (const v of [...this.firstMoments, ...this.secondMoments]) v.dispose();
  }
}
