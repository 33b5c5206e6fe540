// Inference one token at a time without tfjs: a step is a few matrix-vector products (one [4H, H] per layer
// input and recurrence, plus the output layer), where a tfjs step costs ~15 op dispatches. Same weights and gate
// order [i | f | o | g] as LstmNetwork.
//
// The products run in a tiny WebAssembly SIMD kernel (lstm-kernel.wat) on transposed copies of the weights
// held in its memory: every output is one contiguous dot product. The kernel also sums the first layer's active
// input rows, and the logits are computed only for the tokens the grammar allows. Tunes must not change by a bit for any of this: each output is computed
// by the same operations in the same order as before (bench/tune-identity.ts compares with the code before).
// When the kernel cannot be used (no wasm SIMD, or H not a multiple of 8) the same steps run as JS loops.
import type { InputFeatureTracker, SongStart } from '../encodings/encoding.js';
import { inputRows, type InputRows } from '../encodings/input-features.js';
import { LSTM_KERNEL_WASM_BASE64 } from './lstm-kernel-wasm.js';
import type { LstmWeights } from './lstm-weights.js';
import { kernelModule } from '../../util/wasm-tiering.mjs';

function transpose(matrix: Float32Array, rows: number, columns: number): Float32Array {
  const out = new Float32Array(rows * columns);
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) out[c * rows + r] = matrix[r * columns + c] as number;
  return out;
}

/** sum_k m[offset + k] * x[k], four accumulators: one output of the JS fallback's products. */
function dotJs(m: Float32Array, offset: number, x: Float32Array, cols: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < cols; k += 4) {
    s0 += (x[k] as number) * (m[offset + k] as number);
    s1 += (x[k + 1] as number) * (m[offset + k + 1] as number);
    s2 += (x[k + 2] as number) * (m[offset + k + 2] as number);
    s3 += (x[k + 3] as number) * (m[offset + k + 3] as number);
  }
  for (; k < cols; k++) s0 += (x[k] as number) * (m[offset + k] as number);
  return s0 + s1 + s2 + s3;
}

/**
 * The products and sums of one step, on an arena's arrays. Each output is computed the same way whichever function
 * computes it (all rows, or the listed ones): a tune must not depend on which rows were asked for.
 */
interface Kernels {
  /** out[r] = sum_k m[r * cols + k] * x[k] for r < rows. */
  matvec(m: Float32Array, x: Float32Array, out: Float32Array, rows: number, cols: number): void;
  /** The same for the rows list[0..count) only; out's other entries are left alone. */
  matvecRows(m: Float32Array, x: Float32Array, out: Float32Array, list: Int32Array, count: number, cols: number): void;
  /** out[j] = table[list[0]][j] + table[list[1]][j] + ... (float32 sums, in list order) for j < cols. */
  sumRows(table: Float32Array, list: Int32Array, count: number, out: Float32Array, cols: number): void;
}

const jsKernels: Kernels = {
  matvec: (m, x, out, rows, cols) => {
    for (let r = 0; r < rows; r++) out[r] = dotJs(m, r * cols, x, cols);
  },
  matvecRows: (m, x, out, list, count, cols) => {
    for (let i = 0; i < count; i++) {
      const r = list[i] as number;
      out[r] = dotJs(m, r * cols, x, cols);
    }
  },
  sumRows: (table, list, count, out, cols) => {
    const first = (list[0] as number) * cols;
    out.set(table.subarray(first, first + cols));
    for (let a = 1; a < count; a++) {
      const start = (list[a] as number) * cols;
      for (let j = 0; j < cols; j++) out[j] = (out[j] as number) + (table[start + j] as number);
    }
  },
};

interface Arena {
  /** A Float32Array of `length` floats, inside the kernel's memory when there is one. */
  array(length: number): Float32Array;
  /** An Int32Array of `length` ints, likewise. */
  ints(length: number): Int32Array;
  readonly kernels: Kernels;
  readonly simd: boolean;
}

// The few WebAssembly JS API types used here (the project's TypeScript libs do not include them).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmModule {
  readonly kind?: 'module';
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { readonly exports: Record<string, unknown> };
};

/** The name of the sampler's kernel for precompileKernels (src/util/wasm-tiering.mjs). */
export const LSTM_KERNEL = 'lstm-matvec';

/** The sampler kernel's WebAssembly binary. */
export function lstmKernelBinary(): Uint8Array {
  return Buffer.from(LSTM_KERNEL_WASM_BASE64, 'base64');
}

let compiledModule: WasmModule | null | undefined;

function compiledKernel(): WasmModule | null {
  if (compiledModule === undefined) {
    try {
      // A hot kernel: the optimised module the process compiled at start-up, when it did (the bot).
      compiledModule = kernelModule(LSTM_KERNEL, lstmKernelBinary);
    } catch {
      compiledModule = null; // no wasm SIMD here: the JS loops are used
    }
  }
  return compiledModule;
}

