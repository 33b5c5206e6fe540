// The `events` encoding (folkbot's default): one token per note or rest, carrying both pitch and duration.
//
//   <M:3/4> <minor>  67:1/2  |  69:1 67:1/2 65:1/2 64:1  |  ~:1/2 ... 69:2 <end>
//
// - Conditioning: the meter in force at the start (`<M:3/4>`, `<M:X>` for free meter) and the mode (`<major>`,
//   `<minor>`); the tune is already in C major / A minor. A multi-style model's vocabulary also has style tokens
//   (`<S:chinese-han>`, from the melody's `style`, see src/model/data/styles.ts), written first; an encoding
//   without them leaves a melody's style out.
// - A note is `<midi pitch>:<duration>`, a rest `r:<duration>`. Durations count in the beat unit of the meter in
//   force (its denominator: a quarter in 3/4, a half in 4/2, an eighth in 6/8; a quarter in free meter), so
//   `67:1/2` is an eighth in 2/4 and a quarter in 4/2: Essen writes many songs in long note values (4/2, 6/2, 3/1),
//   and counting in beats lets them share tokens and statistics with the rest. One token per note keeps sequences
//   short (training cost is per token); the vocabulary holds only the pitch/duration pairs the corpus uses.
// - `|` stands at every barline, so the network sees where bars start (a pickup is simply a first bar shorter than
//   the meter); a meter change is its `<M:..>` token right after the barline where it takes effect.
// - A note or rest that crosses a barline (tied notes, merged when parsed) is split there: the part after the
//   barline is a continuation `~:<duration>`, merged back when decoding.
// - `<end>` ends the tune and stands in place of its final barline.
// - Input features (used only by networks built with them, e.g. the `default` preset): the metric position of the
//   next event and what is left of its bar, from events-features.ts's tracker.
// Exact: decode(encode(m)) gives m's sounding notes and rests (pitch, onset, duration; grace notes, spellings and
// fermatas are not represented), the meter in force at tick 0 and the mode.
import { PENTATONIC_CLASSES } from '../../music/song-shapes.js';
import type { Melody, MelodyEvent, Meter, Mode } from '../../music/types.js';
import type { DecodedTune, Encoding, EncodingConfig, InputFeatureSpec, InputFeatureTracker, SamplingRequest, SamplingState } from './encoding.js';
import { Vocabulary } from './vocabulary.js';
import { EncodingError } from './encoding-error.js';
import { barTicks, beatUnitTicks, meterText, parseMeterText, parseRatioText, ratioText, ratioTicks, type Ratio } from './durations.js';
import { EVENTS_INPUT_FEATURES, EventsFeatureTracker } from './events-features.js';
import { EventsLookbackTracker, LOOKBACK_STYLE_FEATURES, lookbackSpec, lookbackStyleSpec } from './events-lookback-features.js';
import { countSongsPerToken } from './token-counts.js';
import { freezeEvents, melodySoundingEvents, soundingEvents, tonicPitchClass, type MutableEvent } from './melody-events.js';

export const BAR_TOKEN = '|';
export const END_TOKEN = '<end>';
const CONTINUATION_PREFIX = '~:';
const REST_PREFIX = 'r:';

export type EventsToken =
  | { readonly kind: 'bar' }
  | { readonly kind: 'end' }
  | { readonly kind: 'meter'; readonly meter: Meter | null }
  | { readonly kind: 'mode'; readonly mode: Mode }
  | { readonly kind: 'style'; readonly style: string }
  | { readonly kind: 'note'; readonly pitch: number; readonly length: Ratio }
  | { readonly kind: 'rest'; readonly length: Ratio }
  | { readonly kind: 'continuation'; readonly length: Ratio };

type TimedToken = Extract<EventsToken, { readonly length: Ratio }>;

export function meterToken(meter: Meter | null): string {
  return `<M:${meterText(meter)}>`;
}

export function modeToken(mode: Mode): string {
  return `<${mode}>`;
}

export function styleToken(style: string): string {
  return `<S:${style}>`;
}

const STYLE_NAME = /^[a-z][a-z0-9-]*$/;

/** The token of a note or rest lasting `duration` ticks, counted in beat units of `unit` ticks. */
function eventToken(event: MelodyEvent, duration: number, unit: number): string {
  const length = ratioText(duration, unit);
  return event.kind === 'note' ? `${event.pitch}:${length}` : `${REST_PREFIX}${length}`;
}

function continuationToken(duration: number, unit: number): string {
  return `${CONTINUATION_PREFIX}${ratioText(duration, unit)}`;
}

function unitOf(meter: Meter | null): number {
  const unit = beatUnitTicks(meter);
  if (unit === null) throw new EncodingError(`meter ${meterText(meter)} has a beat unit that is not a whole number of ticks`);
  return unit;
}

function isTimed(token: EventsToken): token is TimedToken {
  return token.kind === 'note' || token.kind === 'rest' || token.kind === 'continuation';
}

