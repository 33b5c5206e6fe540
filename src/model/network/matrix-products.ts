// The matrix products of one call of the network (trainStep, evaluate, predict), over arrays of its scratch: in the
// training kernel (train-kernels.ts) wherever it runs, except under tfjs-node, whose native products use every
// core; there, and without WebAssembly SIMD, tfjs matMuls, the arrays copied in and out.
import * as tf from '@tensorflow/tfjs';
import { readInto } from './backend.js';
import type { Scratch } from './train-kernels.js';

export interface MatrixProducts {
  /** Whether the products run in the training kernel. */
  readonly inKernel: boolean;
  /**
   * out = a x b, row-major: a [M, K], b [K, N], out [M, N]. The tfjs products upload each b once per call (most are
   * weight matrices, used at every time step), so b must not change after its first product in the call.
   */
  multiply(a: Float32Array, b: Float32Array, M: number, K: number, N: number, out: Float32Array): void;
  /**
   * For tfjs products only: an empty array that stands for `tensor` as a product's b, so that a weight variable is
   * used where it lies instead of being read out and uploaded again (a copy per call, per token when generating).
   */
  standIn(tensor: tf.Tensor2D): Float32Array;
  /** Frees what the call uploaded. */
  dispose(): void;
}

export function matrixProducts(scratch: Scratch): MatrixProducts {
  if (scratch.simd && tf.getBackend() !== 'tensorflow') {
    return {
      inKernel: true,
      multiply: (a, b, M, K, N, out) => scratch.matmul(a, b, out, M, K, N),
      standIn: () => {
        throw new RangeError('the kernel multiplies arrays of its scratch: read the weights in');
      },
      dispose: () => undefined,
    };
  }
  const uploaded = new Map<Float32Array, tf.Tensor2D>();
  const standIns = new Map<Float32Array, tf.Tensor2D>();
  return {
    inKernel: false,
    multiply: (a, b, M, K, N, out) => {
      let right = standIns.get(b) ?? uploaded.get(b);
      if (!right) {
        right = tf.tensor2d(b.subarray(0, K * N), [K, N]);
        uploaded.set(b, right);
      }
      const left = tf.tensor2d(a.subarray(0, M * K), [M, K]);
      const product = tf.matMul(left, right);
      readInto(product, out.subarray(0, M * N));
      tf.dispose([left, product]);
    },
    standIn: (tensor) => {
      const marker = new Float32Array(0);
      standIns.set(marker, tensor);
      return marker;
    },
    dispose: () => {
      tf.dispose([...uploaded.values()]);
      uploaded.clear();
      standIns.clear();
    },
  };
}
