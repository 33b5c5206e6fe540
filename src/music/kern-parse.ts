// Humdrum **kern (one spine, one voice) -> Melody. Written for the Essen Folksong Collection, strict about
// anything it cannot represent: several spines, chords, durations off the 960-ticks-per-quarter grid and
// unknown signifiers raise a KernParseError naming file, line and token instead of being dropped.
//
// One harmony spine (`**mxhm` or `**harm`, chord symbols as writeKern puts them above the staff) may stand
// beside the **kern spine: parseKernWithChords returns its symbols, parseKern ignores it.
//
// Accepted on purpose without effect on the Melody: comments, instrument/section/tempo/key-signature and other
// tandem interpretations, slurs, beams, stems, articulations, ornaments, editorial marks, barline styles.
// A key change in mid-song keeps the opening key as Melody.key (the type has one key); the notes keep their
// written spelling. A few Essen files put an accidental after stem or editorial marks (`4ff//#`, `8ffxxxx#`):
// it still applies to the note.
import { KernParseError } from './errors.js';
import { estimateKey, keyOfSpelledTonic } from './key.js';
import { kernToMidi } from './pitch.js';
import { TICKS_PER_QUARTER } from './types.js';
import type { Key, Melody, MelodyEvent, Meter, MeterChange, Mode } from './types.js';

const TICKS_PER_WHOLE = 4 * TICKS_PER_QUARTER;

/** Signifiers that carry neither pitch nor time: articulations, ornaments, beams, stems, bowings, editorial. */
const IGNORED_SIGNIFIERS = new Set("'\"`~^:,/\\LJKkIzsuvxXyY?MmSTtWwROijlNUVZ@%+|<>pPhH$&()");

const ACCEPTED_TOKENS =
  'a note is [tie][duration][dots][pitch][accidental][signs], e.g. "4c", "8.f#", "[2B-", "16ee]", "4r", "qg"; ' +
  'durations are kern reciprocals (0 = breve, 1, 2, 4, 8, 16, 32, 3, 6, 12... with dots)';

/** One data token, read. */
export interface DataToken {
  readonly rest: boolean;
  readonly pitch: number;
  readonly spelling: string;
  readonly duration: number;
  readonly grace: boolean;
  readonly tieStart: boolean;
  readonly tieMiddle: boolean;
  readonly tieEnd: boolean;
  readonly phraseStart: boolean;
  readonly fermata: boolean;
}

interface MutableNote {
  kind: 'note';
  pitch: number;
  onset: number;
  duration: number;
  spelling?: string;
  grace?: boolean;
  fermata?: boolean;
}

interface MutableRest {
  kind: 'rest';
  onset: number;
  duration: number;
  fermata?: boolean;
}

/** Ticks of a kern reciprocal given as a fraction numerator/denominator (recip "3%2" = 3/2, "1.5" = 15/10). */
function recipTicks(numerator: number, denominator: number, dots: number): number | null {
  // A reciprocal of 0 is a breve, 00 a long, 000 a maxima: handled by the caller passing negative zeros count.
  if (numerator <= 0) return null;
  const base = (TICKS_PER_WHOLE * denominator) / numerator;
  // Dots add half, quarter... of the base: total = base * (2^(d+1) - 1) / 2^d.
  const total = (base * (2 ** (dots + 1) - 1)) / 2 ** dots;
  return Number.isInteger(total) && total > 0 ? total : null;
}

/** Reads data tokens and raises KernParseErrors naming the source, line and token. */
export class KernReader {
  private readonly source: string;
  private line = 0;

  constructor(source: string) {
    this.source = source;
  }

  setLine(line: number): void {
    this.line = line;
  }

  fail(token: string, reason: string, detail: string): never {
    throw new KernParseError(this.source, this.line, token, reason, detail);
  }

