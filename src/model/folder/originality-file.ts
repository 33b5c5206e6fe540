// The originality index of a model folder (src/music/originality.ts), kept beside the weights as
// `originality-index.bin`: built by `folkbot calibrate` from the training songs. It is derived from the corpus, whose
// licence forbids redistribution, so it is git-ignored and never shipped; a folder without it composes as before
// and says that the check did not run.
//
// Layout (little-endian): u32 header length, header JSON ({ format, version, songs: [{title, file}], lengths }),
// padding to 4 bytes, then Int32 symbols of every song, u32 run keys, u32 starts, Int32 entries.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { IndexedSong, OriginalityIndex } from '../../music/originality.js';

export const ORIGINALITY_FILE = 'originality-index.bin';

interface Header {
  readonly format: 'folkbot-originality';
  readonly version: 1;
  readonly songs: readonly IndexedSong[];
  readonly lengths: readonly number[];
  readonly keys: number;
  readonly entries: number;
}

export function encodeOriginalityIndex(index: OriginalityIndex): Buffer {
  const lengths = index.sequences.map((sequence) => sequence.length);
  const header: Header = { format: 'folkbot-originality', version: 1, songs: index.songs, lengths, keys: index.table.keys.length, entries: index.table.entries.length };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const headerBytes = 4 + Math.ceil(json.length / 4) * 4;
  const symbols = lengths.reduce((a, b) => a + b, 0);
  const out = Buffer.alloc(headerBytes + 4 * (symbols + header.keys + header.keys + 1 + header.entries));
  out.writeUInt32LE(json.length, 0);
  json.copy(out, 4);
  let offset = headerBytes;
  const put = (array: Int32Array | Uint32Array): void => {
    Buffer.from(array.buffer, array.byteOffset, array.byteLength).copy(out, offset);
    offset += array.byteLength;
  };
  for (const sequence of index.sequences) put(sequence);
  put(index.table.keys);
  put(index.table.starts);
  put(index.table.entries);
  return out;
}

export class OriginalityFileError extends Error {
  override readonly name = 'OriginalityFileError';
}

export function decodeOriginalityIndex(bytes: Buffer): OriginalityIndex {
  if (bytes.length < 4) throw new OriginalityFileError('the originality index is empty or truncated');
  const length = bytes.readUInt32LE(0);
  let header: Header;
  try {
    header = JSON.parse(bytes.subarray(4, 4 + length).toString('utf8')) as Header;
  } catch {
    throw new OriginalityFileError('the originality index has a damaged header');
  }
  if (header.format !== 'folkbot-originality' || header.version !== 1 || header.songs.length !== header.lengths.length) {
    throw new OriginalityFileError('not a folkbot originality index (format "folkbot-originality", version 1)');
  }
  const symbols = header.lengths.reduce((a, b) => a + b, 0);
  let offset = 4 + Math.ceil(length / 4) * 4;
  const expected = offset + 4 * (symbols + 2 * header.keys + 1 + header.entries);
  if (bytes.length !== expected) throw new OriginalityFileError(`the originality index has ${bytes.length} bytes, expected ${expected}`);
  // A copy aligned to 4 bytes, so that the typed arrays can view it.
  const data = new Uint8Array(bytes.length);
  data.set(bytes);
  const take = <T extends Int32Array | Uint32Array>(Kind: new (buffer: ArrayBuffer, offset: number, length: number) => T, count: number): T => {
    const array = new Kind(data.buffer, offset, count);
    offset += 4 * count;
    return array;
  };
  const sequences = header.lengths.map((count) => take(Int32Array, count));
  const keys = take(Uint32Array, header.keys);
  const starts = take(Uint32Array, header.keys + 1);
  const entries = take(Int32Array, header.entries);
  return { songs: header.songs, sequences, table: { keys, starts, entries } };
}

export async function saveOriginalityIndex(modelDir: string, index: OriginalityIndex): Promise<void> {
  const target = path.join(modelDir, ORIGINALITY_FILE);
  const temporary = `${target}.tmp-${process.pid}`;
  await fs.writeFile(temporary, encodeOriginalityIndex(index));
  await fs.rename(temporary, target);
}

/** The folder's index, or null when it has none; a damaged one throws OriginalityFileError. */
export async function loadOriginalityIndex(modelDir: string): Promise<OriginalityIndex | null> {
  const bytes = await fs.readFile(path.join(modelDir, ORIGINALITY_FILE)).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  return bytes === null ? null : decodeOriginalityIndex(bytes);
}

