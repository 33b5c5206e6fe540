// The flat weights, the replicas' gradient slots and the Adam moments of data-parallel training, in one shared
// WebAssembly memory with the optimiser's kernel (lstm-optimizer-kernel.wat) over it. The replicas (worker threads)
// read the weights and write their slots through views of it (its buffer is a SharedArrayBuffer), and the main
// thread's step between two training steps (the slots summed, the global norm, Adam) runs in place: copying the
// weights and gradients into a kernel's memory and out took 12 MB of copies and most of the 2.3 ms of that serial step.
import { LSTM_OPTIMIZER_KERNEL_WASM_BASE64 } from './lstm-optimizer-kernel-wasm.js';

/** One Adam step's numbers (train-optimizer.ts): the bias-corrected rate and the moments' decays. */
export interface AdamStep {
  readonly rate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** Gradients are scaled down together when their global L2 norm exceeds this. */
  readonly clipNorm: number;
}

const PAGE_BYTES = 65536;

// The few WebAssembly JS API types used here (the project's TypeScript libs do not include them).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
declare const WebAssembly: {
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
};

interface OptimizerExports {
  addInto(a: number, b: number, size: number): void;
  sumSquares(g: number, size: number): number;
  adam(w: number, g: number, m: number, v: number, size: number, scale: number, rate: number, beta1: number, beta2: number, epsilon: number): void;
}

let compiled: object | null | undefined;
function optimizerModule(): object | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(Buffer.from(LSTM_OPTIMIZER_KERNEL_WASM_BASE64, 'base64'));
    } catch {
      compiled = null; // no wasm SIMD or no shared memory: the optimiser runs its JavaScript passes
    }
  }
  return compiled;
}

/** The memory each of its arrays lives in, for AdamOptimizer.apply to find. */
const byBuffer = new WeakMap<ArrayBufferLike, SharedTrainingMemory>();

export class SharedTrainingMemory {
  /** The flat weights (exactly `size` floats; zeros after them up to a whole f32x4). */
  readonly weights: Float32Array;
  /** One gradient slot per replica, each `size` floats. */
  readonly slots: readonly Float32Array[];
  readonly firstMoments: Float32Array;
  readonly secondMoments: Float32Array;
  private readonly padded: number;

  private constructor(
    private readonly kernel: OptimizerExports,
    buffer: ArrayBuffer,
    size: number,
    slots: number,
  ) {
    this.padded = Math.ceil(size / 4) * 4;
    const region = (k: number): Float32Array => new Float32Array(buffer, k * this.padded * 4, size);
    this.weights = region(0);
    this.slots = Array.from({ length: slots }, (_, k) => region(1 + k));
    this.firstMoments = region(1 + slots);
    this.secondMoments = region(2 + slots);
    byBuffer.set(buffer, this);
  }

  /** Room for `size` weights and `slots` gradient slots; null where the kernel or shared memory is missing. */
  static create(size: number, slots: number): SharedTrainingMemory | null {
    const module = optimizerModule();
    if (!module) return null;
    const bytes = (3 + slots) * Math.ceil(size / 4) * 16;
    const pages = Math.max(1, Math.ceil(bytes / PAGE_BYTES));
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    return new SharedTrainingMemory(instance.exports as OptimizerExports, memory.buffer, size, slots);
  }

  /** The SharedTrainingMemory that `array` is one of the arrays of, if it is. */
  static of(array: Float32Array): SharedTrainingMemory | null {
    return byBuffer.get(array.buffer) ?? null;
  }

  /**
   * One Adam step on the weights from the sum of the first `parts` slots (summed into slot 0, in slot order),
   * clipped by `clipNorm`; returns the gradient's global norm before clipping.
   */
  step(parts: number, settings: AdamStep): number {
    if (parts < 1 || parts > this.slots.length) throw new RangeError(`${parts} gradient parts asked for, ${this.slots.length} slots`);
    const at = (array: Float32Array): number => array.byteOffset;
    const first = this.slots[0] as Float32Array;
    for (let k = 1; k < parts; k++) this.kernel.addInto(at(first), at(this.slots[k] as Float32Array), this.padded);
    const norm = Math.sqrt(this.kernel.sumSquares(at(first), this.padded));
    const scale = settings.clipNorm / Math.max(norm, settings.clipNorm);
    this.kernel.adam(at(this.weights), at(first), at(this.firstMoments), at(this.secondMoments), this.padded, scale, settings.rate, settings.beta1, settings.beta2, settings.epsilon);
    return norm;
  }
}
