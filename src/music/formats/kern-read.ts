// **kern -> Melody for a seed: one spine through parseKern; a polyphonic file (several **kern spines, spines split
// into voices, chords) reduced to the highest voice of its first part.
//
// Humdrum writes a score's staves as spines from the lowest on the left to the highest on the right (a chorale is
// bass, tenor, alto, soprano), so the first part, the top staff, is the rightmost **kern spine. Its voices (the
// sub-spines of `*^` splits) and chords are reduced to the notes on top: at each moment the highest note that
// starts, held until it ends or a higher one starts; a lower note under it is left out, rests fill silences. A
// chord's notes are heard as lasting the first note's duration, as Humdrum times a chord token by its first.
// parseKern stays strict (the corpus is one voice per file); this is the reader that accepts polyphony.
import { KernParseError, SeedFileError } from '../errors.js';
import { estimateKey } from '../key.js';
import { fallbackTitle, KERN_BARLINE, KernReader, parseKern, readKernTandem, TextLines, type KernReadLimit } from '../kern-parse.js';
import type { Key, Melody, MelodyEvent, Meter, MeterChange } from '../types.js';
import type { ReadMelody } from './read-melody.js';

/** Reads a **kern file as a seed. `file` names it in messages. Throws SeedFileError. */
export function readKern(text: string, file: string, limit: KernReadLimit = {}): ReadMelody {
  try {
    try {
      return { melody: parseKern(text, file, limit), part: 'the spine', remarks: [] };
    } catch (error) {
      if (!(error instanceof KernParseError) || (error.reason !== 'multiple spines' && error.reason !== 'chord')) throw error;
    }
    return readPolyphonicKern(text, file, limit);
  } catch (error) {
    if (error instanceof KernParseError) throw new SeedFileError(file, `${file} could not be read as **kern: ${error.message}`);
    throw error;
  }
}

/** A note or rest of one voice of the part, ties joined. `pitch` is -Infinity for a rest. */
interface Sound {
  pitch: number;
  onset: number;
  duration: number;
  readonly spelling?: string;
  readonly grace: boolean;
  fermata: boolean;
}

/** A spine (or sub-spine) of the file. */
interface Column {
  /** Index of the exclusive spine (`**kern`...) it comes from; -1 for one added by `*+`. */
  readonly spine: number;
  /** Tick at which its next token starts. */
  tick: number;
  /** Its notes with an open tie, by pitch (shared by the two halves of a split). */
  readonly ties: Map<number, Sound>;
}

const REST = -Infinity;

/**
 * The part's line: at each onset the highest sound starting there (a rest only when no note starts); it lasts
 * until it ends or a higher sound starts; sounds starting under it are left out. Grace notes are kept where
 * nothing sounds. Silences between sounds become rests.
 */
function topLine(sounds: readonly Sound[]): { events: MelodyEvent[]; dropped: number } {
  const sorted = [...sounds].sort((a, b) => a.onset - b.onset || Number(b.grace) - Number(a.grace) || b.pitch - a.pitch);
  const line: Sound[] = [];
  let end = 0;
  let dropped = 0;
  for (const sound of sorted) {
    if (sound.grace) {
      if (sound.onset >= end) line.push({ ...sound });
      continue;
    }
    const current = line[line.length - 1];
    if (current !== undefined && !current.grace && sound.onset < end) {
      if (sound.pitch <= current.pitch || sound.onset === current.onset) {
        if (sound.pitch !== REST) dropped++;
        continue;
      }
      current.duration = sound.onset - current.onset; // a higher note enters while this one is held
    }
    if (sound.onset > end) line.push({ pitch: REST, onset: end, duration: sound.onset - end, grace: false, fermata: false });
    line.push({ ...sound });
    end = sound.onset + sound.duration;
  }
  const events = line.map((s): MelodyEvent => {
    const fermata = s.fermata ? { fermata: true } : {};
    if (s.pitch === REST) return { kind: 'rest', onset: s.onset, duration: s.duration, ...fermata };
    return { kind: 'note', pitch: s.pitch, onset: s.onset, duration: s.duration, ...(s.spelling !== undefined ? { spelling: s.spelling } : {}), ...(s.grace ? { grace: true } : {}), ...fermata };
  });
  return { events, dropped };
}