/** Reads token text; throws EncodingError for text that is no events token. */
export function parseEventsToken(text: string): EventsToken {
  if (text === BAR_TOKEN) return { kind: 'bar' };
  if (text === END_TOKEN) return { kind: 'end' };
  if (text === '<major>' || text === '<minor>') return { kind: 'mode', mode: text === '<major>' ? 'major' : 'minor' };
  const style = /^<S:(.+)>$/.exec(text);
  if (style?.[1] !== undefined && STYLE_NAME.test(style[1])) return { kind: 'style', style: style[1] };
  const meter = /^<M:(.+)>$/.exec(text);
  if (meter?.[1] !== undefined) return { kind: 'meter', meter: parseMeterText(meter[1]) };
  if (text.startsWith(CONTINUATION_PREFIX)) return { kind: 'continuation', length: parseRatioText(text.slice(2)) };
  if (text.startsWith(REST_PREFIX)) return { kind: 'rest', length: parseRatioText(text.slice(2)) };
  const note = /^(\d+):(.+)$/.exec(text);
  if (note?.[1] !== undefined && note[2] !== undefined) {
    const pitch = Number(note[1]);
    if (pitch <= 127) return { kind: 'note', pitch, length: parseRatioText(note[2]) };
  }
  throw new EncodingError(
    `"${text}" is not an events token (expected |, <end>, <S:german>, <M:3/4>, <major>, <minor>, 60:1, r:1/2 or ~:3/2)`,
  );
}

/** The token text of a whole melody (conditioning and `<end>` included); throws EncodingError when it cannot be. */
export function tokenizeEventsMelody(melody: Melody): string[] {
  const events = melodySoundingEvents(melody);
  const last = events[events.length - 1]!;
  const end = last.onset + last.duration;
  const firstMeter = melody.meters[0];
  if (firstMeter === undefined || firstMeter.tick !== 0) throw new EncodingError('the melody has no meter at tick 0');

  // Barlines and meter changes strictly inside the tune; the final barline is written as <end>.
  const boundaries = new Map<number, { bar: boolean; meter?: Meter | null }>();
  for (const tick of melody.barlines) if (tick > 0 && tick < end) boundaries.set(tick, { bar: true });
  let inForce = meterText(firstMeter.meter);
  for (const change of melody.meters.slice(1)) {
    // A repeated signature that changes nothing gets no token.
    if (change.tick <= 0 || change.tick >= end || meterText(change.meter) === inForce) continue;
    inForce = meterText(change.meter);
    boundaries.set(change.tick, { bar: boundaries.get(change.tick)?.bar ?? false, meter: change.meter });
  }
  const ticks = [...boundaries.keys()].sort((a, b) => a - b);

  const tokens = [...(melody.style !== undefined ? [styleToken(melody.style)] : []), meterToken(firstMeter.meter), modeToken(melody.key.mode)];
  let unit = unitOf(firstMeter.meter);
  let next = 0;
  const writeBoundary = (): void => {
    const boundary = boundaries.get(ticks[next++]!)!;
    if (boundary.bar) tokens.push(BAR_TOKEN);
    if (boundary.meter !== undefined) {
      tokens.push(meterToken(boundary.meter));
      unit = unitOf(boundary.meter);
    }
  };
  for (const event of events) {
    while (next < ticks.length && ticks[next]! <= event.onset) writeBoundary();
    const stop = event.onset + event.duration;
    let start = event.onset;
    for (;;) {
      const partEnd = next < ticks.length && ticks[next]! < stop ? ticks[next]! : stop;
      tokens.push(start === event.onset ? eventToken(event, partEnd - start, unit) : continuationToken(partEnd - start, unit));
      if (partEnd === stop) break;
      writeBoundary();
      start = partEnd;
    }
  }
  tokens.push(END_TOKEN);
  return tokens;
}

