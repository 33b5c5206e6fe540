import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/model/network/backend.js';
import { LstmStepper } from '../../src/model/network/lstm-inference.js';
import { initialWeights, LstmNetwork, type LstmConfig } from '../../src/model/network/lstm-network.js';
import { createRandom } from '../../src/model/generation/random.js';
import { evaluateSongs } from '../../src/model/training/train-evaluate.js';
import { cyclicSongs } from './synthetic-encoding.js';

await initBackend();

for (const [layers, simd] of [[1, true], [2, true], [2, false]] as const) {
  test(`the tfjs-free step (${simd ? 'wasm SIMD kernel' : 'JS loops'}) equals the tfjs forward pass (${layers} layer${layers > 1 ? 's' : ''})`, () => {
    const config: LstmConfig = { vocabularySize: 9, hiddenSize: 24, layers, dropout: 0.3 };
    // Larger weights than the initialisation so that the gates saturate differently across units.
    const weights = initialWeights(config, createRandom(21));
    for (const layer of weights.layers) for (const a of [layer.inputKernel, layer.recurrentKernel]) a.forEach((v, k) => (a[k] = v * 3));
    const network = LstmNetwork.fromWeights(weights);
    const stepper = new LstmStepper(weights, { simd });
    assert.equal(stepper.simd, simd);
    const tokens = Int32Array.from({ length: 40 }, (_, k) => (k * 7 + 3) % 9);
    const { logits } = network.predict(tokens, null);
    const expected = logits.dataSync();
    stepper.reset();
    tokens.forEach((token, t) => {
      const actual = stepper.step(token);
      for (let v = 0; v < 9; v++) {
        assert.ok(Math.abs(actual[v]! - expected[t * 9 + v]!) < 1e-4, `step ${t}, logit ${v}: ${actual[v]} vs ${expected[t * 9 + v]}`);
      }
    });
    // Batched evaluation of several songs in parallel streams gives each song's own log-probabilities.
    const songs = cyclicSongs(5, 7, 4);
    const evaluation = evaluateSongs(network, songs, 2, 8);
    songs.forEach((song, s) => {
      const fromStepper = stepper.logProbs(song);
      fromStepper.forEach((value, i) => assert.ok(Math.abs(value - evaluation.logProbs[s]![i]!) < 1e-4, `song ${s} token ${i}`));
    });
    tf.dispose(logits);
    network.dispose();
  });
}

for (const simd of [true, false]) {
  test(`logits with a mask (${simd ? 'SIMD' : 'JS'}) compute the allowed tokens bit for bit as without one, the others -Infinity`, () => {
    const config: LstmConfig = { vocabularySize: 37, hiddenSize: 16, layers: 2, dropout: 0 };
    const stepper = new LstmStepper(initialWeights(config, createRandom(3)), { simd });
    stepper.reset();
    const random = createRandom(4);
    for (let t = 0; t < 12; t++) {
      stepper.advance(random.int(37));
      const full = Float32Array.from(stepper.logits());
      const allowed = Uint8Array.from({ length: 37 }, () => (random.next() < 0.4 ? 1 : 0));
      const masked = stepper.logits(allowed);
      allowed.forEach((bit, v) => assert.ok(Object.is(masked[v], bit ? full[v] : -Infinity), `step ${t}, token ${v}`));
    }
    assert.throws(() => stepper.logits(new Uint8Array(5)), /the mask has 5 entries but the vocabulary 37/);
  });
}
