// The language model: token ids (+ optional input features, see input-features.ts) -> one-hot input -> LSTM layers (fused gates) -> dropout -> dense softmax.
//
// Forward AND backward are written out by hand with plain tfjs ops instead of tf.layers/autodiff because on
// the wasm backend the cost is dominated by (a) the number of op calls and (b) transposed matMuls, which skip
// XNNPACK and run 10-30x slower. So:
//  - every position has a target (teacher forcing over long chunks of B parallel song streams);
//  - the input projection of all time steps is ONE gather (one-hot x W is a row lookup) and its gradient ONE
//    oneHot^T x dGates matMul (the wasm backend has no UnsortedSegmentSum, so autodiff of gather fails);
//  - the recurrence is one [B,H] x [H,4H] matMul per step with gates fused as [i | f | o | g];
//  - weights are transposed once per batch so that every matMul, forward and backward, is untransposed;
//  - the weight gradients are single large matMuls over all time steps after the backward sweep.
// Data layout is time-major: position n = t * rows + r (step t of stream r).
import * as tf from '@tensorflow/tfjs';
import { createRandom, type Random } from '../generation/random.js';
import { checkWeightShapes, initialWeights, inputSize, inputWidth, type LstmConfig, type LstmWeights } from './lstm-weights.js';

/** One chunk of B parallel token streams, T steps each, time-major (index t * rows + r). */
export interface TokenBatch {
  readonly rows: number;
  readonly steps: number;
  readonly inputs: Int32Array;
  readonly targets: Int32Array;
  /** 1 where the target counts (0 on padding and on the first token of a song, which nothing predicts). */
  readonly weights: Float32Array;
  /** 1 where stream r's state is zeroed before step t (a new song starts there). */
  readonly resets: Uint8Array;
  /**
   * For a network with input features: the active first-layer input rows of every position, [T * B * K]
   * (K = inputWidth(config): the token, then one row per feature; see input-features.ts). Absent otherwise.
   */
  readonly inputRows?: Int32Array;
}

/** Recurrent state carried from one chunk to the next (not differentiated through). */
export interface LstmCarry {
  readonly h: readonly tf.Tensor2D[];
  readonly c: readonly tf.Tensor2D[];
}

export interface TrainStepResult {
  /** Gradients in the order of `LstmNetwork.variables`. */
  readonly gradients: tf.Tensor[];
  /** Sum of -ln p(target) over counted positions. */
  readonly lossSum: tf.Scalar;
  /** Number of counted positions whose target was the arg max. */
  readonly correct: tf.Scalar;
  readonly carry: LstmCarry;
}

/** How one call of `trainStep` draws its dropout masks and averages its loss. */
export interface TrainStepOptions {
  /**
   * Seed of the dropout masks. Each stream (row) of the whole batch draws its masks from its own sequence, derived
   * from this seed and its row index, so that a batch split by rows across replicas drops the same units as the
   * whole batch in one replica.
   */
  readonly dropoutSeed: number;
  /** Index of this batch's first row within the whole batch (default 0), for the dropout sequences. */
  readonly firstRow?: number;
  /**
   * The number of counted targets the loss is averaged over (default: this batch's). A replica given a share of
   * the batch's rows passes the whole batch's count, so that the replicas' gradients add up to the batch's.
   */
  readonly targetCount?: number;
}

export interface EvaluateResult {
  /** ln p(target) at every position [T * B] (also at positions whose weight is 0). */
  readonly targetLogProbs: tf.Tensor1D;
  readonly correct: tf.Scalar;
  readonly carry: LstmCarry;
}

interface StepTrace {
  readonly sig: tf.Tensor2D;
  readonly i: tf.Tensor2D;
  readonly f: tf.Tensor2D;
  readonly o: tf.Tensor2D;
  readonly g: tf.Tensor2D;
  readonly cPrev: tf.Tensor2D;
  readonly tanhC: tf.Tensor2D;
  readonly keep: tf.Tensor2D | null;
}