function jsArena(): Arena {
  return {
    array: (length) => new Float32Array(length),
    ints: (length) => new Int32Array(length),
    kernels: jsKernels,
    simd: false,
  };
}

/** A bump allocator over the kernel's memory, sized once for all weights and buffers (it never grows later). */
function wasmArena(totalFloats: number): Arena | null {
  const module = compiledKernel();
  if (!module) return null;
  const instance = new WebAssembly.Instance(module, {});
  const memory = instance.exports.memory as WasmMemory;
  type Pointers5 = (a: number, b: number, c: number, d: number, e: number) => void;
  const matvec = instance.exports.matvec as Pointers5;
  const matvecRows = instance.exports.matvecRows as (m: number, x: number, out: number, list: number, count: number, cols: number) => void;
  const sumRows = instance.exports.sumRows as Pointers5;
  const bytes = totalFloats * 4 + 64 * 64;
  const pages = Math.ceil(bytes / 65536);
  if (pages > 1) memory.grow(pages - 1);
  let next = 0;
  const reserve = (length: number): number => {
    const offset = next;
    next += Math.ceil((length * 4) / 16) * 16;
    if (next > memory.buffer.byteLength) throw new RangeError('the inference arena is smaller than its buffers'); // a sizing bug
    return offset;
  };
  return {
    array: (length) => new Float32Array(memory.buffer, reserve(length), length),
    ints: (length) => new Int32Array(memory.buffer, reserve(length), length),
    kernels: {
      matvec: (m, x, out, rows, cols) => matvec(m.byteOffset, x.byteOffset, out.byteOffset, rows, cols),
      matvecRows: (m, x, out, list, count, cols) => matvecRows(m.byteOffset, x.byteOffset, out.byteOffset, list.byteOffset, count, cols),
      sumRows: (table, list, count, out, cols) => sumRows(table.byteOffset, list.byteOffset, count, out.byteOffset, cols),
    },
    simd: true,
  };
}

interface LayerMatrices {
  /** The first layer's input kernel, row-major [F, 4H] (the one-hot input is a row lookup, or a sum of K rows). */
  readonly inputRows: Float32Array;
  /** Upper layers: the input kernel transposed, [4H, H]. */
  readonly inputT: Float32Array;
  /** [4H, H] */
  readonly recurrentT: Float32Array;
  readonly bias: Float32Array;
}

export class LstmStepper {
  readonly weights: LstmWeights;
  /** Whether the WebAssembly SIMD kernel is in use (else JS loops). */
  readonly simd: boolean;
  private readonly kernels: Kernels;
  private readonly layers: LayerMatrices[];
  private readonly outputT: Float32Array;
  private readonly h: Float32Array[];
  private readonly c: Float32Array[];
  private readonly recurrentPart: Float32Array;
  private readonly inputPart: Float32Array;
  private readonly logitBuffer: Float32Array;
  /** The first layer's active input rows of the step (the kernel reads them from its memory). */
  private readonly activeRows: Int32Array;
  /** The tokens whose logits `logits(allowed)` computes. */
  private readonly allowedList: Int32Array;
  private readonly rows: InputRows;

  /**
   * `features`: the tracker of the encoding's input features, required exactly when the network was trained with
   * them (see input-features.ts's featureTracker); every token fed then goes through it.
   */
  constructor(weights: LstmWeights, options: { readonly simd?: boolean; readonly features?: InputFeatureTracker | null } = {}) {
    this.weights = weights;
    this.rows = inputRows(weights.config, options.features ?? null);
    const { hiddenSize: H, layers, vocabularySize: V } = weights.config;
    const G = 4 * H;
    const first = weights.layers[0]!.inputKernel.length;
    // Every array placed below, each rounded up to 16 bytes (4 floats): the weights, then the buffers.
    const floats = first + (layers - 1) * 2 * G * H + G * H + V * H + 2 * layers * H + 2 * G + V + this.rows.width + V + 4 * (4 * layers + 8);
    const arena = (options.simd !== false && H % 8 === 0 ? wasmArena(floats) : null) ?? jsArena();
    this.simd = arena.simd;
    this.kernels = arena.kernels;
    const place = (values: Float32Array): Float32Array => {
      const target = arena.array(values.length);
      target.set(values);
      return target;
    };
    this.layers = weights.layers.map((layer, index) => ({
      inputRows: index === 0 ? place(layer.inputKernel) : new Float32Array(0),
      inputT: index === 0 ? new Float32Array(0) : place(transpose(layer.inputKernel, H, G)),
      recurrentT: place(transpose(layer.recurrentKernel, H, G)),
      bias: layer.bias,
    }));
    this.outputT = place(transpose(weights.outputKernel, H, V));
    this.h = Array.from({ length: layers }, () => arena.array(H));
    this.c = Array.from({ length: layers }, () => arena.array(H));
    this.recurrentPart = arena.array(G);
    this.inputPart = arena.array(G);
    this.logitBuffer = arena.array(V);
    this.activeRows = arena.ints(this.rows.width);
    this.allowedList = arena.ints(V);
  }

