// Songs -> chunks for teacher forcing: the songs are laid end to end in `rows` parallel streams of about equal
// length, and the streams are cut into chunks of `steps` tokens. Every position predicts the next token of its
// song (a target at every step, never one target per window); the recurrent state is carried from chunk to
// chunk and zeroed where a new song starts, so a song is seen exactly as if it were fed alone from a zero state.
import type { TokenBatch } from '../network/lstm-network.js';
import { shuffleInPlace, type Random } from '../generation/random.js';

export interface StreamLayout {
  readonly rows: number;
  readonly steps: number;
  readonly batches: readonly TokenBatch[];
  /** Per batch, per position: the song whose token is the target there, or -1 (padding / song boundary). */
  readonly targetSong: readonly Int32Array[];
  /** Per batch, per position: the index of the target token within its song. */
  readonly targetIndex: readonly Int32Array[];
  /** Number of positions with a target (weight 1). */
  readonly targets: number;
}

/** Per song, the network's active input rows of every token (input-features.ts's songInputRows), `width` each. */
export interface SongInputRows {
  readonly width: number;
  readonly songs: readonly Int32Array[];
}

/**
 * Lays out `songs` (each at least 2 tokens to have a target) in `rows` streams. With `random` the song order is
 * shuffled; without, songs keep their order (validation). With `inputRows` (a network with input features) the
 * batches carry each position's input rows too.
 */
export function layoutStreams(
  songs: readonly Int32Array[],
  rows: number,
  steps: number,
  random: Random | null,
  inputRows?: SongInputRows,
): StreamLayout {
  if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(steps) || steps < 1) {
    throw new RangeError(`rows and steps must be positive integers (got ${rows}, ${steps})`);
  }
  const width = inputRows?.width ?? 1;
  if (inputRows && (inputRows.songs.length !== songs.length || songs.some((song, s) => inputRows.songs[s]?.length !== song.length * width))) {
    throw new RangeError(`input rows must be given for every song, ${width} per token`);
  }
  const order = songs.map((_, index) => index);
  if (random) shuffleInPlace(order, random);
  // Greedy: each song goes to the currently shortest stream, so the streams end at about the same chunk.
  const streams: number[][] = Array.from({ length: rows }, () => []);
  const lengths = new Array<number>(rows).fill(0);
  for (const song of order) {
    let shortest = 0;
    for (let r = 1; r < rows; r++) if ((lengths[r] ?? 0) < (lengths[shortest] ?? 0)) shortest = r;
    streams[shortest]?.push(song);
    lengths[shortest] = (lengths[shortest] ?? 0) + (songs[song]?.length ?? 0);
  }
  const longest = Math.max(...lengths, 0);
  // Positions 0..longest-2 carry targets (the last token of a stream has nothing after it).
  const chunkCount = Math.max(1, Math.ceil(Math.max(longest - 1, 0) / steps));
  const n = rows * steps;
  const batches: TokenBatch[] = [];
  const targetSong: Int32Array[] = [];
  const targetIndex: Int32Array[] = [];
  for (let chunk = 0; chunk < chunkCount; chunk++) {
    batches.push({
      rows,
      steps,
      inputs: new Int32Array(n),
      targets: new Int32Array(n),
      weights: new Float32Array(n),
      resets: new Uint8Array(n),
      ...(inputRows ? { inputRows: new Int32Array(n * width) } : {}),
    });
    targetSong.push(new Int32Array(n).fill(-1));
    targetIndex.push(new Int32Array(n).fill(-1));
  }
  let targets = 0;
  streams.forEach((stream, r) => {
    let position = 0;
    for (const songIndex of stream) {
      const song = songs[songIndex] as Int32Array;
      const songRows = inputRows?.songs[songIndex];
      for (let i = 0; i < song.length; i++, position++) {
        const chunk = Math.floor(position / steps);
        const batch = batches[chunk];
        if (!batch) continue; // the very last token of the longest stream: nothing left to predict from it
        const k = (position % steps) * rows + r;
        (batch.inputs as Int32Array)[k] = song[i] ?? 0;
        if (songRows && batch.inputRows) batch.inputRows.set(songRows.subarray(i * width, (i + 1) * width), k * width);
        if (i === 0) (batch.resets as Uint8Array)[k] = 1;
        if (i + 1 < song.length) {
          (batch.targets as Int32Array)[k] = song[i + 1] ?? 0;
          (batch.weights as Float32Array)[k] = 1;
          (targetSong[chunk] as Int32Array)[k] = songIndex;
          (targetIndex[chunk] as Int32Array)[k] = i + 1;
          targets++;
        }
      }
    }
  });
  return { rows, steps, batches, targetSong, targetIndex, targets };
}

/** Total number of next-token targets in `songs`. */
export function countTargets(songs: readonly Int32Array[]): number {
  return songs.reduce((sum, song) => sum + Math.max(song.length - 1, 0), 0);
}

/** A batch counts as full from this share of its positions (rows x steps) holding a target. */
export const FULL_BATCH_SHARE = 0.9;

