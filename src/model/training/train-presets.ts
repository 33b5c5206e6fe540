// Training presets. `reference` reproduces the reference system's network (one-hot input, LSTM(256), dropout
// 0.2, Adam 1e-3, batch 64, the `steps` encoding) but with a target at every step; `default` is the design
// chosen for the `events` encoding by measured validation loss and training speed on the wasm backend;
// `plain` is `default` without the encoding's input features.
import type { EncodingName } from '../encodings/encoding.js';

export type PresetName = 'reference' | 'default' | 'plain' | 'lookback' | 'styles' | 'styles-input';
export const PRESET_NAMES: readonly PresetName[] = ['reference', 'default', 'plain', 'lookback', 'styles', 'styles-input'];

export interface TrainingPreset {
  readonly name: PresetName;
  readonly encoding: EncodingName;
  /** The dataset builder's corpus filter. */
  readonly corpusFilter: 'default' | 'reference';
  readonly hiddenSize: number;
  readonly layers: number;
  readonly dropout: number;
  readonly learningRate: number;
  /** Learning rate multiplier applied after an epoch that did not improve the validation loss. */
  readonly learningRateDecay: number;
  /** Parallel song streams per batch. */
  readonly batchSize: number;
  /** Time steps per chunk (truncated backpropagation length; the state is carried between chunks). */
  readonly chunkSteps: number;
  /** Global gradient-norm clip. */
  readonly clipNorm: number;
  readonly maxEpochs: number;
  /** Stop after this many epochs without a better validation loss. */
  readonly patience: number;
  /**
   * Feed the encoding's input features beside each token: true its first set (the metric position), a name that
   * set (e.g. "events-lookback-v1"); absent or false = tokens alone.
   */
  readonly inputFeatures?: boolean | string;
  /**
   * Songs carry their style (src/model/data/styles.ts) as a token in front; songs of no style are left out. Train
   * on the whole collection (e.g. `--data ../shared/data/essen`).
   */
  readonly styles?: boolean;
  /**
   * With `styles`: each style with fewer training songs than this has its songs repeated in every epoch, up to
   * MAX_STYLE_REPEATS times, so that it weighs about as much as that many songs (train-batches.ts's styleRepeats).
   * Absent or 0: every song once.
   */
  readonly balanceStyles?: number;
}

/** The most times balanceStyles repeats a style's songs in one epoch. */
export const MAX_STYLE_REPEATS = 4;

// Chosen by measured validation figures on Essen europa (bits per note on the held-out songs, wasm backend):
// with the metric input features (position in the bar, what is left of it) 3.40 bits/note after 17 epochs
// (~13 min) and 3.31 after 26, against 3.75 for the same network without them (`plain`) after 21 epochs. The
// network need not add up durations to know where the next note starts.
// 1 x 192 learnt as fast per epoch as 1 x 256 (validation bits/note 6.41/5.39/4.87/4.67/4.29 vs
// 6.57/5.41/4.82/5.07/4.34 over epochs 1-5, without features) at ~1.4x the training speed and faster
// generation; 2 x 192 learnt slower per epoch (7.12/5.82/5.52) and ran at half the speed.
const DEFAULT_PRESET: TrainingPreset = {
  name: 'default',
  encoding: 'events',
  corpusFilter: 'default',
  hiddenSize: 192,
  layers: 1,
  dropout: 0.3,
  learningRate: 2e-3,
  learningRateDecay: 0.5,
  batchSize: 32,
  chunkSteps: 64,
  clipNorm: 5,
  maxEpochs: 60,
  patience: 4,
  inputFeatures: true,
};

export const PRESETS: Readonly<Record<PresetName, TrainingPreset>> = {
  // The reference system's network, trained as well as we can train it: the earlier schedule (a constant learning
  // rate, stop after 3 epochs without a better validation loss, at most 30) stopped it at epoch 18 with 3.78
  // bits/note without ever lowering the rate; the same recipe trained to convergence elsewhere is reported at about
  // 3.21. It now halves the rate on a plateau and waits longer before stopping, as `default` does.
  reference: {
    name: 'reference',
    encoding: 'steps',
    corpusFilter: 'reference',
    hiddenSize: 256,
    layers: 1,
    dropout: 0.2,
    learningRate: 1e-3,
    learningRateDecay: 0.5,
    batchSize: 64,
    chunkSteps: 64,
    clipNorm: 5,
    maxEpochs: 80,
    patience: 5,
  },
  default: DEFAULT_PRESET,
  // `default` without the input features: the events tokens alone, kept to measure what the features bring.
  plain: { ...DEFAULT_PRESET, name: 'plain', inputFeatures: false },
  // `default` with the lookback features too (the tokens one and two bars back, bar repeats, the place in a
  // four-bar phrase, the bars to go), so that the network can learn a song's form itself.
  lookback: { ...DEFAULT_PRESET, name: 'lookback', inputFeatures: 'events-lookback-v1' },
  // `lookback` for the whole collection, each song led by its style's token (german, children, chinese-han, ...).
  // Best started from a trained `lookback` model (`--init-from`), whose weights carry over token by token.
  styles: { ...DEFAULT_PRESET, name: 'styles', inputFeatures: 'events-lookback-v1', styles: true },
  // `styles` with the song's style as an input at every step as well (events-lookback-style-v1): the style token
  // alone, read once at the start, steered the tunes too little (issue 11's style check). Best started from a
  // trained `styles` model (`--init-from`): the style rows start at zero, so the network begins as that model.
  'styles-input': { ...DEFAULT_PRESET, name: 'styles-input', inputFeatures: 'events-lookback-style-v1', styles: true },
};

export function isPresetName(name: string): name is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(name);
}