function readPolyphonicKern(text: string, file: string, limit: KernReadLimit): ReadMelody {
  const reader: KernReader = new KernReader(file);
  const lines = new TextLines(text);
  const timedLimit = limit.timedEvents ?? Infinity;
  const titles: string[] = [];
  let columns: Column[] | null = null;
  let chosen = -1;
  let kernSpines = 0;
  let partName: string | undefined;
  let key: Key | null = null;
  let keyDeclared = false;
  const meters: MeterChange[] = [];
  const barlines: number[] = [];
  const sounds: Sound[] = [];
  const openTies = new Set<Sound>();
  let voices = 1;
  let chords = false;
  let ended = false;
  let complete: MelodyEvent[] | null = null; // the line's first timedLimit events, once read whole
  let nextCheck = timedLimit;
  let droppedBefore = 0;

  const partTick = (cols: readonly Column[]): number => cols.find((c) => c.spine === chosen)?.tick ?? 0;
  const setMeter = (tick: number, meter: Meter | null): void => {
    if (meters[meters.length - 1]?.tick === tick) meters.pop();
    const previous = meters[meters.length - 1]?.meter;
    if (meters.length === 0 || JSON.stringify(previous) !== JSON.stringify(meter)) meters.push({ tick, meter });
  };

  for (let raw = lines.next(); raw !== null && complete === null; raw = lines.next()) {
    const line = raw.trimEnd();
    reader.setLine(lines.count);
    if (line === '') continue;
    if (line.startsWith('!!')) {
      const record = /^!!!OTL[^:]*:\s*(.*)$/.exec(line);
      const title = record?.[1]?.trim();
      if (title !== undefined && title !== '' && !titles.includes(title)) titles.push(title);
      continue;
    }
    const fields = line.split('\t');
    if (columns === null) {
      if (line.startsWith('!')) continue;
      if (!fields.every((f) => f.startsWith('**'))) reader.fail(line.replace(/\t/g, ' | '), 'data before header', 'a **kern file starts with comments and then the spines\' headers, e.g. "**kern"');
      kernSpines = fields.filter((f) => f === '**kern').length;
      chosen = fields.lastIndexOf('**kern');
      if (chosen < 0) reader.fail(line.replace(/\t/g, ' | '), 'no **kern spine', 'at least one spine must be **kern');
      columns = fields.map((_, spine) => ({ spine, tick: 0, ties: new Map() }));
      continue;
    }
    if (ended) {
      if (line.startsWith('!')) continue;
      reader.fail(line.replace(/\t/g, ' | '), 'data after end', 'after all spines end ("*-") only comments may follow');
    }
    if (fields.length !== columns.length) {
      reader.fail(line.replace(/\t/g, ' | '), 'spines out of step', `the line has ${fields.length} fields where ${columns.length} spines are open; each line has one field per spine`);
    }
    if (line.startsWith('!')) continue; // local comments
    const cols: Column[] = columns;
    if (fields[0]?.startsWith('*')) {
      if (!fields.every((f) => f.startsWith('*'))) reader.fail(line.replace(/\t/g, ' | '), 'spines out of step', 'an interpretation line has interpretations (*...) in every spine');
      const partField = fields.find((_, i) => cols[i]?.spine === chosen);
      if (partField !== undefined) {
        const tandem = readKernTandem(partField, reader);
        if (tandem !== null && 'meter' in tandem) setMeter(partTick(cols), tandem.meter);
        if (tandem !== null && 'key' in tandem && !keyDeclared) {
          key = tandem.key;
          keyDeclared = true;
        }
        const name = /^\*I"(.+)$/.exec(partField)?.[1]?.trim();
        if (name !== undefined && name !== '' && partName === undefined) partName = name;
      }
      const next: Column[] = [];
      for (let i = 0; i < cols.length; i++) {
        const column = cols[i];
        if (column === undefined) continue;
        const field = fields[i];
        if (field === '*^') {
          next.push(column, { spine: column.spine, tick: column.tick, ties: column.ties });
        } else if (field === '*v') {
          let j = i;
          let tick = column.tick;
          while (fields[j + 1] === '*v' && cols[j + 1]?.spine === column.spine) tick = Math.max(tick, cols[++j]?.tick ?? 0);
          next.push({ ...column, tick });
          i = j;
        } else if (field === '*x' && fields[i + 1] === '*x') {
          next.push(cols[i + 1] ?? column, column);
          i++;
        } else if (field === '*+') {
          next.push(column, { spine: -1, tick: column.tick, ties: new Map() });
        } else if (field !== '*-') {
          next.push(column);
        }
      }
      columns = next;
      voices = Math.max(voices, next.filter((c) => c.spine === chosen).length);
      ended = next.length === 0;
      continue;
    }
    if (fields.some((f, i) => cols[i]?.spine === chosen && f.startsWith('='))) {
      const bar = fields.find((f, i) => cols[i]?.spine === chosen) ?? '';
      if (!KERN_BARLINE.test(bar)) reader.fail(bar, 'bad barline', 'a barline is "=", "=5", "==", "=:|!" and the like');
      const tick = partTick(cols);
      if (tick > 0 && barlines[barlines.length - 1] !== tick) barlines.push(tick);
      continue;
    }
    for (let i = 0; i < cols.length; i++) {
      const column = cols[i];
      const field = fields[i] ?? '.';
      if (column?.spine !== chosen || field === '.') continue;
      if (/^[*=!]/.test(field)) reader.fail(line.replace(/\t/g, ' | '), 'spines out of step', 'interpretations, barlines and comments stand on lines of their own, in every spine');
      let advance: number | null = null;
      let pitched = 0;
      for (const part of field.split(' ')) {
        if (part === '') continue;
        const token = reader.readDataToken(part);
        if (!token.grace) advance ??= token.duration;
        if (token.rest) {
          sounds.push({ pitch: REST, onset: column.tick, duration: token.duration, grace: false, fermata: token.fermata });
          continue;
        }
        if (!token.grace) pitched++;
        const open = column.ties.get(token.pitch);
        // Essen writes `[x]` both for a tie's middle and to open one: inside an open tie it continues it.
        const continues = token.tieMiddle || (token.tieEnd && !token.tieStart) || (token.tieStart && token.tieEnd && open !== undefined);
        if (continues) {
          if (open === undefined || token.grace) reader.fail(part, 'tie without start', 'a tie continuation (_) or end (]) needs the same pitch opened with [ before it in its spine');
          open.duration += token.duration;
          if (token.fermata) open.fermata = true;
          if (token.tieEnd && !token.tieStart) {
            column.ties.delete(token.pitch);
            openTies.delete(open);
          }
          continue;
        }
        const sound: Sound = { pitch: token.pitch, onset: column.tick, duration: token.duration, spelling: token.spelling, grace: token.grace, fermata: token.fermata };
        sounds.push(sound);
        if (token.tieStart) {
          column.ties.set(token.pitch, sound);
          openTies.add(sound);
        }
      }
      if (pitched > 1) chords = true;
      column.tick += advance ?? 0;
    }
    // Stop once the line's first timedLimit events can no longer change: sounds yet to come start after every
    // voice's current tick, so events that end by then are whole. Checked as the sounds double, to stay linear.
    if (sounds.length >= nextCheck) {
      nextCheck = sounds.length * 2;
      const now = Math.min(...cols.filter((c) => c.spine === chosen).map((c) => c.tick));
      const line = topLine(sounds);
      const whole = line.events.filter((e) => !(e.kind === 'note' && e.grace === true) && e.onset + e.duration <= now);
      const last = whole[timedLimit - 1];
      if (last !== undefined) {
        complete = line.events.slice(0, line.events.indexOf(last) + 1);
        droppedBefore = line.dropped;
      }
    }
  }

  reader.setLine(complete === null ? lines.total() : lines.count);
  if (columns === null) reader.fail('', 'no **kern spine', 'the file has no "**kern" header');
  if (complete === null) {
    const open = [...openTies][0];
    if (open !== undefined) reader.fail('[', 'unfinished tie', 'a tie opened in the first part does not end');
  }
  const { events, dropped } = complete === null ? topLine(sounds) : { events: complete, dropped: droppedBefore };
  if (!events.some((e) => e.kind === 'note' && e.grace !== true)) throw new SeedFileError(file, `${file} has no notes in its first part (the rightmost **kern spine)`);

  const remarks: string[] = [];
  const name = partName !== undefined ? `, '${partName}'` : '';
  const reduced = voices > 1 || chords || dropped > 0;
  const part = kernSpines > 1 ? `${reduced ? 'the highest voice of ' : ''}the first part${name}` : reduced ? `the highest voice${name}` : 'the spine';
  if (kernSpines > 1) remarks.push(`the file has ${kernSpines} **kern spines: the first part is the rightmost, as Humdrum orders them`);
  if (voices > 1) remarks.push(`the part splits into ${voices} voices: the highest notes were taken`);
  if (chords) remarks.push('chords: the highest note of each was taken');
  if (meters.length === 0 || (meters[0]?.tick ?? 0) > 0) meters.unshift({ tick: 0, meter: null });
  const melody: Melody = {
    title: titles.length > 0 ? titles.join(' / ') : fallbackTitle(file),
    source: file,
    key: key ?? estimateKey(events),
    keySource: key ? 'file' : 'estimated',
    meters,
    barlines,
    events,
    phraseStarts: [],
  };
  return { melody, part, remarks };
}
