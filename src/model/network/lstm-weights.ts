// The LSTM's configuration and weights as plain Float32Arrays: what model folders store and what inference
// reads. Free of tfjs, so loading a model to compose does not load TensorFlow.js.
import type { InputFeatureSpec } from '../encodings/encoding.js';
import type { Random } from '../generation/random.js';

export interface LstmConfig {
  readonly vocabularySize: number;
  readonly hiddenSize: number;
  readonly layers: number;
  /** Dropout rate on each layer's output during training (0 = none). */
  readonly dropout: number;
  /**
   * Categorical features fed beside each token (the encoding's `inputFeatures`); absent = the token alone. The
   * first layer's input is then the token's one-hot followed by one one-hot per feature: inputSize rows.
   */
  readonly inputFeatures?: InputFeatureSpec;
}

/** Rows of the first layer's input kernel: the vocabulary plus every feature's values. */
export function inputSize(config: LstmConfig): number {
  return config.vocabularySize + (config.inputFeatures?.sizes.reduce((sum, size) => sum + size, 0) ?? 0);
}

/** Active input rows per input step: the token plus one per feature. */
export function inputWidth(config: LstmConfig): number {
  return 1 + (config.inputFeatures?.sizes.length ?? 0);
}

/** Row-major weights; gate blocks in the 4H axis are ordered input, forget, output, candidate. */
export interface LstmLayerWeights {
  /** [inputSize, 4H]; for the first layer inputSize(config) (one-hot token and features), else H. */
  readonly inputKernel: Float32Array;
  /** [H, 4H] */
  readonly recurrentKernel: Float32Array;
  /** [4H] */
  readonly bias: Float32Array;
}

export interface LstmWeights {
  readonly config: LstmConfig;
  readonly layers: readonly LstmLayerWeights[];
  /** [H, V] */
  readonly outputKernel: Float32Array;
  /** [V] */
  readonly outputBias: Float32Array;
}

export function initialWeights(config: LstmConfig, random: Random): LstmWeights {
  const { hiddenSize: H, vocabularySize: V, layers } = config;
  const first = inputSize(config);
  const uniform = (size: number, limit: number): Float32Array => {
    const values = new Float32Array(size);
    for (let k = 0; k < size; k++) values[k] = (random.next() * 2 - 1) * limit;
    return values;
  };
  const limit = 1 / Math.sqrt(H);
  const layerWeights: LstmLayerWeights[] = [];
  for (let layer = 0; layer < layers; layer++) {
    const rows = layer === 0 ? first : H;
    const bias = new Float32Array(4 * H);
    bias.fill(1, H, 2 * H); // forget gate starts open
    layerWeights.push({ inputKernel: uniform(rows * 4 * H, limit), recurrentKernel: uniform(H * 4 * H, limit), bias });
  }
  return {
    config,
    layers: layerWeights,
    outputKernel: uniform(H * V, Math.sqrt(6 / (H + V))),
    outputBias: new Float32Array(V),
  };
}

/** Expected element counts, for checking weights read from disk. */
export function weightSizes(config: LstmConfig): number[] {
  const { hiddenSize: H, vocabularySize: V, layers } = config;
  const sizes: number[] = [];
  for (let layer = 0; layer < layers; layer++) sizes.push((layer === 0 ? inputSize(config) : H) * 4 * H, H * 4 * H, 4 * H);
  sizes.push(H * V, V);
  return sizes;
}

export function flattenWeights(weights: LstmWeights): Float32Array[] {
  return [...weights.layers.flatMap((l) => [l.inputKernel, l.recurrentKernel, l.bias]), weights.outputKernel, weights.outputBias];
}

export function unflattenWeights(config: LstmConfig, arrays: readonly Float32Array[]): LstmWeights {
  const layers: LstmLayerWeights[] = [];
  for (let layer = 0; layer < config.layers; layer++) {
    layers.push({
      inputKernel: arrays[3 * layer] as Float32Array,
      recurrentKernel: arrays[3 * layer + 1] as Float32Array,
      bias: arrays[3 * layer + 2] as Float32Array,
    });
  }
  const weights = {
    config,
    layers,
    outputKernel: arrays[3 * config.layers] as Float32Array,
    outputBias: arrays[3 * config.layers + 1] as Float32Array,
  };
  checkWeightShapes(weights);
  return weights;
}

export function checkWeightShapes(weights: LstmWeights): void {
  const expected = weightSizes(weights.config);
  const actual = flattenWeights(weights).map((a) => (a instanceof Float32Array ? a.length : -1));
  if (weights.layers.length !== weights.config.layers || expected.length !== actual.length || expected.some((size, k) => size !== actual[k])) {
    throw new RangeError(`weight sizes [${actual.join(', ')}] do not match the configuration (expected [${expected.join(', ')}])`);
  }
}
