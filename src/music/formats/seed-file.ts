// A seed from a file (ABC, **kern, MIDI, MusicXML) or an ABC line: the file checked and read (readSeedFile), then
// its first bars written in the seed syntax (takeSeed), with its meter and key, and what was taken in words.
import { barTicks } from '../durations.js';
import { SeedFileError } from '../errors.js';
import { estimateSeedKey, keyName, tonicSpelling } from '../key.js';
import { kernToMidi, midiName, midiToKern } from '../pitch.js';
import { SEED_HIGHEST_PITCH, SEED_LOWEST_PITCH, SEED_MAX_EVENTS, SEED_RECIPS } from '../seed.js';
import { TICKS_PER_QUARTER, type MelodyEvent, type Meter, type Mode } from '../types.js';
import { readAbc } from './abc-read.js';
import { readKern } from './kern-read.js';
import { readMidi } from './midi-read.js';
import { readMusicXml } from './musicxml-read.js';
import { SEED_FILE_MAX_BYTES, type ReadMelody } from './read-melody.js';

export { SEED_FILE_MAX_BYTES };
export type SeedFileFormat = 'abc' | 'kern' | 'midi' | 'musicxml';

const EXTENSIONS: Readonly<Record<string, SeedFileFormat>> = {
  '.abc': 'abc',
  '.krn': 'kern',
  '.kern': 'kern',
  '.mid': 'midi',
  '.midi': 'midi',
  '.musicxml': 'musicxml',
  '.xml': 'musicxml',
};
export const SEED_FILE_TYPES = '.abc, .krn, .mid (or .midi), .musicxml (or .xml)';

/** The format a file name says it holds, or null. */
export function seedFileFormat(fileName: string): SeedFileFormat | null {
  const match = /\.[A-Za-z]+$/.exec(fileName);
  return EXTENSIONS[match?.[0].toLowerCase() ?? ''] ?? null;
}

