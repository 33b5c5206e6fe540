// The work of a training step in the WebAssembly SIMD kernel of lstm-train-kernel.wat: every matrix product, the
// LSTM cell forward and backward, the first layer's row lookup and its gradient's segment sums, and the softmax
// rows (the optimiser's kernel is shared-training-memory.ts's). Where WebAssembly SIMD is missing, the elementwise
// work runs as the same loops in JavaScript (and the products in tfjs: matrix-products.ts). The kernel comes in two
// builds: with relaxed SIMD's fused multiply-add (Node 20 has it behind a V8 flag, which is set here when needed;
// later versions ship it) and with a multiply and an add.
//
// The kernel reads and writes only its own memory, so every array it touches is handed out by `Scratch`: views of
// that memory, valid for one call of the network (trainStep, evaluate, predict). `begin(floats)` reserves the
// call's room up front. Growing a WebAssembly memory detaches every view of it, so nothing grows during a call, and
// asking for more than the reserve is an error (a wrong reserve would otherwise read as silent zeros).
import { setFlagsFromString } from 'node:v8';
import { LSTM_TRAIN_KERNEL_FMA_WASM_BASE64, LSTM_TRAIN_KERNEL_WASM_BASE64 } from './lstm-train-kernel-wasm.js';

const PAGE_BYTES = 65536;
/**
 * The rows of b that matmul sums over in one pass of the kernel: about 1 MB of b, half a core's L2 cache here, so
 * that b is read from L2 by every block of 4 rows of a (a [1024, 768] gradient is 3 MB).
 */
const BLOCK_FLOATS = 262144;
/** Every array starts on a 16-byte boundary (one f32x4). */
const ALIGN_FLOATS = 4;

// The few WebAssembly JS API types used here (the project's TypeScript libs do not include them).
interface WasmModule {
  readonly kind?: 'module';
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports?: object) => { readonly exports: unknown };
};

interface KernelExports {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  cellForward(product: number, projection: number, c: number, h: number, outputs: number, gates: number, cPrev: number, tanhC: number, rows: number, H: number): void;
  cellBackward(gates: number, cPrev: number, tanhC: number, dOut: number, dhNext: number, dcNext: number, dGates: number, rows: number, H: number): void;
  lookupRows(table: number, bias: number, ids: number, width: number, positions: number, G: number, out: number): void;
  segmentSums(values: number, ids: number, active: number, n: number, width: number, sums: number): void;
  gemm(a: number, lda: number, b: number, c: number, M: number, K: number, N: number, accumulate: number): void;
  softmaxRows(logits: number, n: number, V: number, stats: number, weights: number, scale: number): void;
}

export interface SoftmaxGradient {
  readonly weights: Float32Array;
  readonly scale: number;
}

/** The cell's kept values of one step: gates [rows, 4H], cPrev and tanhC [rows, H]. */
export interface CellTrace {
  readonly gates: Float32Array;
  readonly cPrev: Float32Array;
  readonly tanhC: Float32Array;
}

/** Which build of the kernel runs: with fused multiply-adds, with plain SIMD, or none (JavaScript loops). */
export type KernelKind = 'wasm-simd-fma' | 'wasm-simd' | 'js';

function compile(base64: string): WasmModule | null {
  try {
    return new WebAssembly.Module(Buffer.from(base64, 'base64'));
  } catch {
    return null;
  }
}

let compiled: { readonly module: WasmModule | null; readonly kind: KernelKind } | undefined;
function kernelModule(): { readonly module: WasmModule | null; readonly kind: KernelKind } {
  if (compiled === undefined) {
    let fma = compile(LSTM_TRAIN_KERNEL_FMA_WASM_BASE64);
    if (!fma) {
      // Node 20's V8 has relaxed SIMD complete but behind this flag (it only lets modules use more instructions).
      setFlagsFromString('--experimental-wasm-relaxed-simd');
      fma = compile(LSTM_TRAIN_KERNEL_FMA_WASM_BASE64);
    }
    const simd = fma ? null : compile(LSTM_TRAIN_KERNEL_WASM_BASE64);
    compiled = fma ? { module: fma, kind: 'wasm-simd-fma' } : simd ? { module: simd, kind: 'wasm-simd' } : { module: null, kind: 'js' };
  }
  return compiled;
}