  /** Back to the zero state (the start of a song); `start` tells the feature tracker about the song. */
  reset(start?: SongStart): void {
    for (const a of this.h) a.fill(0);
    for (const a of this.c) a.fill(0);
    this.rows.reset(start);
  }

  /** Feeds one token: advances the state. Read the next token's logits with `logits()`. */
  advance(token: number): void {
    const { hiddenSize: H, vocabularySize: V } = this.weights.config;
    if (!Number.isInteger(token) || token < 0 || token >= V) {
      throw new RangeError(`token id ${token} is outside the vocabulary (0..${V - 1})`);
    }
    const G = 4 * H;
    const recurrent = this.recurrentPart;
    const input = this.inputPart;
    for (let index = 0; index < this.layers.length; index++) {
      const layer = this.layers[index] as LayerMatrices;
      const h = this.h[index] as Float32Array;
      const c = this.c[index] as Float32Array;
      this.kernels.matvec(layer.recurrentT, h, recurrent, G, H);
      if (index === 0) {
        this.activeRows.set(this.rows.next(token));
        this.kernels.sumRows(layer.inputRows, this.activeRows, this.activeRows.length, input, G);
      } else {
        this.kernels.matvec(layer.inputT, this.h[index - 1] as Float32Array, input, G, H);
      }
      const bias = layer.bias;
      for (let j = 0; j < H; j++) {
        const i = sigmoid((bias[j] as number) + (input[j] as number) + (recurrent[j] as number));
        const f = sigmoid((bias[H + j] as number) + (input[H + j] as number) + (recurrent[H + j] as number));
        const o = sigmoid((bias[2 * H + j] as number) + (input[2 * H + j] as number) + (recurrent[2 * H + j] as number));
        const g = Math.tanh((bias[3 * H + j] as number) + (input[3 * H + j] as number) + (recurrent[3 * H + j] as number));
        const cj = f * (c[j] as number) + i * g;
        c[j] = cj;
        h[j] = o * Math.tanh(cj);
      }
    }
  }

  /**
   * Logits for the next token (a buffer reused by the next call). With `allowed`, only the tokens it marks are
   * computed (each exactly as without `allowed`), the others set to -Infinity: the grammar leaves about half.
   */
  logits(allowed?: Uint8Array): Float32Array {
    const { hiddenSize: H, vocabularySize: V } = this.weights.config;
    const out = this.logitBuffer;
    const h = this.h[this.h.length - 1] as Float32Array;
    const bias = this.weights.outputBias;
    if (allowed === undefined) {
      this.kernels.matvec(this.outputT, h, out, V, H);
      for (let v = 0; v < V; v++) out[v] = (out[v] as number) + (bias[v] as number);
      return out;
    }
    if (allowed.length !== V) throw new RangeError(`the mask has ${allowed.length} entries but the vocabulary ${V}`);
    const list = this.allowedList;
    let count = 0;
    for (let v = 0; v < V; v++) if (allowed[v]) list[count++] = v;
    out.fill(-Infinity);
    this.kernels.matvecRows(this.outputT, h, out, list, count, H);
    for (let i = 0; i < count; i++) {
      const v = list[i] as number;
      out[v] = (out[v] as number) + (bias[v] as number);
    }
    return out;
  }

  /** Feeds one token and returns all logits for the next one. */
  step(token: number): Float32Array {
    this.advance(token);
    return this.logits();
  }

  /** ln p(tokens[i] | tokens[<i]) for every i, from a zero state; index 0 is 0 (nothing predicts it). */
  logProbs(tokens: ArrayLike<number>): Float32Array {
    const out = new Float32Array(tokens.length);
    this.reset({ tokens });
    for (let i = 0; i + 1 < tokens.length; i++) {
      const logits = this.step(tokens[i] as number);
      out[i + 1] = logSoftmaxAt(logits, tokens[i + 1] as number);
    }
    return out;
  }
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export function logSoftmaxAt(logits: Float32Array, index: number): number {
  let max = -Infinity;
  for (let k = 0; k < logits.length; k++) if ((logits[k] as number) > max) max = logits[k] as number;
  let sum = 0;
  for (let k = 0; k < logits.length; k++) sum += Math.exp((logits[k] as number) - max);
  return (logits[index] as number) - max - Math.log(sum);
}