/** Refuses a size before the file is read or downloaded: empty, or over SEED_FILE_MAX_BYTES. */
export function checkSeedFileSize(fileName: string, bytes: number): void {
  if (bytes === 0) throw new SeedFileError(fileName, `${fileName} is empty`);
  if (bytes > SEED_FILE_MAX_BYTES) {
    throw new SeedFileError(fileName, `${fileName} is ${Math.ceil(bytes / 1024)} KB; a seed file may have at most ${SEED_FILE_MAX_BYTES / 1024} KB (the opening of a tune is far less)`);
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function textOf(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    return new TextDecoder('latin1').decode(bytes);
  }
}

/**
 * Notes and rests a seed file's reader reads whole before it may stop: takeSeed uses at most SEED_MAX_EVENTS, and
 * one more tells it that the file goes on. Its seed is then the one the whole file gives.
 */
export const SEED_READ_EVENTS = SEED_MAX_EVENTS + 1;

/**
 * Checks and reads a seed file by its name's extension. Throws SeedFileError naming the file. The readers stop
 * after the first SEED_READ_EVENTS notes and rests where the format lets them (a seed is the file's opening), so
 * the Melody may hold only the opening, and damage after it goes unnoticed.
 */
export function readSeedFile(bytes: Uint8Array, fileName: string): ReadMelody {
  const format = seedFileFormat(fileName);
  if (format === null) throw new SeedFileError(fileName, `${fileName} is not a file type folkbot reads as a seed: send ${SEED_FILE_TYPES}`);
  checkSeedFileSize(fileName, bytes.length);
  if (format === 'midi') return readMidi(bytes, fileName, { timedEvents: SEED_READ_EVENTS });
  const text = textOf(bytes);
  // eslint-disable-next-line no-control-regex -- control characters mark a binary file
  if (/[\x00-\x08\x0e-\x1a]/.test(text.slice(0, 4096)) && !text.startsWith('PK')) {
    throw new SeedFileError(fileName, `${fileName} is a binary file, not ${format === 'abc' ? 'ABC' : format === 'kern' ? '**kern' : 'MusicXML'} text`);
  }
  if (format === 'abc') return readAbc(text, fileName, { timedEvents: SEED_READ_EVENTS });
  if (format === 'musicxml') return readMusicXml(text, fileName, { timedEvents: SEED_READ_EVENTS });
  return readKern(text, fileName, { timedEvents: SEED_READ_EVENTS });
}

/** An ABC line given on its own (`--seed-abc "G2AB c2BA|"`): a header is added when it has no K: field. */
export function readAbcSeed(text: string, meter: Meter | undefined, key: { tonic: string; mode: Mode } | undefined): ReadMelody {
  const name = 'the ABC seed';
  if (/^\s*K:/m.test(text)) return { ...readAbc(text.includes('X:') ? text : `X:1\n${text}`, name), part: 'the tune' };
  const tonic = (key?.tonic ?? 'C').replace('-', 'b');
  const header = `X:1\nM:${meter === undefined ? '4/4' : `${meter.numerator}/${meter.denominator}`}\nL:1/8\nK:${tonic}${key?.mode === 'minor' ? 'm' : ''}\n`;
  return { ...readAbc(header + text, name), part: 'the tune' };
}

/** Seed lengths, longest first: the seed syntax's durations with up to two dots. */
const SEED_LENGTHS: readonly { readonly ticks: number; readonly text: string }[] = SEED_RECIPS.flatMap((recip) =>
  ['', '.', '..'].map((dots, i) => ({ ticks: ((4 * TICKS_PER_QUARTER) / recip) * [1, 1.5, 1.75][i]!, text: `${recip}${dots}` })),
)
  .filter((l) => Number.isInteger(l.ticks))
  .sort((a, b) => b.ticks - a.ticks);

/** Seed durations adding up to `ticks`, longest first, or null when the seed syntax cannot write it exactly. */
function seedPieces(ticks: number): string[] | null {
  const exact = SEED_LENGTHS.find((l) => l.ticks === ticks);
  if (exact) return [exact.text];
  // Depth-first over the lengths, longest first: finds the fewest pieces in practice, and fails fast.
  const search = (left: number, from: number, depth: number): string[] | null => {
    if (left === 0) return [];
    if (depth === 0) return null;
    for (let i = from; i < SEED_LENGTHS.length; i++) {
      const length = SEED_LENGTHS[i];
      if (length === undefined || length.ticks > left) continue;
      const rest = search(left - length.ticks, i, depth - 1);
      if (rest !== null) return [length.text, ...rest];
    }
    return null;
  };
  return search(ticks, 0, 4);
}

export interface TakenSeed {
  /** The seed in the seed syntax (src/music/seed.ts). */
  readonly seed: string;
  /** The file's meter; null when it has none (free meter). */
  readonly meter: Meter | null;
  /** The file's key, when it names one and the opening is heard in it. */
  readonly key?: { readonly tonic: string; readonly mode: Mode };
  readonly mode?: Mode;
  /** Full bars taken (after the pickup). */
  readonly bars: number;
  /** What was taken, in words: "the first 4 bars and the pickup of track 1, 'Violin' of tune.mid (...)". */
  readonly description: string;
}

/**
 * The first bars of a melody as a seed: the pickup and at most `maxBars` full bars of its meter (`meter`
 * overrides it), no more than the seed syntax's SEED_MAX_EVENTS notes and rests. Grace notes are left out.
 * Throws SeedFileError when the opening holds what the seed syntax cannot write.
 */
export function takeSeed(read: ReadMelody, fileName: string, options: { readonly maxBars: number; readonly meter?: Meter }): TakenSeed {
  const { melody } = read;
  const remarks = [...read.remarks];
  const fileMeter = melody.meters[0]?.meter ?? null;
  const meter = options.meter ?? fileMeter ?? { numerator: 4, denominator: 4 };
  const bar = barTicks(meter);
  const events = melody.events.filter((e) => !(e.kind === 'note' && (e.grace === true || e.duration === 0)));
  if (events.length < melody.events.length) remarks.push('grace notes were left out');
  const end = events.reduce((max, e) => Math.max(max, e.onset + e.duration), 0);
  const firstBarline = [...melody.barlines].sort((a, b) => a - b).find((t) => t > 0);
  const pickup = firstBarline !== undefined && firstBarline < bar && firstBarline < end ? firstBarline : 0;
  let bars = Math.max(1, Math.min(options.maxBars, Math.ceil((end - pickup) / bar)));
  const within = (cut: number): MelodyEvent[] =>
    events.filter((e) => e.onset < cut).map((e) => (e.onset + e.duration > cut ? { ...e, duration: cut - e.onset } : e));
  while (bars > 1 && within(pickup + bars * bar).length > SEED_MAX_EVENTS) bars--;
  let cut = pickup + bars * bar;
  let taken = within(cut);
  if (taken.length > SEED_MAX_EVENTS) {
    taken = taken.slice(0, SEED_MAX_EVENTS);
    const last = taken[taken.length - 1];
    cut = last === undefined ? 0 : last.onset + last.duration;
    bars = 0;
  }
  while (taken.length > 0 && taken[taken.length - 1]?.kind === 'rest') taken.pop(); // trailing rests say nothing
  if (!taken.some((e) => e.kind === 'note')) throw new SeedFileError(fileName, `${fileName} has no notes in its first ${bars} bars`);

  const tokens: string[] = [];
  const barlineAt = new Set(pickup > 0 ? [pickup] : []);
  for (let t = pickup + bar; t < cut; t += bar) barlineAt.add(t);
  for (const event of taken) {
    if (barlineAt.has(event.onset) && tokens.length > 0) tokens.push('|');
    const pieces = seedPieces(event.duration);
    if (pieces === null) {
      throw new SeedFileError(
        fileName,
        `${fileName}: the ${event.kind} at quarter ${(event.onset / TICKS_PER_QUARTER + 1).toFixed(2).replace(/\.?0+$/, '')} lasts ${event.duration} ticks (960 a quarter), ` +
          'which the seed syntax cannot write (it has whole to 32nd notes, dots and triplets)',
      );
    }
    if (event.kind === 'rest') {
      tokens.push(...pieces.map((p) => `${p}r`));
      continue;
    }
    if (event.pitch < SEED_LOWEST_PITCH || event.pitch > SEED_HIGHEST_PITCH) {
      throw new SeedFileError(fileName, `${fileName}: the note ${midiName(event.pitch)} is outside the range a seed may use, ${midiName(SEED_LOWEST_PITCH)} to ${midiName(SEED_HIGHEST_PITCH)}`);
    }
    const spelling = event.spelling !== undefined && kernToMidi(event.spelling) === event.pitch ? event.spelling : midiToKern(event.pitch, melody.key);
    pieces.forEach((piece, index) => {
      const open = pieces.length > 1 && index === 0 ? '[' : '';
      const close = pieces.length > 1 && index > 0 ? (index === pieces.length - 1 ? ']' : '_') : '';
      tokens.push(`${open}${piece}${spelling}${close}`);
    });
  }

  // The file's key when the opening is heard in it (or its relative); otherwise the seed is kept as written and
  // its key found from the notes, so that nothing is moved.
  let key: TakenSeed['key'];
  const mode = melody.keySource === 'file' ? melody.key.mode : undefined;
  if (melody.keySource === 'file') {
    const heard = estimateSeedKey(taken, { barTicks: bar, pickup });
    const relative = heard.mode === melody.key.mode ? heard.tonic : (heard.tonic + (melody.key.mode === 'minor' ? 9 : 3)) % 12;
    const { letter, alter } = tonicSpelling(melody.key);
    if (relative === melody.key.tonic) key = { tonic: `${letter.toUpperCase()}${alter > 0 ? '#'.repeat(alter) : 'b'.repeat(-alter)}`, mode: melody.key.mode };
    else remarks.push(`the file is in ${keyName(melody.key)} but its opening is heard in ${keyName(heard)}: its notes were kept as written`);
  }
  if (fileMeter === null && options.meter === undefined) remarks.push('the file has no meter: 4/4 was assumed');
  const what = bars === 0 ? `the first ${taken.length} notes and rests` : `the first ${bars === 1 ? 'bar' : `${bars} bars`}${pickup > 0 ? ' after the pickup' : ''}`;
  const description = `${what} of ${read.part === 'the tune' || read.part === 'the spine' ? fileName : `${read.part} of ${fileName}`}${remarks.length > 0 ? ` (${remarks.join('; ')})` : ''}`;
  return { seed: tokens.join(' '), meter: fileMeter, ...(key ? { key } : {}), ...(mode ? { mode } : {}), bars, description };
}
