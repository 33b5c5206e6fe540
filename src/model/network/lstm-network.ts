// The language model: token ids (+ optional input features, see input-features.ts) -> one-hot input -> LSTM layers (fused gates) -> dropout -> dense softmax.
//
// Forward AND backward are written out by hand instead of tf.layers/autodiff. On the wasm backend the cost of
// small ops is their number (each tfjs op call costs tens of microseconds, more than its arithmetic at these sizes)
// and transposed matMuls skip XNNPACK and run 10-30x slower. So tfjs runs only the matrix products, always
// untransposed (XNNPACK), and everything elementwise runs in plain JavaScript over Float32Arrays:
//  - every position has a target (teacher forcing over long chunks of B parallel song streams);
//  - the first layer's input projection of all time steps is a row lookup in JS (one-hot x W), its gradient a
//    segment sum in JS (the wasm backend has no UnsortedSegmentSum; a one-hot matMul is far slower);
//  - the recurrence is one [B,H] x [H,4H] matMul per step with gates fused as [i | f | o | g]; the gate
//    nonlinearities, the cell update and their derivatives are one JS loop per step, forward and backward
//    (measured: the tfjs version spent ~2,500 op calls per batch, about half of the batch's time, on them);
//  - the softmax, loss, accuracy and dLogits are one JS pass over the logits;
//  - weights are transposed once per batch and activations in JS, so that every matMul is untransposed;
//  - the weight gradients are single large matMuls over all time steps after the backward sweep.
// Data layout is time-major: position n = t * rows + r (step t of stream r).
import * as tf from '@tensorflow/tfjs';
import { createRandom, type Random } from '../generation/random.js';
import { readInto } from './backend.js';
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
  /** Work arrays of the training step, kept from call to call (megabytes each: reallocating them cost GC time). */
  private readonly scratch = new Map<string, Float32Array>();

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
    const { rows, steps } = batch;
    const n = rows * steps;
    const H = this.config.hiddenSize;
    const V = this.config.vocabularySize;
    const G = 4 * H;
    const dropout = this.config.dropout > 0 ? new DropoutMasks(batch, this.config.dropout, options.dropoutSeed, options.firstRow ?? 0) : null;
    const forward = this.forward(batch, carry, dropout, true);
    let counted = options.targetCount ?? 0;
    if (options.targetCount === undefined) for (let k = 0; k < n; k++) counted += batch.weights[k] ?? 0;
    // d(mean NLL)/d logits = (softmax - onehot) * w / count, written over the logits.
    const logits = this.logits(forward.top, n);
    const head = softmaxCrossEntropy(logits, batch, V, 1 / Math.max(counted, 1), null);
    const dLogits = logits;
    const result = tf.tidy(() => {
      const dLogitsTensor = tf.tensor2d(dLogits, [n, V]);
      const gradOutputKernel = tf.matMul(tf.tensor2d(transpose(forward.top, n, H, this.take('topT', n * H)), [H, n]), dLogitsTensor);
      const gradOutputBias = tf.tensor1d(columnSums(dLogits, n, V));
      let dUpper = readMatMul(dLogitsTensor, tf.transpose(this.outputKernel));
      if (forward.topMask) multiplyInPlace(dUpper, forward.topMask);
      const layerGradients: tf.Tensor[][] = [];
      for (let layer = this.layerVariables.length - 1; layer >= 0; layer--) {
        const vars = this.layerVariables[layer] as LayerVariables;
        const trace = forward.traces[layer] as LayerTrace;
        const dGates = backwardLayer(trace, dUpper, tf.transpose(vars.recurrentKernel), batch, H, this.take);
        const dGatesTensor = tf.tensor2d(dGates, [n, G]);
        const gradRecurrent = tf.matMul(tf.tensor2d(trace.hPrevT as Float32Array, [H, n]), dGatesTensor);
        let gradBias: tf.Tensor;
        let gradInput: tf.Tensor;
        if (layer === 0) {
          // oneHot^T x dGates is a segment sum of dGates rows by input row: one pass over dGates instead of a
          // [F, T*B] x [T*B, 4H] matMul. With input features each position adds its row into each of its K rows.
          const F = inputSize(this.config);
          const sums = segmentSums(dGates, batch.inputRows ?? batch.inputs, inputWidth(this.config), F, G, V);
          gradInput = tf.tensor2d(sums.rows, [F, G]);
          gradBias = tf.tensor1d(sums.total);
        } else {
          gradBias = tf.tensor1d(columnSums(dGates, n, G));
          gradInput = tf.matMul(tf.tensor2d(transpose(trace.input as Float32Array, n, H, this.take('inputT', n * H)), [H, n]), dGatesTensor);
          dUpper = readMatMul(dGatesTensor, tf.transpose(vars.inputKernel));
          if (trace.inputMask) multiplyInPlace(dUpper, trace.inputMask);
        }
        layerGradients.unshift([gradInput, gradRecurrent, gradBias]);
      }
      return { gradients: [...layerGradients.flat(), gradOutputKernel, gradOutputBias] };
    });
    return {
      gradients: result.gradients,
      lossSum: tf.scalar(head.lossSum),
      correct: tf.scalar(head.correct),
      carry: this.carryTensors(forward, rows),
    };
  }

  /** Forward pass without dropout: ln p(target) at every position, and the carried state. */
  evaluate(batch: TokenBatch, carry: LstmCarry): EvaluateResult {
    checkBatch(batch, this.config);
    const n = batch.rows * batch.steps;
    const forward = this.forward(batch, carry, null, false);
    const targetLogProbs = new Float32Array(n);
    const head = softmaxCrossEntropy(this.logits(forward.top, n), batch, this.config.vocabularySize, null, targetLogProbs);
    return { targetLogProbs: tf.tensor1d(targetLogProbs), correct: tf.scalar(head.correct), carry: this.carryTensors(forward, batch.rows) };
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
    const start = carry ?? this.zeroCarry(1);
    const forward = this.forward(batch, start, null, false);
    if (!carry) tf.dispose([...start.h, ...start.c]);
    return { logits: tf.tensor2d(this.logits(forward.top, steps), [steps, this.config.vocabularySize]), carry: this.carryTensors(forward, 1) };
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
    this.scratch.clear();
  }

  /** A reused work array of `size` floats named `key` (zeroed when `zero`), valid until the next call that takes it. */
  private readonly take: Take = (key, size, zero = false) => {
    let buffer = this.scratch.get(key);
    if (buffer?.length !== size) {
      buffer = new Float32Array(size);
      this.scratch.set(key, buffer);
    } else if (zero) buffer.fill(0);
    return buffer;
  };

  private forward(batch: TokenBatch, carry: LstmCarry, dropout: DropoutMasks | null, keepTrace: boolean): Forward {
    const { rows, steps } = batch;
    const n = rows * steps;
    const H = this.config.hiddenSize;
    const traces: LayerTrace[] = [];
    let below: Float32Array | null = null;
    this.layerVariables.forEach((vars, layer) => {
      let inputProjection: Float32Array;
      let input: Float32Array | null = null;
      let inputMask: Float32Array | null = null;
      if (layer === 0) {
        // A few positions without features (one-token inference): gather the rows in tfjs, which saves copying
        // the table. Otherwise: a JS lookup (the wasm gather kernel took ~30 ns an element).
        inputProjection =
          !batch.inputRows && n < this.config.vocabularySize
            ? tf.tidy(() => tf.add(tf.gather(vars.inputKernel, tf.tensor1d(batch.inputs, 'int32')), vars.bias).dataSync() as Float32Array)
            : lookupRows(vars.inputKernel, vars.bias, batch.inputRows ?? batch.inputs, inputWidth(this.config), this.take('projection', n * 4 * H));
      } else {
        input = below as Float32Array;
        if (dropout) {
          inputMask = dropout.next(H);
          input = multiplied(input, inputMask);
        }
        const x = input;
        inputProjection = tf.tidy(() => tf.add(tf.matMul(tf.tensor2d(x, [n, H]), vars.inputKernel), vars.bias).dataSync() as Float32Array);
      }
      const h0 = (carry.h[layer] as tf.Tensor2D).dataSync() as Float32Array;
      const c0 = (carry.c[layer] as tf.Tensor2D).dataSync() as Float32Array;
      const trace = forwardLayer(inputProjection, vars.recurrentKernel, h0, c0, batch, H, keepTrace ? (key, size) => this.take(`${key}${layer}`, size) : null);
      traces.push({ ...trace, input, inputMask });
      below = trace.outputs;
    });
    const top = below as unknown as Float32Array;
    const topMask = dropout ? dropout.next(H) : null;
    return { traces, top: topMask ? multiplied(top, topMask) : top, topMask };
  }

  /** [n, V] logits of the (dropped-out) top layer outputs, the output bias added. */
  private logits(top: Float32Array, n: number): Float32Array {
    const H = this.config.hiddenSize;
    const V = this.config.vocabularySize;
    const logits = readMatMul(tf.tensor2d(top, [n, H]), this.outputKernel, true, this.take('logits', n * V));
    const bias = this.outputBias.dataSync() as Float32Array;
    for (let k = 0; k < n; k++) {
      const row = k * V;
      for (let v = 0; v < V; v++) logits[row + v] = (logits[row + v] as number) + (bias[v] as number);
    }
    return logits;
  }

  private carryTensors(forward: Forward, rows: number): LstmCarry {
    const H = this.config.hiddenSize;
    return { h: forward.traces.map((t) => tf.tensor2d(t.lastH, [rows, H])), c: forward.traces.map((t) => tf.tensor2d(t.lastC, [rows, H])) };
  }
}

