// Generation with tfjs ops, for comparison with the plain-JS stepper of generator.ts: the reference system's
// window re-feed and a tfjs one-step predictor. Kept apart so that composing never loads tfjs.
import * as tf from '@tensorflow/tfjs';
import type { MelodyEvent } from '../../music/types.js';
import type { Encoding } from '../encodings/encoding.js';
import { sampleTune, type GenerateOptions, type LoadedGenerator, type TokenPredictor } from './generator.js';
import { featureTracker, inputRows } from '../encodings/input-features.js';
import { LstmNetwork } from '../network/lstm-network.js';

/** Stateful generation with tfjs ops (one step per token): to compare with the plain-JS stepper. */
export function tfjsStatefulPredictor(network: LstmNetwork, encoding: Encoding): TokenPredictor & { dispose(): void } {
  const rows = inputRows(network.config, featureTracker(encoding, network.config));
  const features = network.config.inputFeatures !== undefined;
  let carry: { h: readonly tf.Tensor2D[]; c: readonly tf.Tensor2D[] } | null = null;
  let last = new Float32Array(network.config.vocabularySize);
  const drop = (): void => {
    if (carry) tf.dispose([...carry.h, ...carry.c]);
    carry = null;
  };
  return {
    reset: (start) => {
      drop();
      rows.reset(start);
    },
    feed: (token) => {
      const active = rows.next(token);
      const result = network.predict(Int32Array.of(token), carry, features ? Int32Array.from(active) : undefined);
      drop();
      carry = result.carry;
      last = Float32Array.from(result.logits.dataSync() as Float32Array);
      result.logits.dispose();
    },
    logits: () => last,
    dispose: drop,
  };
}

/**
 * The reference system's generation: for every new token the whole window of the last `window` tokens is run
 * through the network from a zero state (tfjs ops, as its model.predict did). Same weights, same sampling.
 */
export function windowRefeedPredictor(network: LstmNetwork, encoding: Encoding, window = 64): TokenPredictor {
  const rows = inputRows(network.config, featureTracker(encoding, network.config));
  const features = network.config.inputFeatures !== undefined;
  const history: number[] = [];
  // Input rows of every token fed: the features (position in the bar) follow the whole tune, not just the window.
  const historyRows: number[] = [];
  return {
    reset: (start) => {
      history.length = 0;
      historyRows.length = 0;
      rows.reset(start);
    },
    feed: (token) => {
      history.push(token);
      historyRows.push(...rows.next(token));
    },
    logits: () => {
      const recent = Int32Array.from(history.slice(-window));
      const recentRows = features ? Int32Array.from(historyRows.slice(-window * rows.width)) : undefined;
      const result = network.predict(recent, null, recentRows);
      const V = network.config.vocabularySize;
      const all = result.logits.dataSync() as Float32Array;
      const last = Float32Array.from(all.subarray((recent.length - 1) * V, recent.length * V));
      tf.dispose([result.logits, ...result.carry.h, ...result.carry.c]);
      return last;
    },
  };
}

/** `generate` as the reference system did it (window re-feed), on a loaded generator's weights. */
export function generateWithWindowRefeed(generator: LoadedGenerator, options: GenerateOptions, window = 64): readonly MelodyEvent[] {
  const network = LstmNetwork.fromWeights(generator.weights, { kernel: false });
  try {
    return sampleTune(generator.encoding, windowRefeedPredictor(network, generator.encoding, window), options);
  } finally {
    network.dispose();
  }
}