interface LayerTrace {
  readonly steps: StepTrace[];
  /** The state each step started from, after resets: [T * B, H]. */
  readonly hPrevAll: tf.Tensor2D;
  readonly outputs: tf.Tensor2D;
  readonly lastH: tf.Tensor2D;
  readonly lastC: tf.Tensor2D;
}

interface LayerVariables {
  readonly inputKernel: tf.Variable;
  readonly recurrentKernel: tf.Variable;
  readonly bias: tf.Variable;
}

export class LstmNetwork {
  readonly config: LstmConfig;
  private readonly layerVariables: LayerVariables[];
  private readonly outputKernel: tf.Variable;
  private readonly outputBias: tf.Variable;

  private constructor(weights: LstmWeights) {
    const { hiddenSize: H, vocabularySize: V } = weights.config;
    this.config = weights.config;
    const F = inputSize(weights.config);
    this.layerVariables = weights.layers.map((layer, index) => ({
      inputKernel: tf.variable(tf.tensor2d(layer.inputKernel, [index === 0 ? F : H, 4 * H]), true),
      recurrentKernel: tf.variable(tf.tensor2d(layer.recurrentKernel, [H, 4 * H]), true),
      bias: tf.variable(tf.tensor1d(layer.bias), true),
    }));
    this.outputKernel = tf.variable(tf.tensor2d(weights.outputKernel, [H, V]), true);
    this.outputBias = tf.variable(tf.tensor1d(weights.outputBias), true);
  }

  /** Fresh weights: uniform(+-1/sqrt(H)) as PyTorch's LSTM, forget-gate bias 1, Glorot output layer. */
  static create(config: LstmConfig, random: Random): LstmNetwork {
    return new LstmNetwork(initialWeights(config, random));
  }

  static fromWeights(weights: LstmWeights): LstmNetwork {
    checkWeightShapes(weights);
    return new LstmNetwork(weights);
  }

  /** Trainable variables in a fixed order: per layer input kernel, recurrent kernel, bias; then output kernel, bias. */
  get variables(): tf.Variable[] {
    return [
      ...this.layerVariables.flatMap((l) => [l.inputKernel, l.recurrentKernel, l.bias]),
      this.outputKernel,
      this.outputBias,
    ];
  }

  get parameterCount(): number {
    return this.variables.reduce((sum, v) => sum + v.size, 0);
  }

  readWeights(): LstmWeights {
    const copy = (v: tf.Variable): Float32Array => Float32Array.from(v.dataSync() as Float32Array);
    return {
      config: this.config,
      layers: this.layerVariables.map((l) => ({
        inputKernel: copy(l.inputKernel),
        recurrentKernel: copy(l.recurrentKernel),
        bias: copy(l.bias),
      })),
      outputKernel: copy(this.outputKernel),
      outputBias: copy(this.outputBias),
    };
  }

  /** Overwrites the weights in place (used to restore the best epoch). */
  assignWeights(weights: LstmWeights): void {
    checkWeightShapes(weights);
    const values = [
      ...weights.layers.flatMap((l) => [l.inputKernel, l.recurrentKernel, l.bias]),
      weights.outputKernel,
      weights.outputBias,
    ];
    this.variables.forEach((variable, index) => {
      const value = values[index] as Float32Array;
      tf.tidy(() => variable.assign(tf.tensor(value, variable.shape)));
    });
  }

  zeroCarry(rows: number): LstmCarry {
    const H = this.config.hiddenSize;
    const zeros = (): tf.Tensor2D[] => this.layerVariables.map(() => tf.zeros([rows, H]));
    return { h: zeros(), c: zeros() };
  }

