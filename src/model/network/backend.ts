// Chooses and initialises the TensorFlow.js backend at entry points (CLI, bot, benchmarks, tests).
// Order: FOLKBOT_BACKEND (tensorflow|wasm|cpu) or the caller's preference, else native tfjs-node when it is
// installed and loads, else wasm (loaded offline from node_modules), else the pure-JS cpu backend.
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import path from 'node:path';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

export class BackendError extends Error {
  override readonly name = 'BackendError';
}

let chosen: Promise<string> | undefined;

/**
 * Initialises a backend once per process and returns its name. `preferred` (or FOLKBOT_BACKEND, which wins)
 * forces one; forcing one that cannot load is an error rather than a silent fallback.
 */
export function initBackend(preferred?: string): Promise<string> {
  chosen ??= selectBackend(process.env.FOLKBOT_BACKEND ?? preferred);
  return chosen;
}

async function selectBackend(requested: string | undefined): Promise<string> {
  if (requested !== undefined && requested !== '') {
    if (!(BACKEND_NAMES as readonly string[]).includes(requested)) {
      throw new BackendError(`unknown backend "${requested}": expected one of ${BACKEND_NAMES.join(', ')}`);
    }
    const name = requested as BackendName;
    if (!(await tryBackend(name))) throw new BackendError(`the "${name}" backend could not be initialised`);
    return name;
  }
  for (const name of BACKEND_NAMES) {
    if (await tryBackend(name)) return name;
  }
  throw new BackendError('no TensorFlow.js backend could be initialised');
}

async function tryBackend(name: BackendName): Promise<boolean> {
  try {
    if (name === 'tensorflow') {
      // Optional dependency: absent on most machines, so it is only ever imported dynamically.
      const nativeModule = '@tensorflow/tfjs-node';
      await import(nativeModule);
    } else if (name === 'wasm') {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      wasm.setWasmPaths(wasmBinaryFolder());
      patchWasmSlice();
    }
    if (!(await tf.setBackend(name))) return false;
    await tf.ready();
    return tf.getBackend() === name;
  } catch {
    return false;
  }
}

/** node_modules/@tensorflow/tfjs-backend-wasm/dist/ as a file path with a trailing slash (no fetch, no network). */
function wasmBinaryFolder(): string {
  const require = createRequire(import.meta.url);
  const main = require.resolve('@tensorflow/tfjs-backend-wasm');
  let folder = path.dirname(main);
  if (path.basename(folder) !== 'dist') folder = path.join(folder, 'dist');
  return folder + path.sep;
}

// The wasm Slice kernel copies its whole input out of the heap (readSync) before taking the slice, so slicing
// one time step out of a [time*batch, 4H] tensor costs as much as copying the tensor. The LSTM slices every
// step, so this replacement reads the input through a heap view instead: cost proportional to the output.
interface WasmTensorData {
  readonly memoryOffset: number;
}
interface WasmBackendInternals {
  readonly dataIdMap: { get(dataId: object): WasmTensorData | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

let slicePatched = false;

function patchWasmSlice(): void {
  if (slicePatched) return;
  const original = tf.getKernel('Slice', 'wasm');
  if (!original) return;
  const fallback = original.kernelFunc;
  tf.unregisterKernel('Slice', 'wasm');
  tf.registerKernel({
    kernelName: 'Slice',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo | undefined;
      const { begin, size } = args.attrs as { begin: number | number[]; size: number | number[] };
      if (!x || x.dtype === 'string') return fallback(args);
      const parsed = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
      const begin_ = parsed[0] ?? [];
      const size_ = parsed[1] ?? [];
      const backend = args.backend as unknown as WasmBackendInternals;
      const out = backend.makeOutput(size_, x.dtype);
      // makeOutput may grow the heap, which detaches earlier views: take the input view only afterwards.
      const input = backend.typedArrayFromHeap(x);
      const output = backend.typedArrayFromHeap(out);
      copySlice(input, x.shape, begin_, size_, output);
      return out;
    },
  });
  slicePatched = true;
}

function copySlice(
  input: Float32Array | Int32Array | Uint8Array,
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
  output: Float32Array | Int32Array | Uint8Array,
): void {
  const rank = shape.length;
  if (rank === 0) {
    output.set(input.subarray(0, 1));
    return;
  }
  const strides = new Array<number>(rank).fill(1);
  for (let d = rank - 2; d >= 0; d--) strides[d] = (strides[d + 1] ?? 1) * (shape[d + 1] ?? 1);
  const rowLength = size[rank - 1] ?? 0;
  const rows = size.slice(0, rank - 1).reduce((a, b) => a * b, 1);
  const index = new Array<number>(Math.max(rank - 1, 0)).fill(0);
  let outOffset = 0;
  for (let r = 0; r < rows; r++) {
    let offset = begin[rank - 1] ?? 0;
    for (let d = 0; d < rank - 1; d++) offset += ((begin[d] ?? 0) + (index[d] ?? 0)) * (strides[d] ?? 0);
    output.set(input.subarray(offset, offset + rowLength), outOffset);
    outOffset += rowLength;
    for (let d = rank - 2; d >= 0; d--) {
      const next = (index[d] ?? 0) + 1;
      if (next < (size[d] ?? 0)) {
        index[d] = next;
        break;
      }
      index[d] = 0;
    }
  }
}

/**
 * Copies a float32 tensor's values into `target`. On wasm straight from the heap (dataSync would allocate a new
 * array per call: the training step reads two small products per time step).
 */
export function readInto(tensor: tf.Tensor, target: Float32Array): Float32Array {
  const backend = tf.getBackend() === 'wasm' ? (tf.backend() as unknown as Partial<WasmBackendInternals>) : null;
  target.set(backend?.typedArrayFromHeap ? (backend.typedArrayFromHeap(tensor) as Float32Array) : (tensor.dataSync() as Float32Array));
  return target;
}
