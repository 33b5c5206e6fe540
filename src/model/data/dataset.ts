// Training data from a folder of **kern files: parse, filter, normalise to C major / A minor, build the encoding,
// encode, and split the songs into training and validation by a fixed-seed hash of their file names.
//
// Parsing a whole collection takes seconds, so results are cached under runs/.cache/ (git-ignored: they derive from
// the licensed data) at two levels: the encoded dataset (tokens + encoding config), and the parsed corpus (filtered,
// normalised melodies and the reasons for failures). Keys: the file list with sizes and mtimes, the filter, the
// encoding and split settings, and the source code of the music core and the encodings that produced them.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KernParseError } from '../../music/errors.js';
import { trainingFilter } from '../../music/filter.js';
import { normalizeKey } from '../../music/key.js';
import { parseKern } from '../../music/kern-parse.js';
import type { Melody } from '../../music/types.js';
import type { Encoding, EncodingConfig, EncodingName } from '../encodings/encoding.js';
import { buildEncoding, createEncoding } from '../encodings/index.js';
import { listKernFiles } from './kern-files.js';
import { styleOfSong } from './styles.js';

export { listKernFiles } from './kern-files.js';

export type CorpusFilter = 'default' | 'reference';

/** Bump when what the corpus stage stores changes, so old caches are not read. */
const CORPUS_CACHE_VERSION = 1;

/** Vocabulary tokens must be used by at least this many songs; rarer ones cannot be learnt. */
export const DEFAULT_MIN_SONGS_PER_TOKEN = 2;

export interface DatasetProgress {
  readonly phase: 'parse' | 'encode';
  readonly done: number;
  readonly total: number;
}

export interface CorpusOptions {
  /** A folder searched recursively for .krn files. */
  readonly dataDir: string;
  readonly filter: CorpusFilter;
  /** Folder for the parsed-corpus cache; default `<repo>/runs/.cache`; null: no cache. */
  readonly cacheDir?: string | null;
  readonly onProgress?: (progress: DatasetProgress) => void;
}

export interface BuildTrainingDataOptions extends CorpusOptions {
  readonly encoding: EncodingName;
  /** Share of songs held out for validation (default 0.1). */
  readonly validationFraction?: number;
  /** Seed of the split hash (default 1234). */
  readonly seed?: number;
  /** See DEFAULT_MIN_SONGS_PER_TOKEN. */
  readonly minSongsPerToken?: number;
  /** Label every song with its style (styles.ts) so the encoding writes a style token; songs of no style are dropped. */
  readonly styles?: boolean;
}

/** One .krn file of the corpus: its melody (parsed, kept by the filter, in C major / A minor), or why not. */
export type CorpusEntry =
  | { readonly file: string; readonly melody: Melody }
  | { readonly file: string; readonly failed: string; readonly message: string }
  | { readonly file: string; readonly dropped: string };

export interface Corpus {
  /** Paths relative to dataDir, with `/` separators, sorted. */
  readonly entries: readonly CorpusEntry[];
  /** Whether it was read from the cache. */
  readonly cached: boolean;
}

export interface DatasetSummary {
  readonly files: number;
  readonly parsed: number;
  /** Files that could not be parsed, by reason. */
  readonly failed: Readonly<Record<string, number>>;
  readonly kept: number;
  /** Parsed songs left out, by reason (the filter's, or `encoding: ...` when the encoding cannot represent them). */
  readonly dropped: Readonly<Record<string, number>>;
  readonly trainSongs: number;
  readonly validationSongs: number;
  readonly trainTokens: number;
  readonly validationTokens: number;
  /** Notes and rests of the kept songs. */
  readonly notes: number;
  /** With styles: training and validation songs per style. */
  readonly styles?: Readonly<Record<string, { readonly trainSongs: number; readonly validationSongs: number }>>;
  readonly vocabularySize: number;
  readonly cached: boolean;
  readonly seconds: number;
}

export interface TrainingData {
  readonly encoding: Encoding;
  readonly train: Int32Array[];
  readonly validation: Int32Array[];
  readonly trainFiles: string[];
  readonly validationFiles: string[];
  readonly summary: DatasetSummary;
}