  /** Loss and gradients of one chunk (teacher forcing), with dropout drawn as `options` says. */
  trainStep(batch: TokenBatch, carry: LstmCarry, options: TrainStepOptions): TrainStepResult {
    checkBatch(batch, this.config);
    const result = tf.tidy(() => {
      const dropout = this.config.dropout > 0 ? new DropoutMasks(batch, this.config.dropout, options.dropoutSeed, options.firstRow ?? 0) : null;
      const forward = this.forward(batch, carry, true, dropout);
      const { rows, steps } = batch;
      const n = rows * steps;
      const V = this.config.vocabularySize;
      const one = tf.scalar(1);

      const weightColumn = tf.tensor2d(batch.weights, [n, 1]);
      const targetMatrix = tf.tensor2d(targetOneHot(batch.targets, batch.weights, V), [n, V]);
      const lossSum = tf.neg(tf.sum(tf.mul(targetMatrix, forward.logProbs))) as tf.Scalar;
      const correct = countCorrect(forward.logits, batch);

      let counted = options.targetCount ?? 0;
      if (options.targetCount === undefined) for (let k = 0; k < n; k++) counted += batch.weights[k] ?? 0;
      const scale = 1 / Math.max(counted, 1);
      // d(mean NLL)/d logits = (softmax * w - onehot * w) / count
      const dLogits = tf.mul(tf.sub(tf.mul(tf.exp(forward.logProbs), weightColumn), targetMatrix), scale) as tf.Tensor2D;
      const topOutputs = forward.droppedTop;
      const gradOutputKernel = tf.matMul(tf.transpose(topOutputs), dLogits);
      const gradOutputBias = tf.reshape(tf.matMul(tf.ones([1, n]), dLogits), [V]);
      let dUpper = tf.matMul(dLogits, tf.transpose(this.outputKernel)) as tf.Tensor2D;
      if (forward.topMask) dUpper = tf.mul(dUpper, forward.topMask);

      const layerGradients: tf.Tensor[][] = [];
      for (let layer = this.layerVariables.length - 1; layer >= 0; layer--) {
        const vars = this.layerVariables[layer] as LayerVariables;
        const trace = forward.traces[layer] as LayerTrace;
        const dGates = this.backwardLayer(trace, dUpper, vars, rows, one);
        const gradRecurrent = tf.matMul(tf.transpose(trace.hPrevAll), dGates);
        let gradBias: tf.Tensor;
        let gradInput: tf.Tensor;
        if (layer === 0) {
          // oneHot^T x dGates is a segment sum of dGates rows by input token: done in JS it costs one pass over
          // dGates instead of a [V, T*B] x [T*B, 4H] matMul (V is in the hundreds). With input features each
          // position adds its dGates row into each of its K active rows.
          const F = inputSize(this.config);
          const ids = batch.inputRows ?? batch.inputs;
          const sums = segmentSums(dGates.dataSync() as Float32Array, ids, inputWidth(this.config), F, 4 * this.config.hiddenSize);
          gradInput = tf.tensor2d(sums.rows, [F, 4 * this.config.hiddenSize]);
          gradBias = tf.tensor1d(sums.total);
        } else {
          gradBias = tf.reshape(tf.matMul(tf.ones([1, n]), dGates), [4 * this.config.hiddenSize]);
          const below = forward.layerInputs[layer] as tf.Tensor2D;
          gradInput = tf.matMul(tf.transpose(below), dGates);
          dUpper = tf.matMul(dGates, tf.transpose(vars.inputKernel)) as tf.Tensor2D;
          const mask = forward.inputMasks[layer];
          if (mask) dUpper = tf.mul(dUpper, mask);
        }
        layerGradients.unshift([gradInput, gradRecurrent, gradBias]);
      }
      return {
        gradients: [...layerGradients.flat(), gradOutputKernel, gradOutputBias],
        lossSum,
        correct,
        carryH: [...forward.carry.h],
        carryC: [...forward.carry.c],
      };
    });
    return { gradients: result.gradients, lossSum: result.lossSum, correct: result.correct, carry: { h: result.carryH, c: result.carryC } };
  }