  readDataToken(token: string): DataToken {
    if (/\s/.test(token)) {
      this.fail(token, 'chord', 'several notes sounding together cannot be a monophonic melody; write one note per line');
    }
    let rest = false;
    let letters = '';
    let accidentals = '';
    let duration: number | null = null;
    let grace = false;
    let tieStart = false;
    let tieMiddle = false;
    let tieEnd = false;
    let phraseStart = false;
    let fermata = false;
    let i = 0;
    while (i < token.length) {
      const ch = token[i] ?? '';
      if (ch >= '0' && ch <= '9') {
        if (duration !== null) this.fail(token, 'two durations', `a token has one duration; ${ACCEPTED_TOKENS}`);
        duration = this.readDuration(token, i);
        i = this.durationEnd;
        continue;
      }
      if (/[a-gA-G]/.test(ch)) {
        if (letters !== '' || rest) {
          this.fail(token, 'chord', `a token holds one pitch (chords are not accepted); ${ACCEPTED_TOKENS}`);
        }
        let j = i;
        while (token[j] === ch) j++;
        letters = token.slice(i, j);
        const accidentalMatch = /^(#+|-+|n)/.exec(token.slice(j));
        accidentals = accidentalMatch?.[1] ?? '';
        i = j + accidentals.length;
        continue;
      }
      switch (ch) {
        case 'r':
          if (letters !== '' || rest) this.fail(token, 'rest with pitch', `a token is either a note or a rest; ${ACCEPTED_TOKENS}`);
          rest = true;
          while (token[i] === 'r') i++;
          continue;
        case '#':
        case '-':
        case 'n': {
          // An accidental separated from its letters by stems or editorial marks (`4ff//#`): Essen quirk.
          if (letters === '' || accidentals !== '') {
            this.fail(token, 'misplaced accidental', `"${ch}" must follow the pitch letters, as in "4f#" or "8B-"`);
          }
          let j = i;
          while (token[j] === ch && ch !== 'n') j++;
          accidentals = ch === 'n' ? 'n' : token.slice(i, j);
          i = ch === 'n' ? i + 1 : j;
          continue;
        }
        case '.':
          this.fail(token, 'misplaced dot', `augmentation dots must follow the duration digits, as in "4.c"`);
          break;
        case 'q':
        case 'Q':
          grace = true;
          break;
        case '[':
          tieStart = true;
          break;
        case '_':
          tieMiddle = true;
          break;
        case ']':
          tieEnd = true;
          break;
        case '{':
          phraseStart = true;
          break;
        case '}':
          break;
        case ';':
          fermata = true;
          break;
        default:
          if (!IGNORED_SIGNIFIERS.has(ch)) {
            this.fail(token, 'unknown signifier', `"${ch}" is not a **kern signifier this reader knows; ${ACCEPTED_TOKENS}`);
          }
      }
      i++;
    }
    if (!rest && letters === '') {
      this.fail(token, 'no pitch or rest', `a data token must hold a pitch (a-g, A-G) or a rest (r); ${ACCEPTED_TOKENS}`);
    }
    if (duration === null && !grace) {
      this.fail(token, 'missing duration', `only grace notes (q) may omit the duration; ${ACCEPTED_TOKENS}`);
    }
    if (rest && (tieStart || tieMiddle || tieEnd)) this.fail(token, 'tied rest', 'ties join notes, not rests');
    if (grace && rest) this.fail(token, 'grace rest', 'only notes can be grace notes (q)');
    let pitch = 0;
    let spelling = '';
    if (!rest) {
      spelling = letters + accidentals;
      const midi = /^([a-gA-G])\1*$/.test(letters) ? kernToMidi(spelling) : null;
      if (midi === null) this.fail(token, 'pitch out of range', 'pitches must lie within MIDI 0..127 (CCCCC to gggggg)');
      pitch = midi;
    }
    return {
      rest,
      pitch,
      spelling,
      duration: grace ? 0 : (duration ?? 0),
      grace,
      tieStart,
      tieMiddle,
      tieEnd,
      phraseStart,
      fermata,
    };
  }

  /** Index just after the duration read by the last readDuration call. */
  private durationEnd = 0;

  /** Reads digits [% digits | . digits] dots starting at `start`; returns ticks. */
  private readDuration(token: string, start: number): number {
    let i = start;
    while (/[0-9]/.test(token[i] ?? '')) i++;
    const digits = token.slice(start, i);
    let numerator = Number(digits);
    let denominator = 1;
    if (/^0+$/.test(digits)) {
      // 0 = breve (2 wholes), 00 = long (4 wholes), 000 = maxima (8 wholes).
      numerator = 1;
      denominator = 2 ** digits.length;
    } else if (token[i] === '%' && /[0-9]/.test(token[i + 1] ?? '')) {
      // Humdrum rational rhythm: "3%2" is a reciprocal of 3/2 (two thirds of a whole note).
      let j = i + 1;
      while (/[0-9]/.test(token[j] ?? '')) j++;
      denominator = Number(token.slice(i + 1, j));
      i = j;
    } else if (token[i] === '.' && /[0-9]/.test(token[i + 1] ?? '')) {
      // A decimal reciprocal, as in Essen's "1.5a" (a whole note / 1.5 = two thirds of a whole note).
      let j = i + 1;
      while (/[0-9]/.test(token[j] ?? '')) j++;
      const fraction = token.slice(i + 1, j);
      numerator = Number(digits + fraction);
      denominator = 10 ** fraction.length;
      i = j;
    }
    let dots = 0;
    while (token[i] === '.') {
      dots++;
      i++;
    }
    this.durationEnd = i;
    const ticks = recipTicks(numerator, denominator, dots);
    if (ticks === null) {
      this.fail(
        token,
        'duration not representable',
        `"${token.slice(start, i)}" is not a whole number of ticks at ${TICKS_PER_QUARTER} per quarter note ` +
          '(reciprocals built from 2, 3 and 5 are: 1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 24, 32, 48, 64...)',
      );
    }
    return ticks;
  }
}

/** The lines of a text one at a time: a reader that stops early need not split the whole text. */
export class TextLines {
  private readonly text: string;
  private at = 0;
  /** Lines handed out so far, so the 1-based number of the last one. */
  count = 0;