interface LayerTrace {
  /** [T * B, H]: h at every step. */
  readonly outputs: Float32Array;
  readonly lastH: Float32Array;
  readonly lastC: Float32Array;
  /** The gates after their nonlinearities, [T * B, 4H] as [i | f | o | g] (training only). */
  readonly gates: Float32Array | null;
  /** The cell state each step started from (after resets), [T * B, H] (training only). */
  readonly cPrev: Float32Array | null;
  /** tanh of the new cell state, [T * B, H] (training only). */
  readonly tanhC: Float32Array | null;
  /** The state each step started from (after resets), transposed: [H, T * B] (training only). */
  readonly hPrevT: Float32Array | null;
  /** The layer's input below the first layer (after dropout), [T * B, H], and its dropout mask. */
  readonly input: Float32Array | null;
  readonly inputMask: Float32Array | null;
}

interface Forward {
  readonly traces: LayerTrace[];
  /** The top layer's outputs after dropout, [T * B, H]. */
  readonly top: Float32Array;
  readonly topMask: Float32Array | null;
}

type Take = (key: string, size: number, zero?: boolean) => Float32Array;

/** a x b read back into JS (into `target` when given); a is disposed (it is a temporary), b unless `keepB`. */
function readMatMul(a: tf.Tensor, b: tf.Tensor, keepB = false, target?: Float32Array): Float32Array {
  const product = tf.matMul(a, b);
  const values = target ? readInto(product, target) : (product.dataSync() as Float32Array);
  tf.dispose(keepB ? [a, product] : [a, b, product]);
  return values;
}