  /** Forward pass without dropout: ln p(target) at every position, and the carried state. */
  evaluate(batch: TokenBatch, carry: LstmCarry): EvaluateResult {
    checkBatch(batch, this.config);
    const result = tf.tidy(() => {
      const forward = this.forward(batch, carry, false, null);
      const n = batch.rows * batch.steps;
      const V = this.config.vocabularySize;
      const targetMatrix = tf.tensor2d(targetOneHot(batch.targets, null, V), [n, V]);
      const targetLogProbs = tf.sum(tf.mul(targetMatrix, forward.logProbs), 1) as tf.Tensor1D;
      return { targetLogProbs, correct: countCorrect(forward.logits, batch), carryH: [...forward.carry.h], carryC: [...forward.carry.c] };
    });
    return { targetLogProbs: result.targetLogProbs, correct: result.correct, carry: { h: result.carryH, c: result.carryC } };
  }

  /**
   * Logits after each of `tokens` for ONE stream (rows = 1), starting from `carry` (or zeros): [tokens, V].
   * Used for stateful tfjs inference (one token at a time) and the reference system's window re-feed.
   */
  predict(tokens: Int32Array, carry: LstmCarry | null, inputRows?: Int32Array): { logits: tf.Tensor2D; carry: LstmCarry } {
    const steps = tokens.length;
    const batch: TokenBatch = {
      rows: 1,
      steps,
      inputs: tokens,
      targets: new Int32Array(steps),
      weights: new Float32Array(steps),
      resets: new Uint8Array(steps),
      ...(inputRows ? { inputRows } : {}),
    };
    checkBatch(batch, this.config);
    const result = tf.tidy(() => {
      const start = carry ?? this.zeroCarry(1);
      const forward = this.forward(batch, start, false, null);
      return { logits: forward.logits, carryH: [...forward.carry.h], carryC: [...forward.carry.c] };
    });
    return { logits: result.logits, carry: { h: result.carryH, c: result.carryC } };
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }

  private forward(batch: TokenBatch, carry: LstmCarry, training: boolean, dropout: DropoutMasks | null) {
    const { rows, steps } = batch;
    const n = rows * steps;
    const H = this.config.hiddenSize;
    const keeps = resetKeeps(batch);
    const traces: LayerTrace[] = [];
    const layerInputs: (tf.Tensor2D | null)[] = [];
    const inputMasks: (tf.Tensor2D | null)[] = [];
    let below: tf.Tensor2D | null = null;
    this.layerVariables.forEach((vars, layer) => {
      let inputProjection: tf.Tensor2D;
      if (layer === 0) {
        // Few positions (inference): gather the rows in tfjs. Many (training): one JS lookup over a copy of the
        // table beats both the wasm gather kernel and a one-hot matMul.
        // With input features: the sum of each position's K active rows, always in JS.
        inputProjection = batch.inputRows
          ? tf.tensor2d(lookupRows(vars.inputKernel, vars.bias, batch.inputRows, inputWidth(this.config)), [n, 4 * H])
          : n < this.config.vocabularySize
            ? tf.add(tf.gather(vars.inputKernel, tf.tensor1d(batch.inputs, 'int32')), vars.bias)
            : tf.tensor2d(lookupRows(vars.inputKernel, vars.bias, batch.inputs, 1), [n, 4 * H]);
        layerInputs.push(null);
        inputMasks.push(null);
      } else {
        let input = below as tf.Tensor2D;
        const mask = dropout ? tf.tensor2d(dropout.next(H), [n, H]) : null;
        if (mask) input = tf.mul(input, mask);
        layerInputs.push(input);
        inputMasks.push(mask);
        inputProjection = tf.add(tf.matMul(input, vars.inputKernel), vars.bias);
      }
      const trace = forwardLayer(
        inputProjection,
        vars.recurrentKernel as tf.Tensor2D,
        carry.h[layer] as tf.Tensor2D,
        carry.c[layer] as tf.Tensor2D,
        keeps,
        rows,
        steps,
        H,
        training,
      );
      traces.push(trace);
      below = trace.outputs;
    });
    const topMask = dropout ? tf.tensor2d(dropout.next(H), [n, H]) : null;
    const top = below as unknown as tf.Tensor2D;
    const droppedTop = topMask ? tf.mul(top, topMask) : top;
    const logits = tf.add(tf.matMul(droppedTop, this.outputKernel), this.outputBias) as tf.Tensor2D;
    const logProbs = tf.logSoftmax(logits) as tf.Tensor2D;
    const nextCarry: LstmCarry = { h: traces.map((t) => t.lastH), c: traces.map((t) => t.lastC) };
    return { traces, layerInputs, inputMasks, topMask, droppedTop, logits, logProbs, carry: nextCarry };
  }

