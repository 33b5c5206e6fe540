import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/model/network/backend.js';
import { LstmNetwork, flattenWeights, initialWeights, unflattenWeights, type LstmConfig, type LstmWeights, type TokenBatch } from '../../src/model/network/lstm-network.js';
import { inputSize, inputWidth } from '../../src/model/network/lstm-weights.js';
import { createRandom } from '../../src/model/generation/random.js';

await initBackend();

function randomBatch(rows: number, steps: number, V: number, seed: number, featureSizes: readonly number[] = []): TokenBatch {
  const random = createRandom(seed);
  const n = rows * steps;
  const inputs = new Int32Array(n).map(() => random.int(V));
  const targets = new Int32Array(n).map(() => random.int(V));
  const weights = new Float32Array(n).map(() => (random.next() < 0.85 ? 1 : 0));
  const resets = new Uint8Array(n).map(() => (random.next() < 0.1 ? 1 : 0));
  if (featureSizes.length === 0) return { rows, steps, inputs, targets, weights, resets };
  // The token's row, then per feature V + offset + a random value.
  const width = 1 + featureSizes.length;
  const inputRows = new Int32Array(n * width);
  for (let k = 0; k < n; k++) {
    inputRows[k * width] = inputs[k]!;
    let offset = V;
    featureSizes.forEach((size, f) => {
      inputRows[k * width + 1 + f] = offset + random.int(size);
      offset += size;
    });
  }
  return { rows, steps, inputs, targets, weights, resets, inputRows };
}

/** The first layer's input at step t as a dense [rows, F] matrix: a one-hot per active input row, summed. */
function denseInput(config: LstmConfig, batch: TokenBatch, t: number): tf.Tensor2D {
  const F = inputSize(config);
  const width = inputWidth(config);
  const ids = batch.inputRows ?? batch.inputs;
  const values = new Float32Array(batch.rows * F);
  for (let r = 0; r < batch.rows; r++) {
    for (let a = 0; a < width; a++) values[r * F + ids[(t * batch.rows + r) * width + a]!]! += 1;
  }
  return tf.tensor2d(values, [batch.rows, F]);
}

/** The same model written with plain tfjs ops and differentiated by tfjs autodiff. */
function referenceLoss(weights: LstmWeights, batch: TokenBatch, params: tf.Tensor[], h0: tf.Tensor2D[], c0: tf.Tensor2D[]): tf.Scalar {
  const { hiddenSize: H, vocabularySize: V, layers } = weights.config;
  const { rows, steps } = batch;
  let layerInput: tf.Tensor2D[] = [];
  for (let t = 0; t < steps; t++) layerInput.push(denseInput(weights.config, batch, t));
  for (let layer = 0; layer < layers; layer++) {
    const [wx, wh, b] = params.slice(3 * layer, 3 * layer + 3) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    let h = h0[layer] as tf.Tensor2D;
    let c = c0[layer] as tf.Tensor2D;
    const outputs: tf.Tensor2D[] = [];
    for (let t = 0; t < steps; t++) {
      const keep = tf.tensor2d(Array.from(batch.resets.slice(t * rows, (t + 1) * rows), (r) => 1 - r), [rows, 1]);
      h = tf.mul(h, keep);
      c = tf.mul(c, keep);
      const gates = tf.add(tf.add(tf.matMul(layerInput[t] as tf.Tensor2D, wx), tf.matMul(h, wh)), b);
      const [i, f, o] = tf.split(tf.sigmoid(tf.slice(gates, [0, 0], [rows, 3 * H])), 3, 1) as tf.Tensor2D[];
      const g = tf.tanh(tf.slice(gates, [0, 3 * H], [rows, H]));
      c = tf.add(tf.mul(f!, c), tf.mul(i!, g));
      h = tf.mul(o!, tf.tanh(c));
      outputs.push(h);
    }
    layerInput = outputs;
  }
  const [wo, bo] = params.slice(3 * layers) as [tf.Tensor2D, tf.Tensor1D];
  const logits = tf.add(tf.matMul(tf.concat(layerInput, 0), wo), bo);
  const logp = tf.logSoftmax(logits);
  const y = tf.oneHot(tf.tensor1d(batch.targets, 'int32'), V).toFloat();
  const w = tf.tensor2d(batch.weights, [batch.weights.length, 1]);
  const total = batch.weights.reduce((a, b) => a + b, 0);
  return tf.div(tf.neg(tf.sum(tf.mul(tf.mul(y, logp), w))), total) as tf.Scalar;
}

