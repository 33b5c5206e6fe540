// Originality: the longest passage a tune shares with any song of a corpus, in notes, comparing pitch intervals and
// durations, so that a transposed copy counts too. A composer must not hand back someone else's song, and a user
// should know when a seed or a tune is close to a real one.
//
// The index holds every song as a sequence of symbols, one per note or rest: (interval from the previous note,
// duration), and a table from each run of K symbols to where it occurs. A tune's passages are found from the runs
// it shares, extended both ways; each alignment (song, offset) is extended once. Written by hand: it is a few dozen
// lines, and no maintained library does approximate melodic matching over this representation.
import { barTicks } from './kern-write.js';
import type { Melody, MelodyEvent } from './types.js';

/** Symbols per lookup key: passages of at least K + 1 notes are found exactly (shorter ones count as K at most). */
export const SEED_SYMBOLS = 4;
const REST = 0x7f;
const NONE = 0x7e;

export interface IndexedSong {
  readonly title: string;
  /** Path relative to the corpus folder. */
  readonly file: string;
}

export interface OriginalityIndex {
  readonly songs: readonly IndexedSong[];
  /** Each song's symbols. */
  readonly sequences: readonly Int32Array[];
  /** Run key -> packed (song index, position) pairs. */
  readonly table: RunTable;
}

/** Where each run of SEED_SYMBOLS symbols occurs: keys ascending, and for key i the pairs in entries[starts[i]..starts[i+1]). */
export interface RunTable {
  readonly keys: Uint32Array;
  readonly starts: Uint32Array;
  readonly entries: Int32Array;
}

function hitsOf(table: RunTable, key: number): Int32Array | undefined {
  let lo = 0;
  let hi = table.keys.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const value = table.keys[mid]!;
    if (value === key) return table.entries.subarray(table.starts[mid]!, table.starts[mid + 1]!);
    if (value < key) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

/** The run table of the sequences. */
export function buildRunTable(sequences: readonly Int32Array[]): RunTable {
  const lists = new Map<number, number[]>();
  sequences.forEach((symbols, songIndex) => {
    for (let start = 1; start + SEED_SYMBOLS <= symbols.length; start++) {
      const key = runKey(symbols, start);
      let list = lists.get(key);
      if (list === undefined) lists.set(key, (list = []));
      list.push(songIndex, start);
    }
  });
  const keys = Uint32Array.from([...lists.keys()].sort((a, b) => a - b));
  const starts = new Uint32Array(keys.length + 1);
  let total = 0;
  keys.forEach((key, i) => {
    starts[i] = total;
    total += lists.get(key)!.length;
  });
  starts[keys.length] = total;
  const entries = new Int32Array(total);
  keys.forEach((key, i) => entries.set(lists.get(key)!, starts[i]!));
  return { keys, starts, entries };
}

export interface SharedPassage {
  /** Notes and rests shared (intervals and durations). */
  readonly notes: number;
  readonly song: IndexedSong;
  /** Where the passage is in the tune: index of its first event (notes and rests, grace notes left out), and bars. */
  readonly tuneStart: number;
  readonly firstBar: number;
  readonly lastBar: number;
  /** Bars of the tune the passage spans (lastBar - firstBar + 1). */
  readonly bars: number;
  /** Tick where the passage's last note or rest starts. */
  readonly lastOnset: number;
}

function sounding(events: readonly MelodyEvent[]): MelodyEvent[] {
  return events.filter((event) => !(event.kind === 'note' && event.grace === true));
}

/** One symbol per note or rest: interval from the last note before it (NONE for the first) and duration. */
export function melodySymbols(events: readonly MelodyEvent[]): Int32Array {
  const list = sounding(events);
  const out = new Int32Array(list.length);
  let last: number | null = null;
  list.forEach((event, i) => {
    let interval = REST;
    if (event.kind === 'note') {
      interval = last === null ? NONE : Math.max(-60, Math.min(60, event.pitch - last)) & 0x7f;
      last = event.pitch;
    }
    out[i] = (interval << 24) | Math.min(event.duration, 0xffffff);
  });
  return out;
}

function runKey(symbols: Int32Array, start: number): number {
  let hash = 2166136261;
  for (let i = start; i < start + SEED_SYMBOLS; i++) hash = Math.imul(hash ^ symbols[i]!, 16777619);
  return hash >>> 0;
}

export function buildOriginalityIndex(songs: readonly { readonly melody: Melody; readonly file: string }[]): OriginalityIndex {
  const sequences = songs.map((song) => melodySymbols(song.melody.events));
  return { songs: songs.map((song) => ({ title: song.melody.title, file: song.file })), sequences, table: buildRunTable(sequences) };
}

const durationOf = (symbol: number): number => symbol & 0xffffff;

/**
 * The longest passage `melody` shares with a song of the index (null when none of SEED_SYMBOLS + 1 notes). A
 * passage of n events: the same n durations, and the same n - 1 intervals between them.
 */
export function longestSharedPassage(index: OriginalityIndex, melody: Melody): SharedPassage | null {
  const tune = melodySymbols(melody.events);
  let best: { notes: number; song: number; start: number } | null = null;
  const done = new Set<string>();
  for (let t = 1; t + SEED_SYMBOLS <= tune.length; t++) {
    const hits = hitsOf(index.table, runKey(tune, t));
    if (hits === undefined) continue;
    for (let h = 0; h < hits.length; h += 2) {
      const song = hits[h]!;
      const position = hits[h + 1]!;
      const symbols = index.sequences[song]!;
      const alignment = `${song}:${position - t}`;
      if (done.has(alignment)) continue;
      done.add(alignment);
      // Extend the run of equal symbols both ways, then take the note before it when its duration matches.
      let left = 0;
      while (t - left - 1 >= 1 && position - left - 1 >= 1 && tune[t - left - 1] === symbols[position - left - 1]) left++;
      let right = 0;
      while (t + right < tune.length && position + right < symbols.length && tune[t + right] === symbols[position + right]) right++;
      if (right < SEED_SYMBOLS) continue;
      const start = t - left;
      const head = durationOf(tune[start - 1]!) === durationOf(symbols[position - left - 1]!) ? 1 : 0;
      const notes = left + right + head;
      if (best === null || notes > best.notes) best = { notes, song, start: start - head };
    }
  }
  if (best === null) return null;
  const events = sounding(melody.events);
  // Bar 1 is the first full bar; a pickup is bar 0.
  const meter = melody.meters[0]?.meter;
  const fullBar = meter === null || meter === undefined ? Infinity : barTicks(meter);
  const hasPickup = (melody.barlines.find((line) => line > 0) ?? Infinity) < fullBar;
  const barOf = (tick: number): number => melody.barlines.filter((line) => line <= tick).length + (hasPickup ? 0 : 1);
  const first = events[best.start]!;
  const last = events[best.start + best.notes - 1]!;
  const firstBar = barOf(first.onset);
  const lastBar = barOf(last.onset);
  return { notes: best.notes, song: index.songs[best.song]!, tuneStart: best.start, firstBar, lastBar, bars: lastBar - firstBar + 1, lastOnset: last.onset };
}