/**
 * Whether a song belongs to the validation split: a hash of its file name (not of the folder it was found in, so
 * the split is the same whether `essen/` or `essen/europa/` was given; Essen file names are unique) and the seed.
 * Adding or removing other files never moves a song to the other side.
 */
export function isValidationSong(relativePath: string, fraction: number, seed: number): boolean {
  if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`validation fraction must be between 0 and 1, got ${fraction}`);
  const name = relativePath.split(/[\\/]/).pop() ?? relativePath;
  return hashToUnit(`${seed}\u0000${name}`) < fraction;
}

/** FNV-1a with a murmur3 finaliser, mapped to [0, 1). */
function hashToUnit(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) / 4294967296;
}

function findRepoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the folkbot repository root (no package.json above src/model)');
    dir = parent;
  }
  return dir;
}

export function defaultCacheDir(): string {
  return path.join(findRepoRoot(), 'runs', '.cache');
}

/** A hash of the .ts/.js sources in `dirs` (relative to this module) and of `files`: code changes invalidate caches. */
function codeHash(dirs: readonly string[], files: readonly string[] = []): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const hash = createHash('sha256');
  const paths = [
    ...dirs.flatMap((dir) => readdirSync(path.join(here, dir)).sort().map((name) => path.join(here, dir, name))),
    ...files.map((file) => path.join(here, file)),
  ];
  for (const file of paths) {
    if (!/\.(ts|js)$/.test(file) || !existsSync(file)) continue;
    hash.update(path.basename(file)).update('\u0000').update(readFileSync(file));
  }
  return hash.digest('hex');
}

/** The source of a stage's result: the files with their sizes and mtimes, and the code that read them. */
function corpusCacheKey(dataDir: string, files: readonly string[], filter: CorpusFilter): string {
  const hash = createHash('sha256');
  hash.update(`v${CORPUS_CACHE_VERSION}\u0000${filter}\u0000${codeHash(['../../music'])}\u0000`);
  for (const file of files) {
    const stat = statSync(path.join(dataDir, file));
    hash.update(`${file}\u0000${stat.size}\u0000${stat.mtimeMs}\u0000`);
  }
  return hash.digest('hex').slice(0, 32);
}

/**
 * Cache files are named `<stem>-<key>.<ext>`: the stem names what is cached (stage, data folder, settings), the key
 * its exact inputs. Writing a new key deletes the older files of the same stem, so the cache does not grow.
 */
class CacheSlot {
  constructor(
    private readonly dir: string,
    private readonly stem: string,
    private readonly key: string,
  ) {}

  file(ext: string): string {
    return path.join(this.dir, `${this.stem}-${this.key}.${ext}`);
  }

  write(ext: string, data: string | Uint8Array): void {
    mkdirSync(this.dir, { recursive: true });
    const target = this.file(ext);
    const partial = `${target}.${process.pid}.tmp`;
    writeFileSync(partial, data);
    renameSync(partial, target);
  }

  /** Deletes this stem's files of other keys. */
  prune(): void {
    for (const name of readdirSync(this.dir)) {
      if (name.startsWith(`${this.stem}-`) && !name.startsWith(`${this.stem}-${this.key}.`)) rmSync(path.join(this.dir, name), { force: true });
    }
  }
}

function folderTag(dataDir: string): string {
  return createHash('sha256').update(dataDir).digest('hex').slice(0, 8);
}

function parseEntry(dataDir: string, file: string, filter: CorpusFilter): CorpusEntry {
  let melody: Melody;
  try {
    melody = parseKern(readFileSync(path.join(dataDir, file), 'utf8'), file);
  } catch (error) {
    if (error instanceof KernParseError) return { file, failed: error.reason, message: error.message };
    // A parser bug on one file must not stop the whole corpus; it is reported under its own reason.
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { file, failed: `unexpected ${error instanceof Error ? error.name : 'error'}`, message };
  }
  const dropped = trainingFilter(melody, filter);
  if (dropped !== null) return { file, dropped };
  return { file, melody: normalizeKey(melody).melody };
}