  /** Backpropagation through time for one layer: returns dLoss/dGates for all steps, [T * B, 4H]. */
  private backwardLayer(trace: LayerTrace, dOutputs: tf.Tensor2D, vars: LayerVariables, rows: number, one: tf.Scalar): tf.Tensor2D {
    const H = this.config.hiddenSize;
    const steps = trace.steps.length;
    const recurrentT = tf.transpose(vars.recurrentKernel) as tf.Tensor2D;
    const dGates: tf.Tensor2D[] = new Array<tf.Tensor2D>(steps);
    let dhNext: tf.Tensor2D | null = null;
    let dcNext: tf.Tensor2D | null = null;
    for (let t = steps - 1; t >= 0; t--) {
      const s = trace.steps[t] as StepTrace;
      let dh = tf.slice(dOutputs, [t * rows, 0], [rows, H]) as tf.Tensor2D;
      if (dhNext) dh = tf.add(dh, dhNext);
      // c_t = f c_{t-1} + i g ; h_t = o tanh(c_t)
      let dc = tf.mul(tf.mul(dh, s.o), tf.sub(one, tf.square(s.tanhC))) as tf.Tensor2D;
      if (dcNext) dc = tf.add(dc, dcNext);
      const dSigmoidOut = tf.concat([tf.mul(dc, s.g), tf.mul(dc, s.cPrev), tf.mul(dh, s.tanhC)], 1);
      const dSigmoidIn = tf.mul(dSigmoidOut, tf.mul(s.sig, tf.sub(one, s.sig)));
      const dCandidateIn = tf.mul(tf.mul(dc, s.i), tf.sub(one, tf.square(s.g)));
      const dG = tf.concat([dSigmoidIn, dCandidateIn], 1) as tf.Tensor2D;
      dGates[t] = dG;
      if (t > 0) {
        let dhPrev: tf.Tensor2D = tf.matMul(dG, recurrentT);
        let dcPrev: tf.Tensor2D = tf.mul(dc, s.f);
        if (s.keep) {
          dhPrev = tf.mul(dhPrev, s.keep);
          dcPrev = tf.mul(dcPrev, s.keep);
        }
        dhNext = dhPrev;
        dcNext = dcPrev;
      }
    }
    return tf.concat(dGates, 0);
  }
}