// H = 5 runs the cell in JavaScript and the recurrent products in tfjs; H = 8 runs them in the training kernel
// (train-kernels.ts: its cell steps need H a multiple of 4, its gemm one of 8), as every preset does.
const cases = [
  { layers: 1, features: [] as number[], H: 5 },
  { layers: 2, features: [] as number[], H: 5 },
  // Input features: each position's input projection is the sum of K = 3 rows, its gradient scattered into them.
  { layers: 1, features: [4, 3], H: 5 },
  { layers: 2, features: [4, 3], H: 5 },
  { layers: 1, features: [] as number[], H: 8 },
  { layers: 2, features: [4, 3], H: 8 },
];
for (const { layers, features, H } of cases) {
  test(`hand-written backward pass matches tfjs autodiff (${layers} layer${layers > 1 ? 's' : ''}${features.length ? ', input features' : ''}, H ${H})`, () => {
    const config: LstmConfig = {
      vocabularySize: 7,
      hiddenSize: H,
      layers,
      dropout: 0,
      ...(features.length ? { inputFeatures: { name: 'test', sizes: features } } : {}),
    };
    const weights = initialWeights(config, createRandom(3));
    const network = LstmNetwork.fromWeights(weights);
    const batch = randomBatch(3, 6, config.vocabularySize, 11, features);
    const carryRandom = createRandom(5);
    const h0 = Array.from({ length: layers }, () => tf.tensor2d(Array.from({ length: 3 * H }, () => carryRandom.normal() * 0.3), [3, H]));
    const c0 = Array.from({ length: layers }, () => tf.tensor2d(Array.from({ length: 3 * H }, () => carryRandom.normal() * 0.3), [3, H]));
    const result = network.trainStep(batch, { h: h0, c: c0 }, { dropoutSeed: 1 });
    const params = network.variables.map((v) => tf.clone(v));
    const { value, grads } = tf.valueAndGrads((...p: tf.Tensor[]) => referenceLoss(weights, batch, p, h0, c0))(params);
    const counted = batch.weights.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(result.lossSum.dataSync()[0]! / counted - value.dataSync()[0]!) < 1e-5, 'loss');
    grads.forEach((expected, k) => {
      const actual = result.gradients[k]!.dataSync();
      const want = expected.dataSync();
      assert.equal(actual.length, want.length);
      for (let e = 0; e < want.length; e++) {
        assert.ok(Math.abs(actual[e]! - want[e]!) < 1e-5, `gradient ${network.variables[k]!.name}[${e}]: ${actual[e]} vs ${want[e]}`);
      }
    });
    const lastH = result.carry.h[layers - 1]!.dataSync();
    assert.equal(lastH.length, 3 * H);
    if (features.length) {
      // The first kernel's gradient covers the token and feature rows; a batch without input rows is refused.
      const firstKernel = result.gradients[0]!.dataSync();
      assert.equal(firstKernel.length, inputSize(config) * 4 * config.hiddenSize);
      assert.throws(() => network.trainStep({ ...batch, inputRows: undefined }, { h: h0, c: c0 }, { dropoutSeed: 1 }), /inputRows/);
    }
    network.dispose();
  });
}

test('trainStepInto writes trainStep\'s gradients flat, and a network reading shared weights follows their changes', () => {
  const config: LstmConfig = { vocabularySize: 9, hiddenSize: 8, layers: 2, dropout: 0.25 };
  const weights = initialWeights(config, createRandom(4));
  const batch = randomBatch(5, 7, config.vocabularySize, 12);
  const network = LstmNetwork.fromWeights(weights);
  const carry = network.zeroCarry(5);
  const step = network.trainStep(batch, carry, { dropoutSeed: 3 });
  const flat = new Float32Array(network.parameterCount);
  const into = network.trainStepInto(batch, carry, { dropoutSeed: 3 }, flat);
  assert.equal(Math.fround(into.lossSum), step.lossSum.dataSync()[0]); // the tensor holds a float32
  let offset = 0;
  for (const gradient of step.gradients) {
    assert.deepEqual(flat.subarray(offset, offset + gradient.size), gradient.dataSync());
    offset += gradient.size;
  }
  assert.throws(() => network.trainStepInto(batch, carry, { dropoutSeed: 3 }, new Float32Array(5)), /the gradients take/);

  // Shared arrays: the network reads them at every call, so a change shows in the next step, as in a fresh network
  // made from the changed weights; its own variables are left as they were.
  const shared = flattenWeights(weights).map((w) => Float32Array.from(w));
  const reader = LstmNetwork.fromWeights(weights);
  reader.readWeightsFrom(shared);
  const outputBias = shared[shared.length - 1]!;
  outputBias[2] = (outputBias[2] ?? 0) + 3;
  const changed = LstmNetwork.fromWeights(unflattenWeights(config, shared));
  const a = reader.trainStep(batch, carry, { dropoutSeed: 3 });
  const b = changed.trainStep(batch, carry, { dropoutSeed: 3 });
  assert.equal(a.lossSum.dataSync()[0], b.lossSum.dataSync()[0]);
  assert.notEqual(a.lossSum.dataSync()[0], step.lossSum.dataSync()[0]);
  assert.deepEqual(reader.readWeights().outputBias, weights.outputBias);
  assert.throws(() => reader.readWeightsFrom(shared.slice(1)), /one array per variable/);
  for (const n of [network, reader, changed]) n.dispose();
});