/** Parses, filters and normalises every .krn file under `dataDir`, from the cache when it is current. */
export function loadCorpus(options: CorpusOptions): Corpus {
  const dataDir = path.resolve(options.dataDir);
  const files = listKernFiles(dataDir);
  return loadListedCorpus(options, dataDir, files, corpusCacheKey(dataDir, files, options.filter));
}

function cacheDirOf(options: CorpusOptions): string | null {
  return options.cacheDir === undefined ? defaultCacheDir() : options.cacheDir;
}

function loadListedCorpus(options: CorpusOptions, dataDir: string, files: readonly string[], key: string): Corpus {
  const cacheDir = cacheDirOf(options);
  const slot = cacheDir === null ? null : new CacheSlot(cacheDir, `corpus-${folderTag(dataDir)}-${options.filter}`, key);
  if (slot !== null && existsSync(slot.file('json'))) {
    try {
      const stored = JSON.parse(readFileSync(slot.file('json'), 'utf8')) as { version: number; entries: CorpusEntry[] };
      if (stored.version === CORPUS_CACHE_VERSION && stored.entries.length === files.length) {
        options.onProgress?.({ phase: 'parse', done: files.length, total: files.length });
        return { entries: stored.entries, cached: true };
      }
    } catch {
      // An unreadable cache file (e.g. cut short) is rebuilt below.
    }
  }
  const entries: CorpusEntry[] = [];
  files.forEach((file, index) => {
    entries.push(parseEntry(dataDir, file, options.filter));
    if (index % 100 === 99 || index === files.length - 1) options.onProgress?.({ phase: 'parse', done: index + 1, total: files.length });
  });
  if (slot !== null) {
    slot.write('json', JSON.stringify({ version: CORPUS_CACHE_VERSION, entries }));
    slot.prune();
  }
  return { entries, cached: false };
}

/** What the dataset cache stores besides the tokens (which go, concatenated, into a .bin file). */
interface StoredDataset {
  readonly version: number;
  readonly encoding: EncodingConfig;
  readonly trainFiles: string[];
  readonly validationFiles: string[];
  readonly trainLengths: number[];
  readonly validationLengths: number[];
  readonly summary: DatasetSummary;
}

function readStoredDataset(slot: CacheSlot): TrainingData | null {
  if (!existsSync(slot.file('json')) || !existsSync(slot.file('bin'))) return null;
  try {
    const stored = JSON.parse(readFileSync(slot.file('json'), 'utf8')) as StoredDataset;
    if (stored.version !== CORPUS_CACHE_VERSION) return null;
    const bytes = readFileSync(slot.file('bin'));
    const all = new Int32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    let offset = 0;
    const take = (lengths: readonly number[]): Int32Array[] =>
      lengths.map((length) => {
        const song = all.slice(offset, offset + length);
        offset += length;
        return song;
      });
    const train = take(stored.trainLengths);
    const validation = take(stored.validationLengths);
    if (offset !== all.length) return null;
    return {
      encoding: createEncoding(stored.encoding),
      train,
      validation,
      trainFiles: stored.trainFiles,
      validationFiles: stored.validationFiles,
      summary: stored.summary,
    };
  } catch {
    return null;
  }
}

function writeStoredDataset(slot: CacheSlot, data: TrainingData): void {
  const songs = [...data.train, ...data.validation];
  const all = new Int32Array(songs.reduce((sum, song) => sum + song.length, 0));
  let offset = 0;
  for (const song of songs) {
    all.set(song, offset);
    offset += song.length;
  }
  const stored: StoredDataset = {
    version: CORPUS_CACHE_VERSION,
    encoding: data.encoding.config,
    trainFiles: data.trainFiles,
    validationFiles: data.validationFiles,
    trainLengths: data.train.map((song) => song.length),
    validationLengths: data.validation.map((song) => song.length),
    summary: data.summary,
  };
  slot.write('bin', new Uint8Array(all.buffer));
  slot.write('json', JSON.stringify(stored));
  slot.prune();
}