/**
 * One layer over all steps. Per step tfjs runs the gates, sigmoid(h x W + x_t), in one vectorised pass over all
 * four blocks: the candidate block's pre-activations are doubled, so that its sigmoid gives tanh as 2 sigmoid(2z) - 1
 * (JS Math.exp/tanh per element cost more than the ops they save). The cell update runs in JS.
 */
function forwardLayer(
  inputProjection: Float32Array,
  recurrentKernel: tf.Variable,
  h0: Float32Array,
  c0: Float32Array,
  batch: TokenBatch,
  H: number,
  take: Take | null,
): Omit<LayerTrace, 'input' | 'inputMask'> {
  const { rows, steps, resets } = batch;
  const n = rows * steps;
  const G = 4 * H;
  const outputs = new Float32Array(n * H);
  const gates = take?.('gates', n * G) ?? null;
  const cPrev = take?.('cPrev', n * H) ?? null;
  const tanhC = take?.('tanhC', n * H) ?? null;
  const hPrevT = take?.('hPrevT', H * n) ?? null;
  const activated = new Float32Array(rows * G);
  const h = Float32Array.from(h0);
  const c = Float32Array.from(c0);
  for (let p = 0; p < n; p++) {
    for (let j = p * G + 3 * H; j < (p + 1) * G; j++) inputProjection[j] = 2 * (inputProjection[j] as number);
  }
  const scale = new Float32Array(G).fill(1, 0, 3 * H).fill(2, 3 * H);
  const kernel = tf.tidy(() => tf.mul(recurrentKernel, tf.tensor1d(scale)));
  for (let t = 0; t < steps; t++) {
    const base = t * rows;
    for (let r = 0; r < rows; r++) {
      if (resets[base + r]) {
        h.fill(0, r * H, (r + 1) * H);
        c.fill(0, r * H, (r + 1) * H);
      }
    }
    if (hPrevT) {
      for (let r = 0; r < rows; r++) for (let j = 0; j < H; j++) hPrevT[j * n + base + r] = h[r * H + j] as number;
    }
    // h x W read back, x_t added in JS, then one vectorised sigmoid: three tfjs calls a step (each costs tens of
    // microseconds of engine overhead, as much as the arithmetic of a 16-row step).
    const state = tf.tensor2d(h, [rows, H]);
    const product = tf.matMul(state, kernel);
    readInto(product, activated);
    const offset = base * G;
    for (let k = 0; k < rows * G; k++) activated[k] = (activated[k] as number) + (inputProjection[offset + k] as number);
    const pre = tf.tensor2d(activated, [rows, G]);
    const sigmoid = tf.sigmoid(pre);
    readInto(sigmoid, activated);
    tf.dispose([state, product, pre, sigmoid]);
    for (let r = 0; r < rows; r++) {
      const z = r * G;
      const x = (base + r) * G;
      const p = (base + r) * H;
      const s = r * H;
      for (let j = 0; j < H; j++) {
        const i = activated[z + j] as number;
        const f = activated[z + H + j] as number;
        const o = activated[z + 2 * H + j] as number;
        const g = 2 * (activated[z + 3 * H + j] as number) - 1;
        const before = c[s + j] as number;
        const cell = f * before + i * g;
        const squashed = Math.tanh(cell);
        const out = o * squashed;
        c[s + j] = cell;
        h[s + j] = out;
        outputs[p + j] = out;
        if (gates && cPrev && tanhC) {
          gates[x + j] = i;
          gates[x + H + j] = f;
          gates[x + 2 * H + j] = o;
          gates[x + 3 * H + j] = g;
          cPrev[p + j] = before;
          tanhC[p + j] = squashed;
        }
      }
    }
  }
  kernel.dispose();
  return { outputs, lastH: h, lastC: c, gates, cPrev, tanhC, hPrevT };
}

