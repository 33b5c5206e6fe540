// Starting a network from a trained one whose vocabulary differs (e.g. a multi-style model from the German-only
// `lookback` model: the new vocabulary adds style tokens and the pitch/length pairs of the Chinese songs). Weights
// are carried over token by token, by token text; what the old network has no row for starts as a fresh network
// would. Training from scratch on the whole collection would cost the two hours the old model already spent.
//
// The first layer's input rows are the token's one-hot, then each input feature's one-hot (lstm-weights.ts). A
// feature with V + 2 values in both networks is token-valued (the lookback features' token one and two bars back,
// plus "none" and "no bar"): its rows are mapped like the tokens. Every other feature must have the same size in
// both networks and is copied as it is. The new network may add features after the old one's (e.g. the song's style
// at every step): their rows start at zero, so that the new network at first computes exactly what the old one did.
import { initialWeights, inputSize, type LstmConfig, type LstmLayerWeights, type LstmWeights } from '../network/lstm-weights.js';
import type { Random } from '../generation/random.js';

export class WarmStartError extends Error {
  override readonly name = 'WarmStartError';
}

export interface WarmStart {
  readonly weights: LstmWeights;
  /** Tokens of the new vocabulary that the old network knew. */
  readonly carried: number;
  /** Tokens new to the network (fresh rows and columns). */
  readonly fresh: readonly string[];
}

/** For each new token id, the old id of the same text, or -1. */
function tokenMap(oldVocabulary: readonly string[], newVocabulary: readonly string[]): Int32Array {
  const oldIds = new Map(oldVocabulary.map((token, id) => [token, id] as const));
  return Int32Array.from(newVocabulary, (token) => oldIds.get(token) ?? -1);
}

/** Marks a new input row that starts at zero (a feature the old network did not have). */
const ZERO_ROW = -2;

/** Old input row for each new input row of the first layer, -1 for a fresh one, ZERO_ROW for a zero one. */
function inputRowMap(from: LstmConfig, to: LstmConfig, tokens: Int32Array): Int32Array {
  const oldSizes = from.inputFeatures?.sizes ?? [];
  const newSizes = to.inputFeatures?.sizes ?? [];
  const addsFeatures = newSizes.length > oldSizes.length && oldSizes.length > 0;
  if (!addsFeatures && (oldSizes.length !== newSizes.length || from.inputFeatures?.name !== to.inputFeatures?.name)) {
    throw new WarmStartError(
      `the old network's input features (${from.inputFeatures?.name ?? 'none'}) differ from the new one's (${to.inputFeatures?.name ?? 'none'})`,
    );
  }
  const map = new Int32Array(inputSize(to)).fill(-1);
  map.set(tokens, 0);
  let oldOffset = from.vocabularySize;
  let newOffset = to.vocabularySize;
  newSizes.forEach((size, k) => {
    const oldSize = oldSizes[k];
    if (oldSize === undefined) {
      map.fill(ZERO_ROW, newOffset, newOffset + size);
      newOffset += size;
      return;
    }
    if (size === to.vocabularySize + 2 && oldSize === from.vocabularySize + 2) {
      for (let v = 0; v < to.vocabularySize; v++) map[newOffset + v] = tokens[v]! < 0 ? -1 : oldOffset + tokens[v]!;
      map[newOffset + to.vocabularySize] = oldOffset + from.vocabularySize;
      map[newOffset + to.vocabularySize + 1] = oldOffset + from.vocabularySize + 1;
    } else if (size === oldSize) {
      for (let v = 0; v < size; v++) map[newOffset + v] = oldOffset + v;
    } else {
      throw new WarmStartError(`input feature ${k} has ${oldSize} values in the old network and ${size} in the new`);
    }
    oldOffset += oldSize;
    newOffset += size;
  });
  return map;
}

/** Copies rows of `width` floats from `source` into `target` where `map` names one, and zeroes ZERO_ROW rows. */
function copyRows(target: Float32Array, source: Float32Array, map: Int32Array, width: number): void {
  map.forEach((from, to) => {
    if (from >= 0) target.set(source.subarray(from * width, (from + 1) * width), to * width);
    else if (from === ZERO_ROW) target.fill(0, to * width, (to + 1) * width);
  });
}

/**
 * Weights for a network of `config` over `vocabulary`, taken from `old` (over `oldVocabulary`) where the token is
 * the same and fresh (as `initialWeights` with `random`) elsewhere. A new token's output bias starts at the old
 * biases' 10th percentile, so that new tokens begin rare rather than at even odds.
 */
export function warmStartWeights(
  old: LstmWeights,
  oldVocabulary: readonly string[],
  config: LstmConfig,
  vocabulary: readonly string[],
  random: Random,
): WarmStart {
  const from = old.config;
  if (from.hiddenSize !== config.hiddenSize || from.layers !== config.layers) {
    throw new WarmStartError(`the old network is ${from.layers} x ${from.hiddenSize}, the new one ${config.layers} x ${config.hiddenSize}`);
  }
  if (vocabulary.length !== config.vocabularySize) throw new WarmStartError('the vocabulary does not match the network');
  const tokens = tokenMap(oldVocabulary, vocabulary);
  const fresh = initialWeights(config, random);
  const H = config.hiddenSize;
  const layers: LstmLayerWeights[] = fresh.layers.map((layer, index) => {
    const source = old.layers[index]!;
    if (index > 0) return source;
    const inputKernel = layer.inputKernel.slice();
    copyRows(inputKernel, source.inputKernel, inputRowMap(from, config, tokens), 4 * H);
    return { inputKernel, recurrentKernel: source.recurrentKernel, bias: source.bias };
  });
  const V = config.vocabularySize;
  const outputKernel = fresh.outputKernel.slice();
  for (let h = 0; h < H; h++) {
    for (let v = 0; v < V; v++) if (tokens[v]! >= 0) outputKernel[h * V + v] = old.outputKernel[h * from.vocabularySize + tokens[v]!]!;
  }
  const sortedBias = Float32Array.from(old.outputBias).sort();
  const rareBias = sortedBias[Math.floor(sortedBias.length * 0.1)] ?? 0;
  const outputBias = Float32Array.from(tokens, (id) => (id >= 0 ? old.outputBias[id]! : rareBias));
  return {
    weights: { config, layers, outputKernel, outputBias },
    carried: tokens.filter((id) => id >= 0).length,
    fresh: vocabulary.filter((_, id) => tokens[id]! < 0),
  };
}
