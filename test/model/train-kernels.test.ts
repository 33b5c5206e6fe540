import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Scratch, trainKernelKind } from '../../src/model/network/train-kernels.js';
import { createRandom } from '../../src/model/generation/random.js';

// The WebAssembly kernels against their JavaScript loops (Scratch({ simd: false })), which are written like the
// formulas, on the same inputs.
const wasm = new Scratch();
const js = new Scratch({ simd: false });

function filled(scratch: Scratch, values: Float32Array): Float32Array {
  return scratch.copy(values);
}

function randomValues(length: number, seed: number, scale = 1): Float32Array {
  const random = createRandom(seed);
  return Float32Array.from({ length }, () => random.normal() * scale);
}

function assertClose(actual: Float32Array, expected: Float32Array, tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let k = 0; k < expected.length; k++) {
    assert.ok(Math.abs(actual[k]! - expected[k]!) <= tolerance * Math.max(1, Math.abs(expected[k]!)), `${what}[${k}]: ${actual[k]} vs ${expected[k]}`);
  }
}

test('the WebAssembly SIMD training kernel loads here', () => {
  assert.ok(wasm.simd, 'no WebAssembly SIMD: training would run the JavaScript loops');
  assert.notEqual(trainKernelKind(), 'js');
  assert.equal(js.simd, false);
});

test('matmul matches the product of its definition: blocks of 4 rows and 8 columns, the rows and columns after them, blocks of k', () => {
  // [3, 70000] x [70000, 5]: b is summed in blocks of its rows (about 1 MB each), the later blocks added to c.
  for (const [M, K, N] of [
    [6, 7, 16],
    [16, 24, 35],
    [1, 8, 8],
    [9, 13, 3],
    [3, 70000, 5],
  ] as const) {
    wasm.begin(M * K + K * N + M * N + 64);
    const a = filled(wasm, randomValues(M * K, 1));
    const b = filled(wasm, randomValues(K * N, 2));
    const c = wasm.floats(M * N);
    c.fill(Number.NaN); // overwritten, not added to
    wasm.matmul(a, b, c, M, K, N);
    const expected = new Float64Array(M * N);
    for (let r = 0; r < M; r++) for (let j = 0; j < N; j++) for (let k = 0; k < K; k++) expected[r * N + j]! += a[r * K + k]! * b[k * N + j]!;
    assertClose(c, Float32Array.from(expected), K > 1000 ? 2e-3 : 1e-5, `matmul ${M}x${K}x${N}`);
  }
  assert.throws(() => wasm.matmul(wasm.floats(4), wasm.floats(12), wasm.floats(11), 1, 1, 12), /smaller than its shape/);
  js.begin(16);
  assert.throws(() => js.matmul(js.floats(1), js.floats(1), js.floats(1), 1, 1, 1), /only in the WebAssembly kernel/);
});

test('the cell step, forward and backward, matches the JavaScript loops', () => {
  const rows = 5;
  const H = 8;
  const G = 4 * H;
  const inputs = { product: randomValues(rows * G, 3, 2), projection: randomValues(rows * G, 4, 2), c: randomValues(rows * H, 5), dOut: randomValues(rows * H, 6), dh: randomValues(rows * H, 7), dc: randomValues(rows * H, 8) };
  const run = (scratch: Scratch): Record<string, Float32Array> => {
    scratch.begin(20 * rows * G);
    const c = filled(scratch, inputs.c);
    const h = scratch.floats(rows * H);
    const outputs = scratch.floats(rows * H);
    const trace = { gates: scratch.floats(rows * G), cPrev: scratch.floats(rows * H), tanhC: scratch.floats(rows * H) };
    scratch.cellForward(filled(scratch, inputs.product), filled(scratch, inputs.projection), c, h, outputs, trace, rows, H);
    const dcNext = filled(scratch, inputs.dc);
    const dGates = scratch.floats(rows * G);
    scratch.cellBackward(trace, filled(scratch, inputs.dOut), filled(scratch, inputs.dh), dcNext, dGates, rows, H);
    return { c: c.slice(), h: h.slice(), outputs: outputs.slice(), gates: trace.gates.slice(), cPrev: trace.cPrev.slice(), tanhC: trace.tanhC.slice(), dGates: dGates.slice(), dcNext: dcNext.slice() };
  };
  const fast = run(wasm);
  const slow = run(js);
  for (const key of Object.keys(slow)) assertClose(fast[key]!, slow[key]!, 2e-6, key);
  // Saturated gates stay finite (exp is clamped).
  wasm.begin(20 * G);
  const c = wasm.floats(H, true);
  const h = wasm.floats(H);
  wasm.cellForward(filled(wasm, new Float32Array(G).fill(200)), filled(wasm, new Float32Array(G).fill(-500)), c, h, wasm.floats(H), null, 1, H);
  assert.ok([...c, ...h].every(Number.isFinite));
});