/** The build of the training kernel this process runs (for the trainer's log). */
export function trainKernelKind(): KernelKind {
  return kernelModule().kind;
}

/**
 * A bump allocator over the kernel's memory (or, without wasm SIMD, an ArrayBuffer) and the kernels over it. Every
 * array given to a kernel must come from this Scratch.
 */
export class Scratch {
  /** Whether the WebAssembly SIMD kernel runs (else the JavaScript loops). */
  readonly simd: boolean;
  private readonly exports: KernelExports | null;
  private buffer: ArrayBuffer;
  private used = 0;
  private reserved = 0;

  constructor(options: { simd?: boolean } = {}) {
    const module = options.simd === false ? null : kernelModule().module;
    this.exports = module ? (new WebAssembly.Instance(module, {}).exports as KernelExports) : null;
    this.simd = this.exports !== null;
    this.buffer = this.exports ? this.exports.memory.buffer : new ArrayBuffer(PAGE_BYTES);
  }

  /** Starts a call: every array handed out before is given up, and room is made for `floats` floats. */
  begin(floats: number): void {
    const bytes = (floats + 64 * ALIGN_FLOATS) * 4;
    if (bytes > this.buffer.byteLength) {
      if (this.exports) {
        this.exports.memory.grow(Math.ceil((bytes - this.buffer.byteLength) / PAGE_BYTES));
        this.buffer = this.exports.memory.buffer;
      } else {
        this.buffer = new ArrayBuffer(Math.ceil(bytes / PAGE_BYTES) * PAGE_BYTES);
      }
    }
    this.used = 0;
    this.reserved = bytes / 4;
  }

  /** `size` floats of this call's room (not zeroed unless `zero`). */
  floats(size: number, zero = false): Float32Array {
    const view = new Float32Array(this.buffer, this.claim(size) * 4, size);
    if (zero) view.fill(0);
    return view;
  }

  /** A copy of `values` in this call's room. */
  ints(values: Int32Array): Int32Array {
    const view = new Int32Array(this.buffer, this.claim(values.length) * 4, values.length);
    view.set(values);
    return view;
  }

  /** A copy of `values` in this call's room. */
  copy(values: Float32Array): Float32Array {
    const view = this.floats(values.length);
    view.set(values);
    return view;
  }

  /**
   * One step of the cell for `rows` streams: the gates are sigmoid / tanh of product + projection ([rows, 4H] as
   * [i | f | o | g]); c and h ([rows, H]) are updated in place and h is copied to outputs. With `trace`, the
   * activated gates, the cell each row started from and tanh of the new cell are kept.
   */
  cellForward(product: Float32Array, projection: Float32Array, c: Float32Array, h: Float32Array, outputs: Float32Array, trace: CellTrace | null, rows: number, H: number): void {
    if (this.exports && H % 4 === 0) {
      const at = this.pointer;
      this.exports.cellForward(at(product), at(projection), at(c), at(h), at(outputs), trace ? at(trace.gates) : 0, trace ? at(trace.cPrev) : 0, trace ? at(trace.tanhC) : 0, rows, H);
    } else {
      cellForwardJs(product, projection, c, h, outputs, trace, rows, H);
    }
  }

  /** The backward step: dLoss/d(pre-activations) into dGates; dcNext becomes the cell's gradient one step earlier. */
  cellBackward(trace: CellTrace, dOut: Float32Array, dhNext: Float32Array, dcNext: Float32Array, dGates: Float32Array, rows: number, H: number): void {
    if (this.exports && H % 4 === 0) {
      const at = this.pointer;
      this.exports.cellBackward(at(trace.gates), at(trace.cPrev), at(trace.tanhC), at(dOut), at(dhNext), at(dcNext), at(dGates), rows, H);
    } else {
      cellBackwardJs(trace, dOut, dhNext, dcNext, dGates, rows, H);
    }
  }

