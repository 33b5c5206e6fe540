// Held-out evaluation during training: every song from a zero state, batched as parallel streams with the
// same forward pass as training (no dropout), giving per-song log-probabilities, the mean loss per token,
// accuracy, and bits per note over the encoding's scored positions.
import * as tf from '@tensorflow/tfjs';
import type { Encoding } from '../encodings/encoding.js';
import type { LstmNetwork } from '../network/lstm-network.js';
import { layoutStreams, type SongInputRows } from './train-batches.js';

export interface SongEvaluation {
  /** Per song: ln p(tokens[i] | tokens[<i]), index 0 = 0. */
  readonly logProbs: Float32Array[];
  /** Mean -ln p per predicted token. */
  readonly loss: number;
  readonly accuracy: number;
  readonly targets: number;
}

/** `inputRows`: each song's input rows, for a network with input features (see train-batches.ts). */
export function evaluateSongs(
  network: LstmNetwork,
  songs: readonly Int32Array[],
  rows = 64,
  steps = 64,
  inputRows?: SongInputRows,
): SongEvaluation {
  const logProbs = songs.map((song) => new Float32Array(song.length));
  if (songs.length === 0) return { logProbs, loss: NaN, accuracy: NaN, targets: 0 };
  const layout = layoutStreams(songs, Math.min(rows, songs.length), steps, null, inputRows);
  let carry = network.zeroCarry(layout.rows);
  let total = 0;
  let correct = 0;
  layout.batches.forEach((batch, b) => {
    const result = network.evaluate(batch, carry);
    const values = result.targetLogProbs.dataSync();
    correct += result.correct.dataSync()[0] ?? 0;
    const songOf = layout.targetSong[b] as Int32Array;
    const indexOf = layout.targetIndex[b] as Int32Array;
    for (let k = 0; k < values.length; k++) {
      const song = songOf[k] ?? -1;
      if (song < 0) continue;
      const value = values[k] ?? 0;
      (logProbs[song] as Float32Array)[indexOf[k] ?? 0] = value;
      total -= value;
    }
    tf.dispose([result.targetLogProbs, result.correct, ...carry.h, ...carry.c]);
    carry = result.carry;
  });
  tf.dispose([...carry.h, ...carry.c]);
  return { logProbs, loss: total / layout.targets, accuracy: correct / layout.targets, targets: layout.targets };
}

/** Total bits over the encoding's scored positions divided by the songs' notes and rests. */
export function bitsPerNote(encoding: Encoding, songs: readonly Int32Array[], logProbs: readonly Float32Array[]): number {
  let bits = 0;
  let notes = 0;
  songs.forEach((song, s) => {
    const scored = encoding.scoredPositions(song);
    const values = logProbs[s] as Float32Array;
    for (const position of scored.positions) bits -= (values[position] ?? 0) / Math.LN2;
    notes += scored.notes;
  });
  return notes > 0 ? bits / notes : NaN;
}