  constructor(text: string) {
    this.text = text.replace(/^\uFEFF/, ''); // a UTF-8 byte-order mark is not content
  }

  /** The next line without its line break, or null after the last. */
  next(): string | null {
    if (this.at > this.text.length) return null;
    let end = this.text.indexOf('\n', this.at);
    if (end < 0) end = this.text.length;
    const line = this.text.slice(this.at, end > this.at && this.text[end - 1] === '\r' ? end - 1 : end);
    this.at = end + 1;
    this.count++;
    return line;
  }

  /** The number of lines in the text (the rest is read). */
  total(): number {
    while (this.next() !== null);
    return this.count;
  }
}

const SPINE_MANIPULATORS = new Set(['*^', '*v', '*x', '*+']);
const MODE_SUFFIXES = new Set(['', 'ion', 'dor', 'phr', 'lyd', 'mix', 'aeo', 'loc']);


/** A barline token: "=", "=5", "==", "=:|!" and the like. */
export const KERN_BARLINE = /^=+(\d+)?[a-z]?[;:|!'`\-.[\]yxXY]*$/;

/** What a tandem interpretation says about a Melody: its meter (null: free), its key (null: declared unknown). */
export type KernTandem = { readonly meter: Meter | null } | { readonly key: Key | null } | null;

/** Reads a tandem interpretation (`*M3/4`, `*MX`, `*G:`, `*e:dor`, `*?:`); null for those a Melody has no use for. */
export function readKernTandem(line: string, reader: KernReader): KernTandem {
  const meter = /^\*M(\d+)\/(\d+)(%.*)?$/.exec(line);
  if (meter) {
    const numerator = Number(meter[1]);
    const denominator = Number(meter[2]);
    if (numerator < 1 || denominator < 1) reader.fail(line, 'bad meter', 'a meter is *M<beats>/<unit> with both >= 1, e.g. *M3/4');
    return { meter: { numerator, denominator } };
  }
  // Free or irregular meter: *MX, *MZ (Essen: mixed meters, irregular), *MFREI4/4 (Essen: "frei", free).
  if (line === '*MX' || line === '*MZ' || line.startsWith('*MFREI')) return { meter: null };
  const keyMatch = /^\*([A-Ga-g])(#+|-+)?:([a-z]*)$/.exec(line);
  if (keyMatch && MODE_SUFFIXES.has(keyMatch[3] ?? '')) {
    const letter = keyMatch[1] ?? 'C';
    const mode: Mode = letter === letter.toUpperCase() ? 'major' : 'minor';
    const accidentals = keyMatch[2] ?? '';
    const alter = accidentals.startsWith('#') ? accidentals.length : -accidentals.length;
    return { key: keyOfSpelledTonic(letter, alter, mode) };
  }
  if (line === '*?' || line === '*?:' || line === '*X:') return { key: null };
  if (line.startsWith('*M') && !line.startsWith('*MM') && /^\*M[0-9]/.test(line)) {
    reader.fail(line, 'bad meter', 'a meter is *M<beats>/<unit> (e.g. *M3/4, *M6/8), *MX (free) or *MZ');
  }
  // Instruments (*I...), sections (*>A), tempo (*MM), key signature (*k[...]), null and other tandem
  // interpretations carry nothing the Melody holds.
  return null;
}

/** A chord symbol of a harmony spine, at the tick of the **kern note or rest on its line. */
export interface KernChordSymbol {
  readonly tick: number;
  readonly symbol: string;
}

/** How much of a file to read. */
export interface KernReadLimit {
  /**
   * Stop once this many notes and rests with a duration are read whole (a seed needs its opening only): the
   * Melody then ends with them, and the rest of the file is not read, so not checked either.
   */
  readonly timedEvents?: number;
}

/** Parses one **kern melody. `source` names it in errors (usually the file path). */
export function parseKern(text: string, source: string, limit: KernReadLimit = {}): Melody {
  return parseKernWithChords(text, source, limit).melody;
}

/**
 * parseKern, and the chord symbols of a harmony spine beside the **kern spine (none without one). A symbol on a
 * line whose **kern token is null (`.`: a chord change under a held note) has no time **kern alone can give,
 * and is left out.
 */
export function parseKernWithChords(text: string, source: string, limit: KernReadLimit = {}): { melody: Melody; chords: KernChordSymbol[] } {
  const timedLimit = limit.timedEvents ?? Infinity;
  let timed = 0;
  let stopped = false;
  const reader: KernReader = new KernReader(source);
  const lines = new TextLines(text);
  const titles: string[] = [];
  let region: string | undefined;
  let key: Key | null = null;
  let keyDeclared = false;
  const meters: MeterChange[] = [];
  const barlines: number[] = [];
  const events: (MutableNote | MutableRest)[] = [];
  const phraseStarts: number[] = [];
  let tick = 0;
  let openTie: MutableNote | null = null;
  let openTieLine = 0;
  let state: 'before' | 'inside' | 'after' = 'before';

  const setMeter = (meter: Meter | null): void => {
    const last = meters[meters.length - 1];
    if (last && last.tick === tick) meters.pop();
    const previous = meters[meters.length - 1];
    const same =
      previous !== undefined &&
      (previous.meter === null || meter === null
        ? previous.meter === meter
        : previous.meter.numerator === meter.numerator && previous.meter.denominator === meter.denominator);
    if (!same) meters.push({ tick, meter });
  };

  const readToken = (text: string, lineNumber: number): void => {
    const token = reader.readDataToken(text);
    // Essen writes `[x]` for a tied note's middle part (`[2f#` `[2f#]` `4f#]`), and sometimes to open a tie
    // (`[2a]` `8a]`): inside an open tie it continues it, otherwise it opens one.
    const bracketed = token.tieStart && token.tieEnd;
    const tieMiddle = token.tieMiddle || (bracketed && openTie !== null);
    if (token.phraseStart && phraseStarts[phraseStarts.length - 1] !== tick) phraseStarts.push(tick);
    if (tieMiddle || (token.tieEnd && !token.tieStart)) {
      if (openTie === null) {
        reader.fail(text, 'tie without start', 'a tie continuation (_) or end (]) needs a note opened with [ before it');
      }
      if (openTie.pitch !== token.pitch || token.grace) {
        reader.fail(text, 'tie between different notes', `the tie opened on line ${openTieLine} joins only the same pitch`);
      }
      openTie.duration += token.duration;
      if (token.fermata) openTie.fermata = true;
      tick += token.duration;
      if (token.tieEnd && !token.tieStart) openTie = null;
      return;
    }
    if (openTie !== null) {
      reader.fail(text, 'unfinished tie', `the tie opened on line ${openTieLine} must end with "]" on the same pitch`);
    }
    if (!token.grace && timed === timedLimit) {
      stopped = true; // the events before this one are whole
      return;
    }
    if (!token.grace) timed++;
    let event: MutableNote | MutableRest;
    if (token.rest) {
      event = { kind: 'rest', onset: tick, duration: token.duration };
    } else {
      event = { kind: 'note', pitch: token.pitch, onset: tick, duration: token.duration, spelling: token.spelling };
      if (token.grace) event.grace = true;
      if (token.tieStart) {
        openTie = event;
        openTieLine = lineNumber;
      }
    }
    if (token.fermata) event.fermata = true;
    events.push(event);
    tick += token.duration;
  };

  const chords: KernChordSymbol[] = [];
  let harmonySpine = false;
  for (let raw = lines.next(); raw !== null; raw = lines.next()) {
    const index = lines.count - 1;
    let line = raw.trimEnd();
    reader.setLine(index + 1);
    if (line === '') continue;
    if (state === 'before' && /^\*\*kern\t\*\*(mxhm|harm)$/.test(line)) {
      harmonySpine = true;
      state = 'inside';
      continue;
    }
    if (harmonySpine && !line.startsWith('!!')) {
      const fields = line.split('\t');
      const kernField = fields[0] ?? '';
      const harmonyField = fields[1] ?? '';
      if (fields.length !== 2 || (kernField.startsWith('*') && (SPINE_MANIPULATORS.has(harmonyField) || harmonyField.startsWith('**')))) {
        reader.fail(line.replace(/\t/g, ' | '), 'multiple spines', 'only one **kern spine and one harmony spine (**mxhm) are accepted');
      }
      line = kernField;
      if (!/^[*=!.]/.test(kernField) && harmonyField !== '.' && harmonyField !== '' && !/^[*=!]/.test(harmonyField)) {
        chords.push({ tick, symbol: harmonyField });
      }
    }
    if (line.startsWith('!')) {
      const record = /^!!!([^:]+):\s*(.*)$/.exec(line);
      if (record) {
        const value = (record[2] ?? '').trim();
        if (record[1] === 'OTL' && value !== '' && !titles.includes(value)) titles.push(value);
        if (record[1] === 'ARE' && value !== '' && region === undefined) region = value;
      }
      continue;
    }
    if (line.includes('\t')) {
      reader.fail(line.replace(/\t/g, ' | '), 'multiple spines', 'only one **kern spine (one voice) is accepted');
    }
    if (state === 'before') {
      if (line === '**kern') {
        state = 'inside';
        continue;
      }
      if (line.startsWith('**')) {
        reader.fail(line, 'not **kern', 'the spine must be **kern');
      }
      reader.fail(line, 'data before header', 'a **kern file starts with comments and then the "**kern" header');
    }
    if (state === 'after') {
      reader.fail(line, 'data after end', 'after "*-" only comments may follow (one melody per file)');
    }
    if (line.startsWith('*')) {
      if (line === '*-') {
        state = 'after';
        continue;
      }
      if (SPINE_MANIPULATORS.has(line) || line.startsWith('**')) {
        reader.fail(line, 'multiple spines', 'spine splits, joins and new spines are not accepted: one voice only');
      }
      const tandem = readKernTandem(line, reader);
      if (tandem !== null && 'meter' in tandem) setMeter(tandem.meter);
      if (tandem !== null && 'key' in tandem && !keyDeclared) {
        key = tandem.key;
        keyDeclared = true;
      }
      continue;
    }
    if (line.startsWith('=')) {
      if (!KERN_BARLINE.test(line)) {
        reader.fail(line, 'bad barline', 'a barline is "=", "=5", "==", "=:|!" and the like');
      }
      if (tick > 0 && barlines[barlines.length - 1] !== tick) barlines.push(tick);
      continue;
    }
    if (line === '.') continue; // a null token: nothing happens on this line
    // A control character (deut1328 has "4.B<backspace>8G") separates tokens typed on one line.
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is matched
    for (const part of line.split(/[\x00-\x08\x0b-\x1f\x7f]+/)) {
      if (part !== '' && !stopped) readToken(part, index + 1);
    }
    if (stopped) break;
  }

  reader.setLine(lines.total());
  if (state === 'before') reader.fail('', 'no **kern spine', 'the file has no "**kern" header');
  if (openTie !== null && !stopped) {
    reader.setLine(openTieLine);
    reader.fail('[', 'unfinished tie', 'the melody ends inside a tie opened here');
  }
  if (!events.some((event) => event.kind === 'note')) reader.fail('', 'no notes', 'a melody needs at least one note');

  if (meters.length === 0 || (meters[0]?.tick ?? 0) > 0) meters.unshift({ tick: 0, meter: null });
  const melodyEvents: readonly MelodyEvent[] = events;
  const resolvedKey = key ?? estimateKey(melodyEvents);
  const melody: Melody = {
    title: titles.length > 0 ? titles.join(' / ') : fallbackTitle(source),
    source,
    ...(region !== undefined ? { region } : {}),
    key: resolvedKey,
    keySource: key ? 'file' : 'estimated',
    meters,
    barlines,
    events: melodyEvents,
    phraseStarts,
  };
  return { melody, chords };
}

/** A title for a song without `!!!OTL`: its file name without folder and extension. */
export function fallbackTitle(source: string): string {
  const base = source.split(/[\\/]/).pop() ?? '';
  const stem = base.replace(/\.[^.]*$/, '');
  return stem === '' ? 'Untitled' : stem;
}