  /** out[p] = bias + the sum of table rows ids[p * width ..] (width rows per position), rows of G floats. */
  lookupRows(table: Float32Array, bias: Float32Array, ids: Int32Array, width: number, G: number, out: Float32Array): void {
    const positions = ids.length / width;
    if (out.length !== positions * G || bias.length !== G) throw new RangeError('lookupRows: the output must be [positions, G] and the bias [G]');
    if (this.exports) {
      const at = this.pointer;
      this.exports.lookupRows(at(table), at(bias), at(ids), width, positions, G, at(out));
    } else {
      lookupRowsJs(table, bias, ids, width, G, out);
    }
  }

  /** Row k of values ([n, width]) added into rows ids[k * active ..] of sums (which the caller zeroed). */
  segmentSums(values: Float32Array, ids: Int32Array, active: number, width: number, sums: Float32Array): void {
    const n = ids.length / active;
    if (values.length !== n * width) throw new RangeError('segmentSums: values must be [positions, width]');
    if (this.exports) {
      const at = this.pointer;
      this.exports.segmentSums(at(values), at(ids), active, n, width, at(sums));
    } else {
      segmentSumsJs(values, ids, active, width, sums);
    }
  }

  /**
   * Per row k of logits ([n, V]): stats[3k] = its max, stats[3k + 1] = the sum of exp(x - max), stats[3k + 2] = the
   * first index of the max. With `gradient`, each row is overwritten with its softmax times weights[k] * scale.
   */
  softmaxRows(logits: Float32Array, n: number, V: number, stats: Float32Array, gradient: SoftmaxGradient | null): void {
    if (logits.length < n * V || stats.length < 3 * n || (gradient && gradient.weights.length < n)) throw new RangeError('softmaxRows: an array is smaller than its shape');
    if (this.exports) {
      const at = this.pointer;
      this.exports.softmaxRows(at(logits), n, V, at(stats), gradient ? at(gradient.weights) : 0, gradient?.scale ?? 0);
    } else {
      softmaxRowsJs(logits, n, V, stats, gradient);
    }
  }

  /**
   * c = a x b for row-major a [M, K], b [K, N], c [M, N], in the kernel (which must run: see `simd`), summed over
   * blocks of b's rows that stay in the core's cache.
   */
  matmul(a: Float32Array, b: Float32Array, c: Float32Array, M: number, K: number, N: number): void {
    if (!this.exports) throw new RangeError('matmul runs only in the WebAssembly kernel');
    if (a.length < M * K || b.length < K * N || c.length < M * N) throw new RangeError(`matmul: an array is smaller than its shape [${M}, ${K}] x [${K}, ${N}]`);
    const at = this.pointer;
    const block = Math.max(8, Math.floor(BLOCK_FLOATS / Math.max(N, 1)));
    for (let k0 = 0; k0 < K || k0 === 0; k0 += block) {
      this.exports.gemm(at(a) + k0 * 4, K, at(b) + k0 * N * 4, at(c), M, Math.min(block, K - k0), N, k0 > 0 ? 1 : 0);
    }
  }

  private claim(size: number): number {
    const start = this.used;
    this.used += Math.ceil(size / ALIGN_FLOATS) * ALIGN_FLOATS;
    if (this.used > this.reserved) {
      throw new RangeError(`training scratch: ${this.used} floats asked for, ${this.reserved} reserved (the reserve of lstm-network.ts is too small)`);
    }
    return start;
  }

  /** The byte offset of a view of this call's memory. */
  private readonly pointer = (view: Float32Array | Int32Array): number => {
    if (view.buffer !== this.buffer) throw new RangeError('a training kernel was given an array outside its scratch memory');
    return view.byteOffset;
  };
}

// ---------------------------------------------------------------- the same in JavaScript (no wasm SIMD)

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