test('the row lookup and the segment sums match the JavaScript loops', () => {
  const F = 11;
  const G = 16;
  const width = 3;
  const positions = 9;
  const random = createRandom(9);
  const ids = Int32Array.from({ length: positions * width }, () => random.int(F));
  const table = randomValues(F * G, 10);
  const bias = randomValues(G, 11);
  const values = randomValues(positions * G, 12);
  const run = (scratch: Scratch): { rows: Float32Array; sums: Float32Array } => {
    scratch.begin(4 * F * G + 4 * positions * G);
    const out = scratch.floats(positions * G);
    scratch.lookupRows(filled(scratch, table), filled(scratch, bias), scratch.ints(ids), width, G, out);
    const sums = scratch.floats(F * G, true);
    scratch.segmentSums(filled(scratch, values), scratch.ints(ids), width, G, sums);
    return { rows: out.slice(), sums: sums.slice() };
  };
  const fast = run(wasm);
  const slow = run(js);
  assertClose(fast.rows, slow.rows, 1e-6, 'lookup');
  assertClose(fast.sums, slow.sums, 1e-6, 'sums');
});

test('the softmax rows match the JavaScript loops: max, its first index, sum of exponentials, the weighted softmax', () => {
  const n = 6;
  const V = 11; // not a multiple of 4: the last values run one at a time
  const logits = randomValues(n * V, 13, 4);
  logits[2 * V + 10] = 30; // the max in the tail
  logits[3 * V + 1] = logits[3 * V + 7] = 25; // a tie: the first index
  const weights = Float32Array.from([1, 0, 1, 1, 0.5, 1]);
  const run = (scratch: Scratch, gradient: boolean): { stats: Float32Array; rows: Float32Array } => {
    scratch.begin(8 * n * V);
    const rows = filled(scratch, logits);
    const stats = scratch.floats(3 * n);
    scratch.softmaxRows(rows, n, V, stats, gradient ? { weights: filled(scratch, weights), scale: 0.25 } : null);
    return { stats: stats.slice(), rows: rows.slice() };
  };
  for (const gradient of [false, true]) {
    const fast = run(wasm, gradient);
    const slow = run(js, gradient);
    assertClose(fast.stats, slow.stats, 1e-6, 'stats');
    assertClose(fast.rows, slow.rows, 1e-6, 'rows');
    assert.equal(fast.stats[3 * 2 + 2], 10);
    assert.equal(fast.stats[3 * 3 + 2], 1);
    if (!gradient) assert.deepEqual(fast.rows, logits);
  }
});

test('the scratch refuses arrays outside it and more than its reserve', () => {
  wasm.begin(16);
  assert.throws(() => wasm.floats(1000), /reserved/);
  wasm.begin(64);
  assert.throws(() => wasm.matmul(new Float32Array(8), wasm.floats(8), wasm.floats(8), 1, 1, 8), /outside its scratch/);
});