/**
 * Backpropagation through time for one layer: dLoss/dGates (before the nonlinearities) at every step,
 * [T * B, 4H]. Per step the elementwise derivatives in JS and one [B,4H] x [4H,H] matMul for dh of the step before.
 */
function backwardLayer(trace: LayerTrace, dOutputs: Float32Array, recurrentT: tf.Tensor, batch: TokenBatch, H: number, take: Take): Float32Array {
  const { rows, steps, resets } = batch;
  const G = 4 * H;
  const gates = trace.gates as Float32Array;
  const cPrev = trace.cPrev as Float32Array;
  const tanhC = trace.tanhC as Float32Array;
  const dGates = take('dGates', rows * steps * G);
  const dhNext = take('dhNext', rows * H, true);
  const dcNext = take('dcNext', rows * H, true);
  for (let t = steps - 1; t >= 0; t--) {
    const base = t * rows;
    for (let r = 0; r < rows; r++) {
      const q = (base + r) * G;
      const p = (base + r) * H;
      const s = r * H;
      for (let j = 0; j < H; j++) {
        // c_t = f c_{t-1} + i g ; h_t = o tanh(c_t)
        const i = gates[q + j] as number;
        const f = gates[q + H + j] as number;
        const o = gates[q + 2 * H + j] as number;
        const g = gates[q + 3 * H + j] as number;
        const squashed = tanhC[p + j] as number;
        const dh = (dOutputs[p + j] as number) + (dhNext[s + j] as number);
        const dc = dh * o * (1 - squashed * squashed) + (dcNext[s + j] as number);
        dGates[q + j] = dc * g * i * (1 - i);
        dGates[q + H + j] = dc * (cPrev[p + j] as number) * f * (1 - f);
        dGates[q + 2 * H + j] = dh * squashed * o * (1 - o);
        dGates[q + 3 * H + j] = dc * i * (1 - g * g);
        dcNext[s + j] = dc * f;
      }
    }
    if (t > 0) {
      readMatMul(tf.tensor2d(dGates.subarray(base * G, (base + rows) * G), [rows, G]), recurrentT, true, dhNext);
      // Where a song starts at step t its state was zeroed: nothing flows back into step t - 1.
      for (let r = 0; r < rows; r++) {
        if (resets[base + r]) {
          dhNext.fill(0, r * H, (r + 1) * H);
          dcNext.fill(0, r * H, (r + 1) * H);
        }
      }
    }
  }
  recurrentT.dispose();
  return dGates;
}