function cellForwardJs(product: Float32Array, projection: Float32Array, c: Float32Array, h: Float32Array, outputs: Float32Array, trace: CellTrace | null, rows: number, H: number): void {
  const G = 4 * H;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < H; j++) {
      const z = r * G + j;
      const s = r * H + j;
      const i = sigmoid((product[z] as number) + (projection[z] as number));
      const f = sigmoid((product[z + H] as number) + (projection[z + H] as number));
      const o = sigmoid((product[z + 2 * H] as number) + (projection[z + 2 * H] as number));
      const g = Math.tanh((product[z + 3 * H] as number) + (projection[z + 3 * H] as number));
      const before = c[s] as number;
      const cell = f * before + i * g;
      const squashed = Math.tanh(cell);
      c[s] = cell;
      h[s] = o * squashed;
      outputs[s] = o * squashed;
      if (trace) {
        trace.gates[z] = i;
        trace.gates[z + H] = f;
        trace.gates[z + 2 * H] = o;
        trace.gates[z + 3 * H] = g;
        trace.cPrev[s] = before;
        trace.tanhC[s] = squashed;
      }
    }
  }
}

function cellBackwardJs(trace: CellTrace, dOut: Float32Array, dhNext: Float32Array, dcNext: Float32Array, dGates: Float32Array, rows: number, H: number): void {
  const G = 4 * H;
  const { gates, cPrev, tanhC } = trace;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < H; j++) {
      // c_t = f c_{t-1} + i g ; h_t = o tanh(c_t)
      const q = r * G + j;
      const s = r * H + j;
      const i = gates[q] as number;
      const f = gates[q + H] as number;
      const o = gates[q + 2 * H] as number;
      const g = gates[q + 3 * H] as number;
      const squashed = tanhC[s] as number;
      const dh = (dOut[s] as number) + (dhNext[s] as number);
      const dc = dh * o * (1 - squashed * squashed) + (dcNext[s] as number);
      dGates[q] = dc * g * i * (1 - i);
      dGates[q + H] = dc * (cPrev[s] as number) * f * (1 - f);
      dGates[q + 2 * H] = dh * squashed * o * (1 - o);
      dGates[q + 3 * H] = dc * i * (1 - g * g);
      dcNext[s] = dc * f;
    }
  }
}

function lookupRowsJs(table: Float32Array, bias: Float32Array, ids: Int32Array, width: number, G: number, out: Float32Array): void {
  const positions = ids.length / width;
  for (let p = 0; p < positions; p++) {
    const target = p * G;
    const first = (ids[p * width] as number) * G;
    for (let j = 0; j < G; j++) out[target + j] = (table[first + j] as number) + (bias[j] as number);
    for (let a = 1; a < width; a++) {
      const source = (ids[p * width + a] as number) * G;
      for (let j = 0; j < G; j++) out[target + j] = (out[target + j] as number) + (table[source + j] as number);
    }
  }
}

function segmentSumsJs(values: Float32Array, ids: Int32Array, active: number, width: number, sums: Float32Array): void {
  const n = ids.length / active;
  for (let k = 0; k < n; k++) {
    const source = k * width;
    for (let a = 0; a < active; a++) {
      const target = (ids[k * active + a] as number) * width;
      for (let j = 0; j < width; j++) sums[target + j] = (sums[target + j] as number) + (values[source + j] as number);
    }
  }
}

function softmaxRowsJs(logits: Float32Array, n: number, V: number, stats: Float32Array, gradient: SoftmaxGradient | null): void {
  for (let k = 0; k < n; k++) {
    const row = k * V;
    let best = 0;
    let max = -Infinity;
    for (let v = 0; v < V; v++) {
      const value = logits[row + v] as number;
      if (value > max) {
        max = value;
        best = v;
      }
    }
    let sum = 0;
    for (let v = 0; v < V; v++) {
      const e = Math.exp((logits[row + v] as number) - max);
      if (gradient) logits[row + v] = e;
      sum += e;
    }
    stats[3 * k] = max;
    stats[3 * k + 1] = sum;
    stats[3 * k + 2] = best;
    if (gradient) {
      const factor = ((gradient.weights[k] as number) * gradient.scale) / sum;
      for (let v = 0; v < V; v++) logits[row + v] = (logits[row + v] as number) * factor;
    }
  }
}
