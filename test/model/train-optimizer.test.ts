import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SharedTrainingMemory } from '../../src/model/network/shared-training-memory.js';
import { AdamOptimizer } from '../../src/model/training/train-optimizer.js';
import { createRandom } from '../../src/model/generation/random.js';

// The kernel's Adam (over a SharedTrainingMemory, as the trainer's replicas hold their arrays) against the
// JavaScript passes (any other arrays), and both against the formulas.
const sizes = [7, 30, 3]; // 40 weights: the kernel pads to whole vectors of 4, the last variable is not one
const total = 40;

function values(seed: number, scale: number): Float32Array {
  const random = createRandom(seed);
  return Float32Array.from({ length: total }, () => random.normal() * scale);
}

test('the kernel and JavaScript Adam steps agree: gradient parts summed, clipping, bias correction, state', () => {
  const settings = { learningRate: 0.01, clipNorm: 1 };
  const fast = new AdamOptimizer(sizes, settings);
  const slow = new AdamOptimizer(sizes, settings);
  const memory = SharedTrainingMemory.create(total, 2);
  assert.ok(memory, 'the optimiser kernel or shared WebAssembly memory is missing here');
  assert.ok(memory.weights.buffer instanceof SharedArrayBuffer);
  const wFast = memory.weights;
  wFast.set(values(1, 1));
  const wSlow = Float32Array.from(wFast);
  for (let step = 0; step < 5; step++) {
    // Two replicas' parts; large enough in step 0 to be clipped.
    const parts = [values(10 + step, step === 0 ? 3 : 0.05), values(20 + step, step === 0 ? 3 : 0.05)];
    parts.forEach((part, k) => memory.slots[k]!.set(part));
    const nFast = fast.apply(wFast, memory.slots);
    const nSlow = slow.apply(wSlow, parts);
    assert.ok(Math.abs(nFast - nSlow) < 1e-5 * nSlow, `norm ${nFast} vs ${nSlow}`);
    if (step === 0) assert.ok(nSlow > 1, 'the first step is clipped');
  }
  for (let k = 0; k < total; k++) assert.ok(Math.abs(wFast[k]! - wSlow[k]!) < 1e-6, `weight ${k}: ${wFast[k]} vs ${wSlow[k]}`);
  const a = fast.readState();
  const b = slow.readState();
  assert.equal(a.step, 5);
  assert.deepEqual(a.firstMoments.map((m) => m.length), sizes);
  a.secondMoments.forEach((v, k) => v.forEach((x, e) => assert.ok(Math.abs(x - b.secondMoments[k]![e]!) < 1e-9 + 1e-5 * x)));
  // A restored optimiser takes its moments into another shared memory at its first step there (a resumed run).
  const resumed = new AdamOptimizer(sizes, settings);
  resumed.restoreState(a);
  const other = SharedTrainingMemory.create(total, 1)!;
  other.weights.set(wFast);
  const part = values(99, 0.05);
  other.slots[0]!.set(part);
  resumed.apply(other.weights, [other.slots[0]!]);
  slow.apply(wSlow, part);
  for (let k = 0; k < total; k++) assert.ok(Math.abs(other.weights[k]! - wSlow[k]!) < 1e-6, `resumed weight ${k}`);
});

test('one Adam step follows the formula, and a restored state continues as the original', () => {
  const optimizer = new AdamOptimizer(sizes, { learningRate: 0.1, clipNorm: 100 });
  const w = new Float32Array(total).fill(1);
  const g = values(3, 0.5);
  optimizer.apply(w, g);
  // Step 1: m = 0.1 g, v = 0.001 g^2, rate = lr sqrt(1 - 0.999) / (1 - 0.9): w -= rate m / (sqrt(v) + eps) = lr sign(g).
  for (let k = 0; k < total; k++) assert.ok(Math.abs(w[k]! - (1 - 0.1 * Math.sign(g[k]!))) < 1e-4, `weight ${k}: ${w[k]}`);
  const copy = new AdamOptimizer(sizes, { learningRate: 0.1, clipNorm: 100 });
  copy.restoreState(optimizer.readState());
  const w2 = Float32Array.from(w);
  optimizer.apply(w, g);
  copy.apply(w2, g);
  assert.deepEqual(w2, w);
  assert.throws(() => optimizer.apply(w, new Float32Array(3)), /expected 40 weights/);
});