function forwardLayer(
  inputProjection: tf.Tensor2D,
  recurrentKernel: tf.Tensor2D,
  h0: tf.Tensor2D,
  c0: tf.Tensor2D,
  keeps: readonly (Float32Array | null)[],
  rows: number,
  steps: number,
  H: number,
  keepTrace: boolean,
): LayerTrace {
  let h = h0;
  let c = c0;
  const traces: StepTrace[] = [];
  const hPrev: tf.Tensor2D[] = [];
  const outputs: tf.Tensor2D[] = [];
  for (let t = 0; t < steps; t++) {
    const keepValues = keeps[t];
    const keep = keepValues ? tf.tensor2d(keepValues, [rows, 1]) : null;
    if (keep) {
      h = tf.mul(h, keep);
      c = tf.mul(c, keep);
    }
    hPrev.push(h);
    const gates = tf.add(tf.matMul(h, recurrentKernel), tf.slice(inputProjection, [t * rows, 0], [rows, 4 * H]));
    const sig = tf.sigmoid(tf.slice(gates, [0, 0], [rows, 3 * H])) as tf.Tensor2D;
    const g = tf.tanh(tf.slice(gates, [0, 3 * H], [rows, H])) as tf.Tensor2D;
    const i = tf.slice(sig, [0, 0], [rows, H]);
    const f = tf.slice(sig, [0, H], [rows, H]);
    const o = tf.slice(sig, [0, 2 * H], [rows, H]);
    const cPrev = c;
    c = tf.add(tf.mul(f, c), tf.mul(i, g));
    const tanhC = tf.tanh(c);
    h = tf.mul(o, tanhC);
    outputs.push(h);
    if (keepTrace) traces.push({ sig, i, f, o, g, cPrev, tanhC, keep });
  }
  return {
    steps: traces,
    hPrevAll: keepTrace ? tf.concat(hPrev, 0) : h,
    outputs: tf.concat(outputs, 0),
    lastH: h,
    lastC: c,
  };
}

/**
 * One-hot input times the input kernel, plus bias, for every position: a row lookup done in JS. (The wasm
 * GatherV2 kernel took ~30 ns per element, 25% of a training step; the one-hot matMul is slower still.)
 * `ids` holds `width` active rows per position (the token, then its features), summed.
 */
function lookupRows(kernel: tf.Variable, bias: tf.Variable, ids: Int32Array, width: number): Float32Array {
  const G = bias.size;
  const table = Float32Array.from(kernel.dataSync() as Float32Array);
  const biasValues = bias.dataSync() as Float32Array;
  if (width === 1) {
    for (let row = 0; row < table.length; row += G) {
      for (let j = 0; j < G; j++) table[row + j] = (table[row + j] ?? 0) + (biasValues[j] ?? 0);
    }
    const out = new Float32Array(ids.length * G);
    for (let k = 0; k < ids.length; k++) {
      const start = (ids[k] ?? 0) * G;
      out.set(table.subarray(start, start + G), k * G);
    }
    return out;
  }
  const positions = ids.length / width;
  const out = new Float32Array(positions * G);
  for (let p = 0; p < positions; p++) {
    const target = p * G;
    out.set(biasValues, target);
    for (let a = 0; a < width; a++) {
      const source = (ids[p * width + a] ?? 0) * G;
      for (let j = 0; j < G; j++) out[target + j] = (out[target + j] as number) + (table[source + j] as number);
    }
  }
  return out;
}

/** Per step: a [B] column of 0/1 multipliers when some stream starts a new song there, else null. */
function resetKeeps(batch: TokenBatch): (Float32Array | null)[] {
  const keeps: (Float32Array | null)[] = [];
  for (let t = 0; t < batch.steps; t++) {
    let keep: Float32Array | null = null;
    for (let r = 0; r < batch.rows; r++) {
      if (batch.resets[t * batch.rows + r]) {
        keep ??= new Float32Array(batch.rows).fill(1);
        keep[r] = 0;
      }
    }
    keeps.push(keep);
  }
  return keeps;
}

/**
 * Dropout masks of one batch, [T * B, width] each (0 or 1 / (1 - rate)), in the order the network asks for them.
 * Row r of the whole batch draws from its own sequence (seeded by the batch seed and r), so a replica holding rows
 * firstRow.. of the batch draws exactly their part of the whole batch's masks.
 */
class DropoutMasks {
  private readonly randoms: Random[];
  constructor(
    private readonly batch: TokenBatch,
    private readonly rate: number,
    seed: number,
    firstRow: number,
  ) {
    this.randoms = Array.from({ length: batch.rows }, (_, r) => createRandom(rowSeed(seed, firstRow + r)));
  }

