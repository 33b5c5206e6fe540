// The language model: token ids (+ optional input features, see input-features.ts) -> one-hot input -> LSTM layers (fused gates) -> dropout -> dense softmax.
//
// Forward AND backward are written out by hand instead of tf.layers/autodiff. On the wasm backend the cost of
// small ops is their number (each tfjs op call costs tens of microseconds, more than its arithmetic at these sizes),
// transposed matMuls skip XNNPACK, and XNNPACK has no fused multiply-add. So every call runs in the training kernel
// (train-kernels.ts, WebAssembly SIMD) over arrays of its memory that `Scratch` hands out per call; the weights
// stay tfjs variables, copied in once per call:
//  - every position has a target (teacher forcing over long chunks of B parallel song streams);
//  - the first layer's input projection of all time steps is a row lookup (one-hot x W), its gradient a segment sum;
//  - the recurrence is one [B,H] x [H,4H] product per step with gates fused as [i | f | o | g]; the gate
//    nonlinearities, the cell update and their derivatives are one kernel call per step, forward and backward
//    (measured: the tfjs version spent ~2,500 op calls per batch, about half of the batch's time, on them);
//  - the softmax, loss, accuracy and dLogits are one pass over the logits;
//  - weights are transposed once per call and activations once, so that every product is a plain a x b;
//  - the weight gradients are single large products over all time steps after the backward sweep.
// Under tfjs-node the products are tfjs matMuls (matrix-products.ts), and without WebAssembly SIMD the rest runs
// as the same loops in JavaScript.
// Data layout is time-major: position n = t * rows + r (step t of stream r).
import * as tf from '@tensorflow/tfjs';
import type { Random } from '../generation/random.js';
import { readInto } from './backend.js';
import { checkWeightShapes, initialWeights, inputSize, inputWidth, type LstmConfig, type LstmWeights } from './lstm-weights.js';
import { matrixProducts, type MatrixProducts } from './matrix-products.js';
import { Scratch, type CellTrace } from './train-kernels.js';

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
  /**
   * The work arrays of every call, in the training kernel's memory, handed out afresh in each call (created on
   * first use; one buffer reused from call to call: reallocating megabytes per call cost GC time).
   */
  private scratch: Scratch | null = null;
  /** false: every call runs tfjs matMuls and the JavaScript cell loops, not the training kernel (see fromWeights). */
  private readonly kernel: boolean;
  /** Arrays that every call reads the weights from instead of the variables (see readWeightsFrom). */
  private external: Map<tf.Variable, Float32Array> | null = null;

  private constructor(weights: LstmWeights, kernel = true) {
    this.kernel = kernel;
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

  /**
   * `kernel: false` runs without the training kernel (tfjs matMuls and JavaScript loops): the reference system's
   * window re-feed is measured so, with tfjs ops as its model.predict had (generator-tfjs.ts).
   */
  static fromWeights(weights: LstmWeights, options: { kernel?: boolean } = {}): LstmNetwork {
    checkWeightShapes(weights);
    return new LstmNetwork(weights, options.kernel !== false);
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

  /**
   * From now on every call reads the weights from these arrays (in `variables` order; shared memory that the
   * trainer updates between steps), not from the variables, which are then left as they were: a training replica
   * saves copying its weights into tfjs and out again at every step.
   */
  readWeightsFrom(arrays: readonly Float32Array[]): void {
    const variables = this.variables;
    if (arrays.length !== variables.length || arrays.some((a, k) => a.length !== variables[k]?.size)) {
      throw new RangeError('readWeightsFrom: one array per variable, each of its size');
    }
    this.external = new Map(variables.map((v, k) => [v, arrays[k] as Float32Array]));
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

  zeroCarry(rows: number): LstmCarry {
    const H = this.config.hiddenSize;
    const zeros = (): tf.Tensor2D[] => this.layerVariables.map(() => tf.zeros([rows, H]));
    return { h: zeros(), c: zeros() };
  }

  /** Loss and gradients of one chunk (teacher forcing), with dropout drawn as `options` says. */
  trainStep(batch: TokenBatch, carry: LstmCarry, options: TrainStepOptions): TrainStepResult {
    const step = this.step(batch, carry, options);
    // Copies: the gradients outlive this call's scratch (and the cpu backend keeps the array it is given).
    const gradients = this.variables.map((v, k) => tf.tensor((step.gradients[k] as Float32Array).slice(), v.shape));
    return { gradients, lossSum: tf.scalar(step.lossSum), correct: tf.scalar(step.correct), carry: step.carry };
  }

  /**
   * `trainStep` with the gradients written into `into` (flat, all variables end to end in `variables` order), not
   * returned as tensors: what a training replica needs, without a tensor's copy in and out.
   */
  trainStepInto(batch: TokenBatch, carry: LstmCarry, options: TrainStepOptions, into: Float32Array): { lossSum: number; correct: number; carry: LstmCarry } {
    const step = this.step(batch, carry, options);
    const size = step.gradients.reduce((sum, g) => sum + g.length, 0);
    if (into.length !== size) {
      tf.dispose([...step.carry.h, ...step.carry.c]);
      throw new RangeError(`the gradients take ${size} floats, the array given has ${into.length}`);
    }
    let offset = 0;
    for (const gradient of step.gradients) {
      into.set(gradient, offset);
      offset += gradient.length;
    }
    return { lossSum: step.lossSum, correct: step.correct, carry: step.carry };
  }

  /** The training step; its gradients (in `variables` order) are arrays of the scratch, valid until the next call. */
  private step(batch: TokenBatch, carry: LstmCarry, options: TrainStepOptions): { gradients: Float32Array[]; lossSum: number; correct: number; carry: LstmCarry } {
    checkBatch(batch, this.config);
    const { rows, steps } = batch;
    const n = rows * steps;
    const H = this.config.hiddenSize;
    const V = this.config.vocabularySize;
    const G = 4 * H;
    const dropout = this.config.dropout > 0 ? new DropoutMasks(batch, this.config.dropout, options.dropoutSeed, options.firstRow ?? 0) : null;
    const call = this.beginCall(rows, steps, true);
    const { scratch, products } = call;
    try {
      const forward = this.forward(batch, carry, dropout, true, call);
      let counted = options.targetCount ?? 0;
      if (options.targetCount === undefined) for (let k = 0; k < n; k++) counted += batch.weights[k] ?? 0;
      // d(mean NLL)/d logits = (softmax - onehot) * w / count, written over the logits.
      const dLogits = this.logits(forward.top, n, call);
      const head = softmaxCrossEntropy(dLogits, batch, V, 1 / Math.max(counted, 1), null, scratch);
      const gradOutputKernel = scratch.floats(H * V);
      products.multiply(transpose(forward.top, n, H, scratch.floats(n * H)), dLogits, H, n, V, gradOutputKernel);
      // Column sums as products with a row of ones: the kernel's vector code, not a JavaScript loop.
      const ones = scratch.floats(Math.max(n, V));
      ones.fill(1);
      const gradOutputBias = scratch.floats(V);
      products.multiply(ones, dLogits, 1, n, V, gradOutputBias);
      let dUpper = scratch.floats(n * H);
      products.multiply(dLogits, transpose(call.weight(this.outputKernel), H, V, scratch.floats(V * H)), n, V, H, dUpper);
      if (forward.topMask) multiplyInPlace(dUpper, forward.topMask);
      const layerGradients: Float32Array[][] = [];
      for (let layer = this.layerVariables.length - 1; layer >= 0; layer--) {
        const vars = this.layerVariables[layer] as LayerVariables;
        const trace = forward.traces[layer] as LayerTrace;
        const dGates = backwardLayer(trace, dUpper, call.weight(vars.recurrentKernel), batch, H, call);
        const gradRecurrent = scratch.floats(H * G);
        products.multiply(trace.hPrevT as Float32Array, dGates, H, n, G, gradRecurrent);
        let gradBias: Float32Array;
        let gradInput: Float32Array;
        if (layer === 0) {
          // oneHot^T x dGates is a segment sum of dGates rows by input row: one pass over dGates instead of a
          // [F, T*B] x [T*B, 4H] matMul. With input features each position adds its row into each of its K rows.
          const F = inputSize(this.config);
          gradInput = scratch.floats(F * G, true);
          scratch.segmentSums(dGates, scratch.ints(batch.inputRows ?? batch.inputs), inputWidth(this.config), G, gradInput);
          // Every position adds its row exactly once into the rows of the tokens (its first active row, below V;
          // the features' rows lie above), so their sum is the bias gradient: V rows to add instead of T * B.
          gradBias = scratch.floats(G);
          products.multiply(ones, gradInput.subarray(0, V * G), 1, V, G, gradBias);
        } else {
          gradBias = scratch.floats(G);
          products.multiply(ones, dGates, 1, n, G, gradBias);
          gradInput = scratch.floats(H * G);
          products.multiply(transpose(trace.input as Float32Array, n, H, scratch.floats(n * H)), dGates, H, n, G, gradInput);
          dUpper = scratch.floats(n * H);
          products.multiply(dGates, transpose(call.weight(vars.inputKernel), H, G, scratch.floats(G * H)), n, G, H, dUpper);
          if (trace.inputMask) multiplyInPlace(dUpper, trace.inputMask);
        }
        layerGradients.unshift([gradInput, gradRecurrent, gradBias]);
      }
      return {
        gradients: [...layerGradients.flat(), gradOutputKernel, gradOutputBias],
        lossSum: head.lossSum,
        correct: head.correct,
        carry: this.carryTensors(forward, rows),
      };
    } finally {
      products.dispose();
    }
  }

  /** Forward pass without dropout: ln p(target) at every position, and the carried state. */
  evaluate(batch: TokenBatch, carry: LstmCarry): EvaluateResult {
    checkBatch(batch, this.config);
    const n = batch.rows * batch.steps;
    const call = this.beginCall(batch.rows, batch.steps, false);
    try {
      const forward = this.forward(batch, carry, null, false, call);
      const targetLogProbs = new Float32Array(n);
      const head = softmaxCrossEntropy(this.logits(forward.top, n, call), batch, this.config.vocabularySize, null, targetLogProbs, call.scratch);
      return { targetLogProbs: tf.tensor1d(targetLogProbs), correct: tf.scalar(head.correct), carry: this.carryTensors(forward, batch.rows) };
    } finally {
      call.products.dispose();
    }
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
    const call = this.beginCall(1, steps, false);
    try {
      const forward = this.forward(batch, start, null, false, call);
      if (!carry) tf.dispose([...start.h, ...start.c]);
      const logits = this.logits(forward.top, steps, call).slice();
      return { logits: tf.tensor2d(logits, [steps, this.config.vocabularySize]), carry: this.carryTensors(forward, 1) };
    } finally {
      call.products.dispose();
    }
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
    this.scratch = null;
  }

  /**
   * One call's scratch (room for rows x steps positions; `training`: with the backward pass), its matrix products,
   * and the weights it reads, each copied into the scratch once.
   */
  private beginCall(rows: number, steps: number, training: boolean): Call {
    this.scratch ??= new Scratch({ simd: this.kernel });
    const scratch = this.scratch;
    scratch.begin(scratchFloats(this.config, rows, steps, training));
    const read = new Map<tf.Variable, Float32Array>();
    const external = this.external;
    const weight = (variable: tf.Variable): Float32Array => {
      let values = read.get(variable);
      if (!values) {
        const source = external?.get(variable);
        values = source ? scratch.copy(source) : readInto(variable, scratch.floats(variable.size));
        read.set(variable, values);
      }
      return values;
    };
    const products = matrixProducts(scratch);
    const operand = (variable: tf.Variable): Float32Array =>
      products.inKernel || external ? weight(variable) : products.standIn(variable as tf.Variable<tf.Rank.R2>);
    return { scratch, products, weight, operand };
  }

  /** The forward pass (with `keepTrace`, each layer's trace for the backward pass). */
  private forward(batch: TokenBatch, carry: LstmCarry, dropout: DropoutMasks | null, keepTrace: boolean, call: Call): Forward {
    const { rows, steps } = batch;
    const n = rows * steps;
    const H = this.config.hiddenSize;
    const G = 4 * H;
    const { scratch } = call;
    const traces: LayerTrace[] = [];
    let below: Float32Array | null = null;
    this.layerVariables.forEach((vars, layer) => {
      const inputProjection = scratch.floats(n * G);
      let input: Float32Array | null = null;
      let inputMask: Float32Array | null = null;
      if (layer === 0) {
        // A few positions without features (one-token inference): gather the rows in tfjs, which saves copying
        // the table. Otherwise: the kernel's lookup (the wasm gather kernel took ~30 ns an element).
        if (!batch.inputRows && n < this.config.vocabularySize && !this.external) {
          tf.tidy(() => {
            readInto(tf.add(tf.gather(vars.inputKernel, tf.tensor1d(batch.inputs, 'int32')), vars.bias), inputProjection);
          });
        } else {
          const ids = scratch.ints(batch.inputRows ?? batch.inputs);
          scratch.lookupRows(call.weight(vars.inputKernel), call.weight(vars.bias), ids, inputWidth(this.config), G, inputProjection);
        }
      } else {
        input = below as Float32Array;
        if (dropout) {
          inputMask = dropout.next(H, scratch.floats(n * H));
          input = multiplied(input, inputMask, scratch.floats(n * H));
        }
        call.products.multiply(input, call.operand(vars.inputKernel), n, H, G, inputProjection);
        addRows(inputProjection, call.weight(vars.bias), n, G);
      }
      const h0 = (carry.h[layer] as tf.Tensor2D).dataSync() as Float32Array;
      const c0 = (carry.c[layer] as tf.Tensor2D).dataSync() as Float32Array;
      const trace = forwardLayer(inputProjection, call.operand(vars.recurrentKernel), h0, c0, batch, H, keepTrace, call);
      traces.push({ ...trace, input, inputMask });
      below = trace.outputs;
    });
    const top = below as unknown as Float32Array;
    const topMask = dropout ? dropout.next(H, scratch.floats(n * H)) : null;
    return { traces, top: topMask ? multiplied(top, topMask, scratch.floats(n * H)) : top, topMask };
  }

  /** [n, V] logits of the (dropped-out) top layer outputs, the output bias added. */
  private logits(top: Float32Array, n: number, call: Call): Float32Array {
    const H = this.config.hiddenSize;
    const V = this.config.vocabularySize;
    const logits = call.scratch.floats(n * V);
    call.products.multiply(top, call.operand(this.outputKernel), n, H, V, logits);
    addRows(logits, call.weight(this.outputBias), n, V);
    return logits;
  }

  /** The carried state as tensors of their own (copies: the state lies in this call's scratch). */
  private carryTensors(forward: Forward, rows: number): LstmCarry {
    const H = this.config.hiddenSize;
    return { h: forward.traces.map((t) => tf.tensor2d(t.lastH.slice(), [rows, H])), c: forward.traces.map((t) => tf.tensor2d(t.lastC.slice(), [rows, H])) };
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

/** One call of the network: its scratch, its matrix products, and its weights copied into the scratch. */
interface Call {
  readonly scratch: Scratch;
  readonly products: MatrixProducts;
  /** A weight's values, copied into the scratch once per call. */
  weight(variable: tf.Variable): Float32Array;
  /** A weight matrix as a product's b: its values in the scratch for the kernel, a stand-in for tfjs products. */
  operand(variable: tf.Variable): Float32Array;
}

/**
 * One layer over all steps: per step the recurrent product h x W and then the gates and the cell update, in the
 * training kernel (a tfjs matMul per step cost its call and a copy in and out, as much as its arithmetic at 16
 * rows). Every array lies in the call's scratch; the carried state is copied out by the caller.
 */
function forwardLayer(
  inputProjection: Float32Array,
  recurrentKernel: Float32Array,
  h0: Float32Array,
  c0: Float32Array,
  batch: TokenBatch,
  H: number,
  keepTrace: boolean,
  call: Call,
): Omit<LayerTrace, 'input' | 'inputMask'> {
  const { scratch, products } = call;
  const { rows, steps, resets } = batch;
  const n = rows * steps;
  const G = 4 * H;
  const outputs = scratch.floats(n * H);
  const gates = keepTrace ? scratch.floats(n * G) : null;
  const cPrev = keepTrace ? scratch.floats(n * H) : null;
  const tanhC = keepTrace ? scratch.floats(n * H) : null;
  const hPrevT = keepTrace ? scratch.floats(H * n) : null;
  const product = scratch.floats(rows * G);
  const h = scratch.copy(h0);
  const c = scratch.copy(c0);
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
    products.multiply(h, recurrentKernel, rows, H, G, product);
    const trace = gates && cPrev && tanhC ? stepTrace({ gates, cPrev, tanhC }, base, rows, H) : null;
    scratch.cellForward(product, inputProjection.subarray(base * G, (base + rows) * G), c, h, outputs.subarray(base * H, (base + rows) * H), trace, rows, H);
  }
  return { outputs, lastH: h, lastC: c, gates, cPrev, tanhC, hPrevT };
}

/** The part of a layer's trace that belongs to the `rows` positions from `base` on (one time step). */
function stepTrace(trace: CellTrace, base: number, rows: number, H: number): CellTrace {
  const G = 4 * H;
  return {
    gates: trace.gates.subarray(base * G, (base + rows) * G),
    cPrev: trace.cPrev.subarray(base * H, (base + rows) * H),
    tanhC: trace.tanhC.subarray(base * H, (base + rows) * H),
  };
}

/**
 * Backpropagation through time for one layer: dLoss/dGates (before the nonlinearities) at every step,
 * [T * B, 4H]. Per step the elementwise derivatives in JS and one [B,4H] x [4H,H] matMul for dh of the step before.
 */
function backwardLayer(trace: LayerTrace, dOutputs: Float32Array, recurrentKernel: Float32Array, batch: TokenBatch, H: number, call: Call): Float32Array {
  const { scratch, products } = call;
  const { rows, steps, resets } = batch;
  const G = 4 * H;
  const kept: CellTrace = { gates: trace.gates as Float32Array, cPrev: trace.cPrev as Float32Array, tanhC: trace.tanhC as Float32Array };
  const dGates = scratch.floats(rows * steps * G);
  const dhNext = scratch.floats(rows * H, true);
  const dcNext = scratch.floats(rows * H, true);
  const recurrentT = transpose(recurrentKernel, H, G, scratch.floats(G * H));
  for (let t = steps - 1; t >= 0; t--) {
    const base = t * rows;
    const dStep = dGates.subarray(base * G, (base + rows) * G);
    scratch.cellBackward(stepTrace(kept, base, rows, H), dOutputs.subarray(base * H, (base + rows) * H), dhNext, dcNext, dStep, rows, H);
    if (t > 0) {
      products.multiply(dStep, recurrentT, rows, G, H, dhNext);
      // Where a song starts at step t its state was zeroed: nothing flows back into step t - 1.
      for (let r = 0; r < rows; r++) {
        if (resets[base + r]) {
          dhNext.fill(0, r * H, (r + 1) * H);
          dcNext.fill(0, r * H, (r + 1) * H);
        }
      }
    }
  }
  return dGates;
}

/**
 * Log-softmax of each [V] row of `logits`, summed into the batch's loss (-ln p(target), weighted) and accuracy
 * (arg max = target, weighted). With `gradientScale`, each row is overwritten with d(loss * scale)/d logits; with
 * `targetLogProbs`, ln p(target) of every position (also those of weight 0) is written there. The rows' max, sum of
 * exponentials and softmax run in the kernel (Scratch.softmaxRows).
 */
function softmaxCrossEntropy(
  logits: Float32Array,
  batch: TokenBatch,
  V: number,
  gradientScale: number | null,
  targetLogProbs: Float32Array | null,
  scratch: Scratch,
): { lossSum: number; correct: number } {
  const { targets, weights } = batch;
  const n = targets.length;
  const targetLogits = scratch.floats(n);
  for (let k = 0; k < n; k++) targetLogits[k] = logits[k * V + (targets[k] as number)] as number;
  const stats = scratch.floats(3 * n);
  scratch.softmaxRows(logits, n, V, stats, gradientScale === null ? null : { weights: scratch.copy(weights), scale: gradientScale });
  let lossSum = 0;
  let correct = 0;
  for (let k = 0; k < n; k++) {
    const target = targets[k] as number;
    const logProb = (targetLogits[k] as number) - (stats[3 * k] as number) - Math.log(stats[3 * k + 1] as number);
    const weight = weights[k] as number;
    lossSum -= weight * logProb;
    if (stats[3 * k + 2] === target) correct += weight;
    if (targetLogProbs) targetLogProbs[k] = logProb;
    // The row holds softmax * weight * scale now: the one-hot part of the gradient is subtracted at the target.
    if (gradientScale !== null) logits[k * V + target] = (logits[k * V + target] as number) - weight * gradientScale;
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

function multiplied(values: Float32Array, by: Float32Array, out: Float32Array): Float32Array {
  for (let k = 0; k < values.length; k++) out[k] = (values[k] as number) * (by[k] as number);
  return out;
}

/** Adds `row` ([cols]) to each of the `rows` rows of `values`. */
function addRows(values: Float32Array, row: Float32Array, rows: number, cols: number): void {
  for (let k = 0; k < rows; k++) {
    const from = k * cols;
    for (let v = 0; v < cols; v++) values[from + v] = (values[from + v] as number) + (row[v] as number);
  }
}

function multiplyInPlace(values: Float32Array, by: Float32Array): void {
  for (let k = 0; k < values.length; k++) values[k] = (values[k] as number) * (by[k] as number);
}

/**
 * Dropout masks of one batch, [T * B, width] each (0 or 1 / (1 - rate)), in the order the network asks for them.
 * Row r of the whole batch draws from its own sequence (seeded by the batch seed and r), so a replica holding rows
 * firstRow.. of the batch draws exactly their part of the whole batch's masks. The sequences are createRandom's
 * (mulberry32), stepped here inline: a call of Random.next per unit cost 6% of a training step.
 */
class DropoutMasks {
  private readonly states: Uint32Array;
  /** rate * 2^32: a draw x / 2^32 < rate exactly when x < this (both sides exact in doubles). */
  private readonly threshold: number;
  constructor(
    private readonly batch: TokenBatch,
    private readonly rate: number,
    seed: number,
    firstRow: number,
  ) {
    this.states = Uint32Array.from({ length: batch.rows }, (_, r) => rowSeed(seed, firstRow + r));
    this.threshold = rate * 4294967296;
  }

  next(width: number, values: Float32Array): Float32Array {
    const { rows, steps } = this.batch;
    const kept = 1 / (1 - this.rate);
    const threshold = this.threshold;
    for (let r = 0; r < rows; r++) {
      let a = this.states[r] as number;
      for (let t = 0; t < steps; t++) {
        const start = (t * rows + r) * width;
        for (let j = 0; j < width; j++) {
          // mulberry32, as src/util/random.ts
          a = (a + 0x6d2b79f5) >>> 0;
          let x = Math.imul(a ^ (a >>> 15), a | 1);
          x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
          values[start + j] = (x ^ (x >>> 14)) >>> 0 < threshold ? 0 : kept;
        }
      }
      this.states[r] = a;
    }
    return values;
  }
}

function rowSeed(seed: number, row: number): number {
  return (Math.imul(seed ^ 0x85ebca6b, 0x9e3779b1) + Math.imul(row + 1, 0xc2b2ae35)) >>> 0;
}


/**
 * An upper bound of the floats one call asks of its scratch: the allocations of beginCall (the weights), forward,
 * forwardLayer, logits, trainStep and backwardLayer, each rounded up to a whole f32x4 (Scratch refuses to hand out
 * more than this, so a bound that falls short fails loudly in the tests).
 */
function scratchFloats(config: LstmConfig, rows: number, steps: number, training: boolean): number {
  const n = rows * steps;
  const H = config.hiddenSize;
  const G = 4 * H;
  const V = config.vocabularySize;
  const L = config.layers;
  const F = inputSize(config);
  const width = inputWidth(config);
  const weights = F * G + L * (2 * H * G + G) + H * V + V;
  const layerForward = n * G + 3 * n * H + rows * (G + 2 * H) + (training ? n * G + 3 * n * H : 0);
  const forward = L * layerForward + n * width + 2 * n * H + n * V + 5 * n;
  const layerBackward = n * G + 2 * rows * H + 3 * G * H + 2 * n * H;
  const backward = training ? 2 * n * H + 3 * H * V + n + L * (layerBackward + G) + F * G + n * width : 0;
  const allocations = 10 + 25 * L;
  return weights + forward + backward + 4 * allocations;
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