function compareTokens(a: string, b: string): number {
  const rank = (token: EventsToken): number[] => {
    switch (token.kind) {
      case 'bar':
        return [0];
      case 'end':
        return [1];
      case 'mode':
        return [2, token.mode === 'major' ? 0 : 1];
      case 'style':
        return [2.5, 0];
      case 'meter':
        return token.meter === null ? [3, 0, 0] : [3, token.meter.denominator, token.meter.numerator];
      case 'rest':
        return [4, token.length.numerator / token.length.denominator];
      case 'continuation':
        return [5, token.length.numerator / token.length.denominator];
      case 'note':
        return [6, token.pitch, token.length.numerator / token.length.denominator];
    }
  };
  const ra = rank(parseEventsToken(a));
  const rb = rank(parseEventsToken(b));
  for (let i = 0; i < Math.max(ra.length, rb.length); i++) {
    const difference = (ra[i] ?? -1) - (rb[i] ?? -1);
    if (difference !== 0) return difference;
  }
  // Style tokens share a rank: by name.
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Builds the vocabulary from a corpus: every token used by at least `minSongs` of its encodable melodies, plus `|`,
 * `<end>` and both modes, in a fixed order (specials, modes, meters, rests, continuations, notes by pitch then
 * duration). Melodies that cannot be tokenized are left out (reject() reports them).
 */
export function buildEventsEncoding(melodies: readonly Melody[], minSongs = 1): EventsEncoding {
  const songs = countSongsPerToken(melodies, tokenizeEventsMelody);
  const kept = new Set([BAR_TOKEN, END_TOKEN, modeToken('major'), modeToken('minor')]);
  for (const [token, count] of songs) if (count >= minSongs) kept.add(token);
  return new EventsEncoding({ name: 'events', vocabulary: [...kept].sort(compareTokens), options: { durationUnit: 'beat' } });
}

/** The parsed vocabulary: what each id means. */
interface TokenTable {
  readonly vocabulary: Vocabulary;
  readonly parsed: readonly EventsToken[];
  readonly bar: number;
  readonly end: number;
  /** The style names of the vocabulary's style tokens, in vocabulary order; empty for a model without styles. */
  readonly styles: readonly string[];
}

export class EventsEncoding implements Encoding {
  readonly config: EncodingConfig;
  private readonly table: TokenTable;

  constructor(config: EncodingConfig) {
    if (config.name !== 'events') throw new EncodingError(`an events encoding needs config.name "events", got "${config.name}"`);
    // Durations count in beats of the meter in force; a config without the option predates it and means the same.
    const unit = config.options.durationUnit ?? 'beat';
    if (unit !== 'beat') throw new EncodingError(`events encoding option durationUnit must be "beat", got ${JSON.stringify(unit)}`);
    const vocabulary = new Vocabulary(config.vocabulary);
    this.config = { name: 'events', vocabulary: vocabulary.tokens, options: { durationUnit: 'beat' } };
    const parsed = vocabulary.tokens.map(parseEventsToken);
    const styles = parsed.flatMap((token) => (token.kind === 'style' ? [token.style] : []));
    this.table = { vocabulary, parsed, bar: vocabulary.id(BAR_TOKEN), end: vocabulary.id(END_TOKEN), styles };
    this.tokenPitches = Int16Array.from(parsed, (token) => (token.kind === 'note' ? token.pitch : -1));
    // Tunes are sampled in C major or A minor, whose major pentatonic is C D E G A.
    this.offPentatonicTokens = Uint8Array.from(parsed, (token) => (token.kind === 'note' && !PENTATONIC_CLASSES.has(token.pitch % 12) ? 1 : 0));
    this.tokenNoteBeats = Float64Array.from(parsed, (token) => (token.kind === 'note' ? token.length.numerator / token.length.denominator : Number.NaN));
  }

  /** Per token, the note's length in beat units of the meter, else NaN (see Encoding.tokenNoteBeats). */
  readonly tokenNoteBeats: Float64Array;

  /** Per token, 1 where it starts a note off C D E G A (see Encoding.offPentatonicTokens). */
  readonly offPentatonicTokens: Uint8Array;

  /** Per token, the pitch of the note it starts (a note token), else -1 (see Encoding.tokenPitches). */
  readonly tokenPitches: Int16Array;

  /** The styles this encoding conditions on (style tokens in its vocabulary); empty when it has none. */
  get styles(): readonly string[] {
    return this.table.styles;
  }

  /** The melody's tokens as this vocabulary writes them: a style token only when the vocabulary has styles. */
  private tokenize(melody: Melody): string[] {
    const tokens = tokenizeEventsMelody(melody);
    if (this.table.styles.length === 0 && melody.style !== undefined) tokens.shift();
    if (this.table.styles.length > 0 && melody.style === undefined) {
      throw new EncodingError(`the melody has no style, and this model composes in one of its styles (${this.table.styles.join(', ')})`);
    }
    return tokens;
  }

  get vocabularySize(): number {
    return this.table.vocabulary.size;
  }

  reject(melody: Melody): string | null {
    let tokens: string[];
    try {
      tokens = this.tokenize(melody);
    } catch (error) {
      if (error instanceof EncodingError) return error.message;
      throw error;
    }
    const missing = tokens.filter((token) => !this.table.vocabulary.has(token));
    if (missing.length === 0) return null;
    return `token${missing.length > 1 ? 's' : ''} ${[...new Set(missing)].map((t) => `"${t}"`).join(', ')} not in the vocabulary`;
  }

  encode(melody: Melody): Int32Array {
    const reason = this.reject(melody);
    if (reason !== null) throw new EncodingError(`cannot encode "${melody.source}": ${reason}`);
    return Int32Array.from(this.tokenize(melody), (token) => this.table.vocabulary.id(token));
  }

  decode(tokens: ArrayLike<number>): DecodedTune {
    let meter: Meter | null | undefined;
    let mode: Mode | null = null;
    let unit = unitOf(null);
    const events: MutableEvent[] = [];
    let time = 0;
    for (let i = 0; i < tokens.length; i++) {
      const token = this.token(tokens[i]!);
      if (token.kind === 'end') break;
      if (token.kind === 'meter') {
        if (meter === undefined) meter = token.meter;
        unit = unitOf(token.meter);
      } else if (token.kind === 'mode') {
        mode ??= token.mode;
      } else if (isTimed(token)) {
        const duration = ratioTicks(token.length, unit);
        if (duration === null) throw new EncodingError(`token at position ${i} does not last a whole number of ticks in the meter in force`);
        if (token.kind === 'continuation') {
          const previous = events[events.length - 1];
          if (previous === undefined) throw new EncodingError(`continuation token at position ${i} has no note or rest to continue`);
          previous.duration += duration;
        } else {
          events.push({ kind: token.kind, pitch: token.kind === 'note' ? token.pitch : 0, onset: time, duration });
        }
        time += duration;
      }
    }
    return { events: freezeEvents(events), meter: meter ?? null, mode };
  }

  scoredPositions(tokens: Int32Array): { readonly positions: Int32Array; readonly notes: number } {
    let start = 0;
    while (start < tokens.length && this.isConditioning(tokens[start]!)) start++;
    start = Math.max(start, 1);
    let stop = tokens.length;
    let notes = 0;
    for (let i = 0; i < tokens.length; i++) {
      const token = this.token(tokens[i]!);
      if (i >= start && (token.kind === 'note' || token.kind === 'rest')) notes++;
      if (token.kind === 'end') {
        stop = i + 1;
        break;
      }
    }
    const positions = new Int32Array(Math.max(0, stop - start));
    for (let i = 0; i < positions.length; i++) positions[i] = start + i;
    return { positions, notes };
  }

  startSampling(request: SamplingRequest): SamplingState {
    return new EventsSamplingState(this.table, request);
  }

  /**
   * The metric position of the next event and what is left of its bar (events-features.ts), that plus the
   * lookback features (events-lookback-features.ts), and for a vocabulary with styles, that plus the song's style.
   */
  get inputFeatureSets(): readonly InputFeatureSpec[] {
    const { styles } = this.table;
    return [EVENTS_INPUT_FEATURES, lookbackSpec(this.vocabularySize), ...(styles.length > 0 ? [lookbackStyleSpec(this.vocabularySize, styles.length)] : [])];
  }

  inputFeatureTracker(name: string): InputFeatureTracker {
    if (name === EVENTS_INPUT_FEATURES.name) return new EventsFeatureTracker(this.table.parsed);
    if (name === lookbackSpec(this.vocabularySize).name) return new EventsLookbackTracker(this.table.parsed, this.vocabularySize);
    if (name === LOOKBACK_STYLE_FEATURES && this.table.styles.length > 0) {
      return new EventsLookbackTracker(this.table.parsed, this.vocabularySize, this.table.styles);
    }
    throw new EncodingError(`the events encoding has no input features named "${name}"`);
  }

  private isConditioning(id: number): boolean {
    const kind = this.token(id).kind;
    return kind === 'meter' || kind === 'mode' || kind === 'style';
  }

  private token(id: number): EventsToken {
    const token = Number.isInteger(id) ? this.table.parsed[id] : undefined;
    if (token === undefined) throw new EncodingError(`token id ${id} is outside the vocabulary (ids 0..${this.vocabularySize - 1})`);
    return token;
  }
}

/** Whether `ticks` is a sum of `durations` (ascending, any repeated), remembered in `known`. */
function fillsExactly(ticks: number, durations: readonly number[], known: Map<number, boolean>): boolean {
  if (ticks === 0) return true;
  const remembered = known.get(ticks);
  if (remembered !== undefined) return remembered;
  let result = false;
  for (const duration of durations) {
    if (result || duration > ticks) break;
    result = fillsExactly(ticks - duration, durations, known);
  }
  known.set(ticks, result);
  return result;
}

/** A note, rest or continuation token with its length in ticks in the meter being sampled. */
interface TimedChoice {
  readonly id: number;
  readonly kind: TimedToken['kind'];
  readonly pitch: number;
  readonly ticks: number;
}

/**
 * Sampling one tune: `pickup` ticks (0 for none), then exactly `bars` full bars of the requested meter (with
 * `closingBar`, the last one short by the pickup); `|` is forced at each barline and `<end>` at the end of the last
 * bar. A note or rest may only start when what is left of its bar can still be filled exactly; with `endOnTonic`
 * the last note of the last bar is a C (major) or A (minor) in any octave, and with `finalOnStrongBeat` it starts
 * on the downbeat or in the middle of the bar (beat 2 in triple meters); with `finalPlace` it starts and lasts where
 * the request says, rests after it. `maxRepeatedBars` forbids the token that
 * would complete one bar more than that many times in a row. Each rule gives way when it would leave nothing
 * to choose. Continuations (ties over a barline) may follow a barline, as in the corpus, except right after the
 * primer: the primer's last note keeps the length it was given.
 */
class EventsSamplingState implements SamplingState {
  readonly prefix: Int32Array;
  private finished = false;
  private time = 0;
  /** Index into `barlines` of the next barline whose `|` (or `<end>`) is not yet written. */
  private next = 0;
  private afterBar = false;
  private readonly built: MutableEvent[] = [];
  /** Events that came from the primer: the last of them keeps its length (no continuation may extend it). */
  private primerEvents = 0;
  /** Barline ticks: the end of the pickup (if any), of every bar, the last one the end of the tune. */
  private readonly barlines: readonly number[];
  private readonly unit: number;
  private readonly tonic: number;
  private readonly choices: readonly TimedChoice[];
  /** Distinct lengths of note and rest tokens in ticks, ascending. */
  private readonly fillDurations: readonly number[];
  private readonly tonicDurations: ReadonlySet<number>;
  /** The shortest final note when ending on the tonic, in ticks. */
  private readonly finalMinimum: number;
  private readonly fillable = new Map<number, boolean>();
  private readonly tonicFillable = new Map<number, boolean>();
  /** Where the final note may start with `finalOnStrongBeat`; empty: anywhere (the older rule). */
  private readonly strongStarts: readonly number[];
  /** Tonic note lengths the vocabulary has, in ticks (any length). */
  private readonly anyTonicDurations: ReadonlySet<number>;
  /** The final note's onset and end in ticks (request.finalPlace), when it can be built; else null. */
  private readonly place: { readonly onset: number; readonly end: number } | null;
  /** Distinct lengths of rest tokens in ticks, ascending. */
  private readonly restDurations: readonly number[];
  private readonly restFillable = new Map<number, boolean>();
  /** Token ids of the bars completed so far, and of the current bar. */
  private readonly completedBars: number[][] = [];
  private currentBar: number[] = [];
  /** The mask of the next token once computed; null after every token. */
  private mask: Uint8Array | null = null;
  /** barMask's masks without the loop guard, per (ticks left in the bar, whether a continuation may come). */
  private readonly barMasks = new Map<number, { readonly mask: Uint8Array; readonly size: number; readonly closing: readonly number[] }>();

  constructor(
    private readonly table: TokenTable,
    private readonly request: SamplingRequest,
  ) {
    const { meter, bars, pickup, mode } = request;
    const bar = barTicks(meter);
    if (bar === null) throw new EncodingError(`meter ${meterText(meter)} has a bar that is not a whole number of ticks`);
    if (!Number.isInteger(bars) || bars < 1) throw new EncodingError(`bars must be a whole number >= 1, got ${bars}`);
    if (!Number.isInteger(pickup) || pickup < 0 || pickup >= bar) {
      throw new EncodingError(`pickup must be a whole number of ticks from 0 to ${bar - 1} for ${meterText(meter)}, got ${pickup}`);
    }
    const meterId = table.vocabulary.find(meterToken(meter));
    if (meterId === undefined) throw new EncodingError(`meter ${meterText(meter)} is not in the vocabulary (${this.meters()})`);
    const barlines: number[] = pickup > 0 ? [pickup] : [];
    for (let i = 1; i <= bars; i++) barlines.push(pickup + i * bar);
    // The short last bar that gives the pickup back.
    if (request.closingBar === true && pickup > 0) barlines[barlines.length - 1] = bars * bar;
    this.barlines = barlines;
    this.unit = unitOf(meter);
    const final = request.finalPitchClass;
    if (final !== undefined && !(Number.isInteger(final) && final >= 0 && final < 12)) {
      throw new EncodingError(`finalPitchClass must be a whole number from 0 to 11, got ${final}`);
    }
    // The note the tune ends on: the tonic, or the final the request asks for.
    this.tonic = final ?? tonicPitchClass(mode);

    const choices: TimedChoice[] = [];
    table.parsed.forEach((token, id) => {
      if (!isTimed(token)) return;
      const ticks = ratioTicks(token.length, this.unit);
      if (ticks !== null && ticks > 0) choices.push({ id, kind: token.kind, pitch: token.kind === 'note' ? token.pitch : 0, ticks });
    });
    this.choices = choices;
    this.fillDurations = [...new Set(choices.filter((c) => c.kind !== 'continuation').map((c) => c.ticks))].sort((a, b) => a - b);
    // A tune ends on a note of at least one beat (a dotted beat in compound meters), as folk songs do, not on a
    // passing eighth; where the vocabulary has no such tonic note, any tonic note ends it.
    const compound = meter.denominator >= 8 && meter.numerator % 3 === 0 && meter.numerator > 3;
    const tonicNotes = choices.filter((c) => c.kind === 'note' && c.pitch % 12 === this.tonic);
    const beat = Math.min(bar, (compound ? 3 : 1) * this.unit);
    this.finalMinimum = tonicNotes.some((c) => c.ticks >= beat) ? beat : 0;
    this.tonicDurations = new Set(tonicNotes.filter((c) => c.ticks >= this.finalMinimum).map((c) => c.ticks));
    this.anyTonicDurations = new Set(tonicNotes.map((c) => c.ticks));
    const end = barlines[barlines.length - 1]!;
    const finalStart = barlines.length >= 2 ? barlines[barlines.length - 2]! : 0;
    const starts = [finalStart];
    if (end - finalStart === bar) {
      const beats = Math.round(bar / (compound ? 3 * this.unit : this.unit));
      if (beats % 2 === 0) starts.push(finalStart + bar / 2);
      else if (beats === 3) starts.push(finalStart + bar / 3);
    }
    this.strongStarts = request.endOnTonic && request.finalOnStrongBeat === true ? starts.filter((start) => this.anyTonicDurations.has(end - start)) : [];
    this.restDurations = [...new Set(choices.filter((c) => c.kind === 'rest').map((c) => c.ticks))].sort((a, b) => a - b);
    this.place = this.finalPlace(request, finalStart, end);

    if (!this.canFill(bar)) throw new EncodingError(`no combination of the vocabulary's durations fills a bar of ${meterText(meter)}`);
    if (request.endOnTonic && !this.canFillTonic(bar)) {
      throw new EncodingError(`no bar of ${meterText(meter)} ending on the tonic can be built from the vocabulary`);
    }
    this.prefix = Int32Array.from([...this.styleIds(request.style), meterId, table.vocabulary.id(modeToken(mode)), ...this.writePrimer()]);
    this.primerEvents = this.built.length;
    if (!this.allowed().includes(1)) {
      throw new EncodingError(`the primer ends at tick ${this.time}, where the bar cannot be completed with the vocabulary's durations`);
    }
  }

  /** The requested final place in ticks, when it lies in the last bar and the vocabulary can build it; else null. */
  private finalPlace(request: SamplingRequest, lastBarStart: number, end: number): { onset: number; end: number } | null {
    const place = request.finalPlace;
    if (!request.endOnTonic || place === undefined) return null;
    const { start, length } = place;
    if (!(Number.isInteger(start) && Number.isInteger(length) && length > 0 && length <= start)) {
      throw new EncodingError(`finalPlace must have whole numbers of ticks with 0 < length <= start, got start ${start}, length ${length}`);
    }
    const onset = end - start;
    const ok = onset >= lastBarStart && this.canFill(onset - lastBarStart) && this.anyTonicDurations.has(length) && this.canFillRests(start - length);
    return ok ? { onset, end: onset + length } : null;
  }

  get done(): boolean {
    return this.finished;
  }

  /** The style token to start with: none for a model without styles; the request must name one of a model's styles. */
  private styleIds(style: string | undefined): number[] {
    const { styles, vocabulary } = this.table;
    if (styles.length === 0) return [];
    if (style === undefined || !styles.includes(style)) {
      throw new EncodingError(`${style === undefined ? 'no style was given' : `style "${style}" is not one of this model's`}: it composes in ${styles.join(', ')}`);
    }
    return [vocabulary.id(styleToken(style))];
  }

  get plannedBarlines(): number {
    return this.barlines.length - 1;
  }

  allowed(): Uint8Array {
    return this.currentMask().slice();
  }

  /** The mask of the next token, computed once per token (sampling asks for it, then push checks the token). */
  private currentMask(): Uint8Array {
    this.mask ??= this.computeMask();
    return this.mask;
  }

  private computeMask(): Uint8Array {
    const mask = this.ruleMask();
    return this.request.maxLeap === undefined ? mask : this.withinLeap(mask, this.request.maxLeap);
  }

  /**
   * `mask` without the notes more than `maxLeap` semitones from the last note (a copy: barMask's masks are shared),
   * or `mask` itself when there is no note before or it would leave no token.
   */
  private withinLeap(mask: Uint8Array, maxLeap: number): Uint8Array {
    let previous: number | undefined;
    for (let i = this.built.length - 1; i >= 0 && previous === undefined; i--) if (this.built[i]!.kind === 'note') previous = this.built[i]!.pitch;
    if (previous === undefined) return mask;
    let limited: Uint8Array | null = null;
    let left = 0;
    for (const choice of this.choices) {
      if (!mask[choice.id]) continue;
      if (choice.kind === 'note' && Math.abs(choice.pitch - previous) > maxLeap) {
        limited ??= mask.slice();
        limited[choice.id] = 0;
      } else {
        left++;
      }
    }
    return limited !== null && left > 0 ? limited : mask;
  }

  private ruleMask(): Uint8Array {
    const mask = new Uint8Array(this.table.vocabulary.size);
    if (this.finished) return mask;
    const last = this.barlines.length - 1;
    const barline = this.barlines[this.next]!;
    if (this.time === barline) {
      mask[this.next === last ? this.table.end : this.table.bar] = 1;
      return mask;
    }
    const tonicEnd = this.request.endOnTonic && this.next === last;
    const guard = this.request.maxRepeatedBars;
    if (!tonicEnd) return this.barMask(barline, guard);
    const strong = tonicEnd && this.strongStarts.length > 0;
    const near = tonicEnd && this.request.maxFinalLeap !== undefined;
    if (tonicEnd && this.place !== null) {
      // The final's place first (with the loop guard, then without, then without the leap rule); where nothing fits
      // it (a seed or an earlier fallback passed it), the strong-beat rules below.
      for (const [useGuard, useNear] of [[guard !== undefined, near], [false, near], [false, false]] as const) {
        if (this.fillPlaceMask(mask, this.place, useGuard ? guard : undefined, useNear)) return mask;
      }
    }
    // Each rule gives way, strongest first, when it would leave no token at all.
    const layers = [[strong, guard !== undefined, near], [strong, false, near], [strong, false, false], [false, false, false]] as const;
    for (const [useStrong, useGuard, useNear] of layers) {
      if (this.fillMask(mask, barline, tonicEnd, useStrong, useGuard ? guard : undefined, useNear)) return mask;
    }
    return mask;
  }

  /**
   * Marks the tokens that keep the last bar on its way to the final's place: before it, what still leaves a fillable
   * gap up to its onset; at it, a tonic note of its length; after it, rests. Whether any is.
   */
  private fillPlaceMask(mask: Uint8Array, place: { onset: number; end: number }, guard: number | undefined, near: boolean): boolean {
    const end = this.barlines[this.barlines.length - 1]!;
    const canContinue = this.afterBar && this.built.length > this.primerEvents;
    let any = false;
    for (const choice of this.choices) {
      const after = this.time + choice.ticks;
      if (after > end) continue;
      let ok: boolean;
      if (this.time < place.onset) {
        ok = after <= place.onset && this.canFill(place.onset - after) && (choice.kind !== 'continuation' || canContinue);
      } else if (this.time === place.onset) {
        ok = choice.kind === 'note' && choice.pitch % 12 === this.tonic && after === place.end && this.canFillRests(end - after) && (!near || this.nearFinal(choice));
      } else {
        ok = this.time >= place.end && choice.kind === 'rest' && this.canFillRests(end - after);
      }
      if (ok && after === end && guard !== undefined) ok = !this.repeatsBar(choice.id, guard);
      if (ok) {
        mask[choice.id] = 1;
        any = true;
      }
    }
    return any;
  }

  /**
   * The mask inside a bar that does not end the tune: fillMask's, whose rules there depend only on what is left of
   * the bar and on whether a continuation may come (kept per pair), less, under the loop guard, the tokens that
   * would complete a repeated bar; the guard gives way when it would leave nothing.
   */
  private barMask(barline: number, guard: number | undefined): Uint8Array {
    const remaining = barline - this.time;
    const canContinue = this.afterBar && this.built.length > this.primerEvents;
    const key = remaining * 2 + (canContinue ? 1 : 0);
    let plain = this.barMasks.get(key);
    if (plain === undefined) {
      const mask = new Uint8Array(this.table.vocabulary.size);
      this.fillMask(mask, barline, false, false, undefined, false);
      const closing = this.choices.filter((choice) => choice.ticks === remaining && mask[choice.id] === 1).map((choice) => choice.id);
      plain = { mask, size: mask.reduce((sum, bit) => sum + bit, 0), closing };
      this.barMasks.set(key, plain);
    }
    const mask = plain.mask.slice();
    if (guard === undefined) return mask;
    let left = plain.size;
    for (const id of plain.closing) {
      if (!this.repeatsBar(id, guard)) continue;
      mask[id] = 0;
      left--;
    }
    return left > 0 ? mask : plain.mask.slice();
  }

  /** Whether a final note `choice` lies within maxFinalLeap semitones of the last note before it (true without one). */
  private nearFinal(choice: TimedChoice): boolean {
    if (choice.kind !== 'note') return true;
    let previous: MutableEvent | undefined;
    for (let i = this.built.length - 1; i >= 0 && previous === undefined; i--) if (this.built[i]!.kind === 'note') previous = this.built[i];
    return previous === undefined || Math.abs(choice.pitch - previous.pitch) <= this.request.maxFinalLeap!;
  }

  /** Marks the tokens allowed under the chosen rules; whether any is. */
  private fillMask(mask: Uint8Array, barline: number, tonicEnd: boolean, strong: boolean, guard: number | undefined, near: boolean): boolean {
    const remaining = barline - this.time;
    // The seed's durations are the user's: a primer that ends on a barline is not tied on into the next bar.
    const canContinue = this.afterBar && this.built.length > this.primerEvents;
    const end = this.barlines[this.barlines.length - 1]!;
    let any = false;
    for (const choice of this.choices) {
      if (choice.ticks > remaining) continue;
      if (choice.kind === 'continuation' && !canContinue) continue;
      const rest = remaining - choice.ticks;
      let ok: boolean;
      if (rest === 0) {
        ok = !tonicEnd || (strong ? this.endsOnStrongTonic(choice) : this.endsOnTonic(choice));
        if (ok && guard !== undefined) ok = !this.repeatsBar(choice.id, guard);
        if (ok && near) ok = this.nearFinal(choice);
      } else if (!tonicEnd) {
        ok = this.canFill(rest);
      } else if (!strong) {
        ok = this.canFillTonic(rest);
      } else {
        const after = this.time + choice.ticks;
        ok = this.strongStarts.some((start) => start >= after && this.canFill(start - after) && this.anyTonicDurations.has(end - start));
      }
      if (ok) {
        mask[choice.id] = 1;
        any = true;
      }
    }
    return any;
  }

  /** Whether ending the current bar with `id` makes it the same as each of the `guard` bars before it. */
  private repeatsBar(id: number, guard: number): boolean {
    const count = this.completedBars.length;
    if (count < guard) return false;
    const current = this.currentBar;
    for (let k = count - guard; k < count; k++) {
      const bar = this.completedBars[k]!;
      if (bar.length !== current.length + 1 || bar[current.length] !== id) return false;
      for (let i = 0; i < current.length; i++) if (bar[i] !== current[i]) return false;
    }
    return true;
  }

  /** A final note that starts on one of the strong starts (a tied continuation never does). */
  private endsOnStrongTonic(choice: TimedChoice): boolean {
    return choice.kind === 'note' && choice.pitch % 12 === this.tonic && this.strongStarts.includes(this.time);
  }

  push(token: number): void {
    if (this.currentMask()[token] !== 1) {
      const text = Number.isInteger(token) && token >= 0 && token < this.table.vocabulary.size ? this.table.vocabulary.text(token) : String(token);
      throw new EncodingError(`token "${text}" is not allowed at tick ${this.time}${this.finished ? ' (the tune is done)' : ''}`);
    }
    this.apply(token);
  }

  events(): readonly MelodyEvent[] {
    return freezeEvents(this.built);
  }

  private apply(id: number): void {
    this.mask = null;
    const token = this.table.parsed[id]!;
    if (token.kind === 'bar' || token.kind === 'end') {
      this.completedBars.push(this.currentBar);
      this.currentBar = [];
      this.next++;
      this.afterBar = token.kind === 'bar';
      this.finished = token.kind === 'end';
      return;
    }
    if (!isTimed(token)) throw new EncodingError(`token "${this.table.vocabulary.text(id)}" cannot occur inside a sampled tune`);
    const ticks = ratioTicks(token.length, this.unit);
    if (ticks === null) throw new EncodingError(`token "${this.table.vocabulary.text(id)}" is not a whole number of ticks in ${meterText(this.request.meter)}`);
    this.currentBar.push(id);
    if (token.kind === 'continuation') this.built[this.built.length - 1]!.duration += ticks;
    else this.built.push({ kind: token.kind, pitch: token.kind === 'note' ? token.pitch : 0, onset: this.time, duration: ticks });
    this.time += ticks;
    this.afterBar = false;
  }

  /** The primer's tokens, applied to this state; barlines inside it split its events into continuations. */
  private writePrimer(): number[] {
    const ids: number[] = [];
    const primer = this.request.primer.length === 0 ? [] : soundingEvents(this.request.primer);
    const end = this.barlines[this.barlines.length - 1]!;
    for (const event of primer) {
      const stop = event.onset + event.duration;
      if (stop > end) throw new EncodingError(`the primer lasts past the end of the tune (tick ${end}: ${this.request.bars} bars)`);
      let start = event.onset;
      while (start < stop) {
        if (this.time === this.barlines[this.next]) {
          ids.push(this.table.bar);
          this.apply(this.table.bar);
        }
        const partEnd = Math.min(stop, this.barlines[this.next]!);
        const text = start === event.onset ? eventToken(event, partEnd - start, this.unit) : continuationToken(partEnd - start, this.unit);
        const id = this.table.vocabulary.find(text);
        // A length the vocabulary has no token for is written as tied pieces it has (a note of 5 beats: 4 + 1).
        const pieces = id !== undefined ? [id] : this.tiedPieces(event, start === event.onset, partEnd - start);
        if (pieces === null) throw new EncodingError(this.unwritable(event, partEnd - start, text));
        for (const piece of pieces) {
          ids.push(piece);
          this.apply(piece);
        }
        start = partEnd;
      }
    }
    return ids;
  }

  /**
   * Token ids that write `ticks` of `event` as a first piece (a note or rest token, or a continuation when the event
   * started before a barline) and tied continuations after it, the fewest pieces; null when none add up.
   */
  private tiedPieces(event: MelodyEvent, first: boolean, ticks: number): number[] | null {
    const heads = this.choices.filter((c) => (first ? c.kind === event.kind && (event.kind !== 'note' || c.pitch === event.pitch) : c.kind === 'continuation') && c.ticks < ticks);
    const tails = this.choices.filter((c) => c.kind === 'continuation');
    // Fewest continuations for every remainder up to `ticks` (a small change-making table). Remainders that cannot be
    // filled are remembered too: without that the search is exponential in the number of continuation lengths.
    const best = new Map<number, number[] | null>([[0, []]]);
    const fill = (left: number): number[] | null => {
      const known = best.get(left);
      if (known !== undefined) return known;
      let choice: number[] | null = null;
      for (const tail of tails) {
        if (tail.ticks > left) continue;
        const rest = fill(left - tail.ticks);
        if (rest !== null && (choice === null || rest.length + 1 < choice.length)) choice = [tail.id, ...rest];
      }
      best.set(left, choice);
      return choice;
    };
    let pieces: number[] | null = null;
    for (const head of heads.sort((a, b) => b.ticks - a.ticks)) {
      const rest = fill(ticks - head.ticks);
      if (rest !== null && (pieces === null || rest.length + 1 < pieces.length)) pieces = [head.id, ...rest];
    }
    return pieces;
  }

  /** Why a primer's note or rest cannot be written, in the user's terms, with what the model can take. */
  private unwritable(event: MelodyEvent, ticks: number, text: string): string {
    const beats = ratioText(ticks, this.unit);
    const lengths = this.choices.filter((c) => c.kind === event.kind && (event.kind !== 'note' || c.pitch === event.pitch)).map((c) => c.ticks);
    const position = this.request.primer.filter((e) => e.onset < event.onset && !(e.kind === 'note' && e.grace === true)).length + 1;
    const where = `the seed's ${event.kind === 'note' ? 'note' : 'rest'} number ${position} (token "${text}": ${beats} beat${beats === '1' ? '' : 's'} of ${meterText(this.request.meter)})`;
    if (lengths.length === 0) {
      const pitches = this.choices.filter((c) => c.kind === 'note').map((c) => c.pitch);
      return `${where}: the model has no notes of that pitch (it writes MIDI pitches ${Math.min(...pitches)} to ${Math.max(...pitches)} in C major / A minor)`;
    }
    const shortest = Math.min(...lengths);
    if (ticks < shortest) return `${where} is shorter than any it can write: the shortest is ${ratioText(shortest, this.unit)} beat${shortest === this.unit ? '' : 's'}`;
    return `${where} cannot be written with the lengths the model knows for it, even tied (${[...new Set(lengths)].sort((a, b) => a - b).map((l) => ratioText(l, this.unit)).join(', ')} beats)`;
  }

  private endsOnTonic(choice: TimedChoice): boolean {
    if (choice.kind === 'note') return choice.pitch % 12 === this.tonic && choice.ticks >= this.finalMinimum;
    if (choice.kind === 'rest') return false;
    const previous = this.built[this.built.length - 1];
    return previous?.kind === 'note' && previous.pitch % 12 === this.tonic && previous.duration + choice.ticks >= this.finalMinimum;
  }

  /** Whether `ticks` can be filled exactly with the vocabulary's notes and rests. */
  private canFill(ticks: number): boolean {
    return fillsExactly(ticks, this.fillDurations, this.fillable);
  }

  /** Whether `ticks` can be filled exactly with the vocabulary's rests. */
  private canFillRests(ticks: number): boolean {
    return fillsExactly(ticks, this.restDurations, this.restFillable);
  }

  /** Whether `ticks` can be filled exactly with notes and rests, the last a tonic note. */
  private canFillTonic(ticks: number): boolean {
    if (ticks <= 0) return false;
    const known = this.tonicFillable.get(ticks);
    if (known !== undefined) return known;
    let result = this.tonicDurations.has(ticks);
    for (const duration of this.fillDurations) {
      if (result || duration >= ticks) break;
      result = this.canFillTonic(ticks - duration);
    }
    this.tonicFillable.set(ticks, result);
    return result;
  }

  private meters(): string {
    const meters = this.table.parsed.flatMap((token) => (token.kind === 'meter' && token.meter !== null ? [meterText(token.meter)] : []));
    return `accepted: ${meters.join(', ')}`;
  }
}