  next(width: number): Float32Array {
    const { rows, steps } = this.batch;
    const values = new Float32Array(rows * steps * width);
    const kept = 1 / (1 - this.rate);
    for (let r = 0; r < rows; r++) {
      const random = this.randoms[r] as Random;
      for (let t = 0; t < steps; t++) {
        const start = (t * rows + r) * width;
        for (let j = 0; j < width; j++) values[start + j] = random.next() < this.rate ? 0 : kept;
      }
    }
    return values;
  }
}

function rowSeed(seed: number, row: number): number {
  return (Math.imul(seed ^ 0x85ebca6b, 0x9e3779b1) + Math.imul(row + 1, 0xc2b2ae35)) >>> 0;
}

/** [n, V] with row k = weight_k at the target (or 1 when weights is null). */
function targetOneHot(targets: Int32Array, weights: Float32Array | null, V: number): Float32Array {
  const values = new Float32Array(targets.length * V);
  for (let k = 0; k < targets.length; k++) values[k * V + (targets[k] ?? 0)] = weights ? (weights[k] ?? 0) : 1;
  return values;
}

/**
 * Row k of `values` ([n, width]) summed into rows ids[k * active .. k * active + active - 1] of a [F, width] result
 * (the K = `active` input rows of position k), and once into a total row (the bias gradient).
 */
function segmentSums(
  values: Float32Array,
  ids: Int32Array,
  active: number,
  F: number,
  width: number,
): { rows: Float32Array; total: Float32Array } {
  const rows = new Float32Array(F * width);
  const total = new Float32Array(width);
  const n = ids.length / active;
  for (let k = 0; k < n; k++) {
    const source = k * width;
    for (let a = 0; a < active; a++) {
      const target = (ids[k * active + a] ?? 0) * width;
      for (let j = 0; j < width; j++) rows[target + j] = (rows[target + j] as number) + (values[source + j] as number);
    }
    for (let j = 0; j < width; j++) total[j] = (total[j] as number) + (values[source + j] as number);
  }
  return { rows, total };
}

function countCorrect(logits: tf.Tensor2D, batch: TokenBatch): tf.Scalar {
  const predicted = tf.argMax(logits, 1);
  const hits = tf.cast(tf.equal(predicted, tf.tensor1d(batch.targets, 'int32')), 'float32');
  return tf.sum(tf.mul(hits, tf.tensor1d(batch.weights))) as tf.Scalar;
}

function checkBatch(batch: TokenBatch, config: LstmConfig): void {
  const V = config.vocabularySize;
  const n = batch.rows * batch.steps;
  if (batch.inputs.length !== n || batch.targets.length !== n || batch.weights.length !== n || batch.resets.length !== n) {
    throw new RangeError(`token batch arrays must all have rows * steps = ${n} entries`);
  }
  const width = inputWidth(config);
  if (width === 1 && batch.inputRows !== undefined) throw new RangeError('the network takes no input features, but the batch has input rows');
  if (width > 1) {
    const rows = batch.inputRows;
    if (rows?.length !== n * width) {
      throw new RangeError(`the network takes input features: the batch needs inputRows with ${n * width} entries (${width} per position)`);
    }
    const F = inputSize(config);
    for (let k = 0; k < rows.length; k++) {
      const row = rows[k]!;
      if (row < 0 || row >= F || (k % width === 0 && row !== batch.inputs[k / width])) {
        throw new RangeError(`input row ${row} at entry ${k} is not valid (the token id first, then feature rows below ${F})`);
      }
    }
  }
  for (let k = 0; k < n; k++) {
    const input = batch.inputs[k] ?? -1;
    const target = batch.targets[k] ?? -1;
    if (input < 0 || input >= V || target < 0 || target >= V) {
      throw new RangeError(`token id out of range at position ${k}: input ${input}, target ${target}, vocabulary ${V}`);
    }
  }
}

export { flattenWeights, initialWeights, unflattenWeights, weightSizes } from './lstm-weights.js';
export type { LstmConfig, LstmLayerWeights, LstmWeights } from './lstm-weights.js';