/**
 * The factor on the learning rate for one training step: 1 for a batch at least FULL_BATCH_SHARE full, else its
 * share of a full batch's targets. An epoch's last batches hold the tails of the few longest songs (the `steps`
 * encoding's last four on europa: 1,982, 742, 244 and 46 targets of 4,096), and Adam, which normalises the
 * gradient's size, took a full step on each of them right before validation: the validation loss jumped by up to
 * 20% at those epochs, which halved the learning rate on noise (reference preset, epochs 1-5: 1.54 / 1.47 / 1.24
 * / 1.49 / 0.97 nats a token with full steps, 1.34 / 1.20 / 1.07 / 0.95 / 0.92 with this; README, "Training").
 */
export function stepRateScale(batch: TokenBatch): number {
  let targets = 0;
  for (const w of batch.weights) targets += w;
  return Math.min(1, targets / (FULL_BATCH_SHARE * batch.rows * batch.steps));
}

/** Rows `first .. first + count - 1` of every position of `batch`: one replica's share of its streams. */
export function batchRows(batch: TokenBatch, first: number, count: number): TokenBatch {
  const { rows, steps } = batch;
  if (!Number.isInteger(first) || !Number.isInteger(count) || first < 0 || count < 1 || first + count > rows) {
    throw new RangeError(`rows ${first}..${first + count - 1} are not within the batch's ${rows} rows`);
  }
  const width = batch.inputRows ? batch.inputRows.length / (rows * steps) : 0;
  const n = count * steps;
  const part = {
    inputs: new Int32Array(n),
    targets: new Int32Array(n),
    weights: new Float32Array(n),
    resets: new Uint8Array(n),
    inputRows: batch.inputRows ? new Int32Array(n * width) : undefined,
  };
  for (let t = 0; t < steps; t++) {
    const from = t * rows + first;
    const to = t * count;
    part.inputs.set(batch.inputs.subarray(from, from + count), to);
    part.targets.set(batch.targets.subarray(from, from + count), to);
    part.weights.set(batch.weights.subarray(from, from + count), to);
    part.resets.set(batch.resets.subarray(from, from + count), to);
    part.inputRows?.set((batch.inputRows as Int32Array).subarray(from * width, (from + count) * width), to * width);
  }
  const { inputRows, ...arrays } = part;
  return { rows: count, steps, ...arrays, ...(inputRows ? { inputRows } : {}) };
}

/** Splits `total` items into at most `parts` contiguous shares of nearly equal size (none empty). */
export function evenShares(total: number, parts: number): { first: number; count: number }[] {
  const used = Math.max(1, Math.min(parts, total));
  return Array.from({ length: used }, (_, k) => {
    const first = Math.floor((k * total) / used);
    return { first, count: Math.floor(((k + 1) * total) / used) - first };
  });
}

/** How many times each style's songs are repeated in an epoch (styleRepeats), and how many songs it has. */
export interface StyleRepeat {
  readonly style: string;
  readonly songs: number;
  readonly repeats: number;
}

/**
 * Style balancing for a multi-style model: a style with fewer than `minSongs` training songs has each of them
 * repeated in every epoch, so that it gives about `minSongs` songs' worth of gradient (at most `maxRepeats` times,
 * so a tiny style is not learnt by heart). A song's style is its style token (`styleOf(token)` names it; songs
 * without one count as no style and are never repeated). Returns the epoch's song indices, each song as often as
 * it is repeated, and the repeats per style.
 */
export function styleRepeats(
  songs: readonly Int32Array[],
  styleOf: (token: number) => string | null,
  minSongs: number,
  maxRepeats: number,
): { readonly order: Int32Array; readonly styles: readonly StyleRepeat[] } {
  if (!Number.isInteger(minSongs) || minSongs < 1 || !Number.isInteger(maxRepeats) || maxRepeats < 1) {
    throw new RangeError(`style balancing takes whole numbers of at least 1 (got ${minSongs} songs, ${maxRepeats} repeats)`);
  }
  const songStyle = songs.map((song) => {
    // The style token is written first, after nothing but (in some encodings) a start token.
    for (let i = 0; i < Math.min(song.length, 3); i++) {
      const style = styleOf(song[i] as number);
      if (style !== null) return style;
    }
    return null;
  });
  const counts = new Map<string, number>();
  for (const style of songStyle) if (style !== null) counts.set(style, (counts.get(style) ?? 0) + 1);
  const repeatsOf = new Map([...counts].map(([style, count]) => [style, Math.min(maxRepeats, Math.max(1, Math.round(minSongs / count)))]));
  const order: number[] = [];
  songStyle.forEach((style, index) => {
    const repeats = style === null ? 1 : (repeatsOf.get(style) ?? 1);
    for (let k = 0; k < repeats; k++) order.push(index);
  });
  const styles = [...counts].map(([style, count]) => ({ style, songs: count, repeats: repeatsOf.get(style) ?? 1 })).sort((a, b) => a.style.localeCompare(b.style));
  return { order: Int32Array.from(order), styles };
}