/** A stable category for an encoding's reason to reject a song: numbers, lists and quoted tokens blanked out. */
export function rejectCategory(reason: string): string {
  const blanked = reason
    .replace(/"[^"]*"/g, '"…"')
    .replace(/\d+(\/\d+)?/g, 'N')
    .replace(/tokens? "…"(, "…")*/g, 'token(s) "…"')
    .replace(/pitch(es)? N(, N)*/g, 'pitch(es) N');
  return `encoding: ${blanked}`;
}

/**
 * Counts rejected songs by category (rejectCategory) while keeping the tokens the reasons name: the summary's
 * keys show the three tokens that most songs needed and how many more there were, e.g.
 * `encoding: token(s) "60:1/5", "r:1/6", "<M:7/8>" and 4 more not in the vocabulary`, so a reader can act on them.
 */
export class RejectionTally {
  private readonly songs = new Map<string, number>();
  private readonly named = new Map<string, Map<string, number>>();

  add(reason: string, prefix = ''): void {
    const category = prefix + rejectCategory(reason);
    this.songs.set(category, (this.songs.get(category) ?? 0) + 1);
    const tokens = this.named.get(category) ?? new Map<string, number>();
    for (const token of new Set([...reason.matchAll(/"([^"]*)"/g)].map((match) => match[1] ?? ''))) tokens.set(token, (tokens.get(token) ?? 0) + 1);
    this.named.set(category, tokens);
  }

  /** Songs per category, the categories written with their most needed tokens. */
  summary(): Record<string, number> {
    const result: Record<string, number> = {};
    for (const [category, count] of this.songs) {
      const tokens = [...(this.named.get(category) ?? new Map<string, number>())].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
      const shown = tokens.slice(0, 3).map(([token]) => `"${token}"`).join(', ');
      const more = tokens.length > 3 ? ` and ${tokens.length - 3} more` : '';
      const key = tokens.length === 0 ? category : category.replace(/(token\(s\) )?"…"(, "…")*/, (_, word: string | undefined) => `${word ?? ''}${shown}${more}`);
      result[key] = (result[key] ?? 0) + count;
    }
    return result;
  }
}

function increment(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/**
 * Builds the training data. Two cache levels: the encoded dataset (keyed by the corpus, the encoding, the split
 * and the encoding code), else the parsed corpus (keyed by the files and the music code), else everything is parsed.
 */
export function buildTrainingData(options: BuildTrainingDataOptions): TrainingData {
  const started = performance.now();
  const fraction = options.validationFraction ?? 0.1;
  const seed = options.seed ?? 1234;
  const minSongs = options.minSongsPerToken ?? DEFAULT_MIN_SONGS_PER_TOKEN;
  if (!(fraction >= 0 && fraction < 1)) throw new RangeError(`validationFraction must be at least 0 and below 1, got ${fraction}`);
  const dataDir = path.resolve(options.dataDir);
  const files = listKernFiles(dataDir);
  const corpusKey = corpusCacheKey(dataDir, files, options.filter);
  const cacheDir = cacheDirOf(options);
  const datasetKey = createHash('sha256')
    .update(`${corpusKey}\u0000${options.encoding}\u0000${fraction}\u0000${seed}\u0000${minSongs}\u0000${options.styles === true ? 'styles' : ''}\u0000`)
    .update(codeHash(['../encodings'], ['dataset.ts', 'dataset.js', 'styles.ts', 'styles.js']))
    .digest('hex')
    .slice(0, 32);
  const stem = `dataset-${folderTag(dataDir)}-${options.filter}-${options.encoding}${options.styles === true ? '-styles' : ''}`;
  const slot = cacheDir === null ? null : new CacheSlot(cacheDir, stem, datasetKey);
  const stored = slot === null ? null : readStoredDataset(slot);
  if (stored !== null) {
    options.onProgress?.({ phase: 'encode', done: stored.summary.kept, total: stored.summary.kept });
    return { ...stored, summary: { ...stored.summary, cached: true, seconds: (performance.now() - started) / 1000 } };
  }
  const corpus = loadListedCorpus(options, dataDir, files, corpusKey);
  const data = encodeCorpus(options.styles === true ? withStyles(corpus) : corpus, options.encoding, fraction, seed, minSongs, options.onProgress);
  if (slot !== null) writeStoredDataset(slot, data);
  return { ...data, summary: { ...data.summary, seconds: (performance.now() - started) / 1000 } };
}

/** The reason a style model leaves out a song that belongs to no style. */
export const NO_STYLE = 'no style (its folder is in none of the styles of src/model/data/styles.ts)';

/** Each melody labelled with its style; songs of no style become drops (`keepUnstyled`: stay, without a style). */
export function withStyles(corpus: Corpus, keepUnstyled = false): Corpus {
  return {
    ...corpus,
    entries: corpus.entries.map((entry) => {
      if (!('melody' in entry)) return entry;
      const style = styleOfSong(entry.file, entry.melody.region);
      if (style === null) return keepUnstyled ? entry : { file: entry.file, dropped: NO_STYLE };
      return { file: entry.file, melody: { ...entry.melody, style } };
    }),
  };
}

/**
 * The corpus as scoring and calibration read it: every song of a style labelled with it, the others kept without
 * one. A model without styles ignores the labels; a model with styles cannot encode the unlabelled songs.
 */
export function loadLabelledCorpus(options: CorpusOptions): Corpus {
  return withStyles(loadCorpus(options), true);
}

function encodeCorpus(
  corpus: Corpus,
  encodingName: EncodingName,
  fraction: number,
  seed: number,
  minSongs: number,
  onProgress: ((progress: DatasetProgress) => void) | undefined,
): TrainingData {
  const failed: Record<string, number> = {};
  const dropped: Record<string, number> = {};
  const songs: { file: string; melody: Melody }[] = [];
  for (const entry of corpus.entries) {
    if ('failed' in entry) increment(failed, entry.failed);
    else if ('dropped' in entry) increment(dropped, entry.dropped);
    else songs.push(entry);
  }
  const encoding = buildEncoding(
    encodingName,
    songs.map((song) => song.melody),
    { minSongs },
  );

  const data = { train: [] as Int32Array[], validation: [] as Int32Array[], trainFiles: [] as string[], validationFiles: [] as string[] };
  let trainTokens = 0;
  let validationTokens = 0;
  let notes = 0;
  const styles: Record<string, { trainSongs: number; validationSongs: number }> = {};
  const rejected = new RejectionTally();
  songs.forEach(({ file, melody }, index) => {
    const reason = encoding.reject(melody);
    if (reason !== null) {
      rejected.add(reason);
    } else {
      const tokens = encoding.encode(melody);
      notes += encoding.scoredPositions(tokens).notes;
      const validation = isValidationSong(file, fraction, seed);
      if (melody.style !== undefined) {
        const counts = (styles[melody.style] ??= { trainSongs: 0, validationSongs: 0 });
        if (validation) counts.validationSongs++;
        else counts.trainSongs++;
      }
      if (validation) {
        data.validation.push(tokens);
        data.validationFiles.push(file);
        validationTokens += tokens.length;
      } else {
        data.train.push(tokens);
        data.trainFiles.push(file);
        trainTokens += tokens.length;
      }
    }
    if (index % 500 === 499 || index === songs.length - 1) onProgress?.({ phase: 'encode', done: index + 1, total: songs.length });
  });
  for (const [category, count] of Object.entries(rejected.summary())) dropped[category] = (dropped[category] ?? 0) + count;

  const failedCount = Object.values(failed).reduce((sum, count) => sum + count, 0);
  return {
    encoding,
    ...data,
    summary: {
      files: corpus.entries.length,
      parsed: corpus.entries.length - failedCount,
      failed,
      kept: data.train.length + data.validation.length,
      dropped,
      trainSongs: data.train.length,
      validationSongs: data.validation.length,
      trainTokens,
      validationTokens,
      notes,
      ...(Object.keys(styles).length > 0 ? { styles } : {}),
      vocabularySize: encoding.vocabularySize,
      cached: corpus.cached,
      seconds: 0,
    },
  };
}