/**
 * Log-softmax of each [V] row of `logits`, summed into the batch's loss (-ln p(target), weighted) and accuracy
 * (arg max = target, weighted). With `gradientScale`, each row is overwritten with d(loss * scale)/d logits; with
 * `targetLogProbs`, ln p(target) of every position (also those of weight 0) is written there.
 */
function softmaxCrossEntropy(
  logits: Float32Array,
  batch: TokenBatch,
  V: number,
  gradientScale: number | null,
  targetLogProbs: Float32Array | null,
): { lossSum: number; correct: number } {
  const { targets, weights } = batch;
  let lossSum = 0;
  let correct = 0;
  for (let k = 0; k < targets.length; k++) {
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
    const target = targets[k] as number;
    const targetLogit = logits[row + target] as number;
    let sum = 0;
    for (let v = 0; v < V; v++) {
      const e = Math.exp((logits[row + v] as number) - max);
      if (gradientScale !== null) logits[row + v] = e;
      sum += e;
    }
    const logProb = targetLogit - max - Math.log(sum);
    const weight = weights[k] as number;
    lossSum -= weight * logProb;
    if (best === target) correct += weight;
    if (targetLogProbs) targetLogProbs[k] = logProb;
    if (gradientScale !== null) {
      // The row holds exp(logit - max) now: softmax = that / sum.
      const scale = weight * gradientScale;
      const factor = scale / sum;
      for (let v = 0; v < V; v++) logits[row + v] = (logits[row + v] as number) * factor;
      logits[row + target] = (logits[row + target] as number) - scale;
    }
  }
  return { lossSum, correct };
}

/** [rows, cols] -> [cols, rows]. */
function transpose(values: Float32Array, rows: number, cols: number, out: Float32Array): Float32Array {
  for (let r = 0; r < rows; r++) {
    const from = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = values[from + c] as number;
  }
  return out;
}

function columnSums(values: Float32Array, rows: number, cols: number): Float32Array {
  const sums = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const from = r * cols;
    for (let c = 0; c < cols; c++) sums[c] = (sums[c] as number) + (values[from + c] as number);
  }
  return Float32Array.from(sums);
}

function multiplied(values: Float32Array, by: Float32Array): Float32Array {
  const out = new Float32Array(values.length);
  for (let k = 0; k < values.length; k++) out[k] = (values[k] as number) * (by[k] as number);
  return out;
}

function multiplyInPlace(values: Float32Array, by: Float32Array): void {
  for (let k = 0; k < values.length; k++) values[k] = (values[k] as number) * (by[k] as number);
}

/**
 * One-hot input times the input kernel, plus bias, for every position: a row lookup done in JS. (The wasm
 * GatherV2 kernel took ~30 ns per element, 25% of a training step; the one-hot matMul is slower still.)
 * `ids` holds `width` active rows per position (the token, then its features), summed.
 */
function lookupRows(kernel: tf.Variable, bias: tf.Variable, ids: Int32Array, width: number, out: Float32Array): Float32Array {
  const G = bias.size;
  const table = kernel.dataSync() as Float32Array;
  const biasValues = bias.dataSync() as Float32Array;
  const positions = ids.length / width;
  for (let p = 0; p < positions; p++) {
    const target = p * G;
    const first = (ids[p * width] as number) * G;
    for (let j = 0; j < G; j++) out[target + j] = (table[first + j] as number) + (biasValues[j] as number);
    for (let a = 1; a < width; a++) {
      const source = (ids[p * width + a] as number) * G;
      for (let j = 0; j < G; j++) out[target + j] = (out[target + j] as number) + (table[source + j] as number);
    }
  }
  return out;
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
  tokens: number,
): { rows: Float32Array; total: Float32Array } {
  const rows = new Float32Array(F * width);
  const n = ids.length / active;
  for (let k = 0; k < n; k++) {
    const source = k * width;
    for (let a = 0; a < active; a++) {
      const target = (ids[k * active + a] as number) * width;
      for (let j = 0; j < width; j++) rows[target + j] = (rows[target + j] as number) + (values[source + j] as number);
    }
  }
  // Every position adds its row exactly once into the rows of the tokens (its first active row, below `tokens`;
  // the features' rows lie above), so their sum is the total: V rows to add instead of T * B.
  return { rows, total: columnSums(rows, tokens, width) };
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
