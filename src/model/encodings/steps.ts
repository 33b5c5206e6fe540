// The `steps` encoding, as in the reference system: the tune (in C major / A minor) on a sixteenth-note grid, one
// token per step: the MIDI pitch number where a note starts, `r` where a rest starts, `_` where the previous note
// or rest goes on.
//
//   /  67 _ 69 _ _ _ r _  60 _ _ _ /
//
// The reference system joined songs with 64 `/` tokens, which gave every 64-token training window that starts a
// song a "start of song" context. Here the network reads each song from its start with a fresh state, so one `/`
// before the song carries the same information (and is the context the first step is predicted from), and the
// first `/` after it ends the song; the other 63 slashes of the reference would be perfectly predictable and only
// cost training time. No meter or mode: decode gives meter and mode null.
// Only songs whose onsets and durations are whole sixteenths are representable (reject() says why otherwise).
import type { Melody, MelodyEvent } from '../../music/types.js';
import type { DecodedTune, Encoding, EncodingConfig, SamplingRequest, SamplingState } from './encoding.js';
import { Vocabulary } from './vocabulary.js';
import { EncodingError } from './encoding-error.js';
import { barTicks, durationText, meterText, SIXTEENTH_TICKS } from './durations.js';
import { countSongsPerToken } from './token-counts.js';
import { freezeEvents, melodySoundingEvents, soundingEvents, tonicPitchClass, type MutableEvent } from './melody-events.js';

export const SEPARATOR_TOKEN = '/';
export const HOLD_TOKEN = '_';
export const REST_TOKEN = 'r';

type StepsToken = { readonly kind: 'separator' | 'hold' | 'rest' } | { readonly kind: 'note'; readonly pitch: number };

export function parseStepsToken(text: string): StepsToken {
  if (text === SEPARATOR_TOKEN) return { kind: 'separator' };
  if (text === HOLD_TOKEN) return { kind: 'hold' };
  if (text === REST_TOKEN) return { kind: 'rest' };
  if (/^\d+$/.test(text) && Number(text) <= 127) return { kind: 'note', pitch: Number(text) };
  throw new EncodingError(`"${text}" is not a steps token (expected /, _, r or a MIDI pitch 0..127)`);
}

function eventSteps(event: MelodyEvent, what: string): number {
  if (event.onset % SIXTEENTH_TICKS !== 0 || event.duration % SIXTEENTH_TICKS !== 0) {
    throw new EncodingError(
      `${what} ${event.kind} at tick ${event.onset} lasting ${durationText(event.duration)} of a whole note is not on the sixteenth-note grid`,
    );
  }
  return event.duration / SIXTEENTH_TICKS;
}

function stepTokens(event: MelodyEvent, steps: number): string[] {
  const tokens = [event.kind === 'note' ? String(event.pitch) : REST_TOKEN];
  for (let i = 1; i < steps; i++) tokens.push(HOLD_TOKEN);
  return tokens;
}

/** The token text of a whole melody: `/`, its steps, `/`; throws EncodingError when it is off the grid. */
export function tokenizeStepsMelody(melody: Melody): string[] {
  const tokens = [SEPARATOR_TOKEN];
  for (const event of melodySoundingEvents(melody)) tokens.push(...stepTokens(event, eventSteps(event, 'the')));
  tokens.push(SEPARATOR_TOKEN);
  return tokens;
}

/** Vocabulary: `/`, `_`, `r`, then every pitch used by at least `minSongs` of the encodable melodies, ascending. */
export function buildStepsEncoding(melodies: readonly Melody[], minSongs = 1): StepsEncoding {
  const songs = countSongsPerToken(melodies, tokenizeStepsMelody);
  const pitches = [...songs].filter(([token, count]) => count >= minSongs && /^\d+$/.test(token)).map(([token]) => Number(token));
  return new StepsEncoding({
    name: 'steps',
    vocabulary: [SEPARATOR_TOKEN, HOLD_TOKEN, REST_TOKEN, ...pitches.sort((a, b) => a - b).map(String)],
    options: { stepTicks: SIXTEENTH_TICKS },
  });
}

export class StepsEncoding implements Encoding {
  readonly config: EncodingConfig;
  private readonly vocabulary: Vocabulary;
  private readonly parsed: readonly StepsToken[];

  constructor(config: EncodingConfig) {
    if (config.name !== 'steps') throw new EncodingError(`a steps encoding needs config.name "steps", got "${config.name}"`);
    const stepTicks = config.options.stepTicks ?? SIXTEENTH_TICKS;
    if (stepTicks !== SIXTEENTH_TICKS) {
      throw new EncodingError(`steps encoding option stepTicks must be ${SIXTEENTH_TICKS} (a sixteenth), got ${String(stepTicks)}`);
    }
    this.vocabulary = new Vocabulary(config.vocabulary);
    this.parsed = this.vocabulary.tokens.map(parseStepsToken);
    for (const required of [SEPARATOR_TOKEN, HOLD_TOKEN, REST_TOKEN]) this.vocabulary.id(required);
    this.config = { name: 'steps', vocabulary: this.vocabulary.tokens, options: { stepTicks: SIXTEENTH_TICKS } };
  }

  get vocabularySize(): number {
    return this.vocabulary.size;
  }

  reject(melody: Melody): string | null {
    let tokens: string[];
    try {
      tokens = tokenizeStepsMelody(melody);
    } catch (error) {
      if (error instanceof EncodingError) return error.message;
      throw error;
    }
    const missing = [...new Set(tokens.filter((token) => !this.vocabulary.has(token)))];
    if (missing.length === 0) return null;
    return `pitch${missing.length > 1 ? 'es' : ''} ${missing.join(', ')} not in the vocabulary`;
  }

  encode(melody: Melody): Int32Array {
    const reason = this.reject(melody);
    if (reason !== null) throw new EncodingError(`cannot encode "${melody.source}": ${reason}`);
    return Int32Array.from(tokenizeStepsMelody(melody), (token) => this.vocabulary.id(token));
  }

  decode(tokens: ArrayLike<number>): DecodedTune {
    const events: MutableEvent[] = [];
    let time = 0;
    for (let i = 0; i < tokens.length; i++) {
      const token = this.token(tokens[i]!);
      if (token.kind === 'separator') {
        if (events.length > 0) break;
        continue;
      }
      if (token.kind === 'hold') {
        const previous = events[events.length - 1];
        if (previous === undefined) throw new EncodingError(`hold token at position ${i} has no note or rest to hold`);
        previous.duration += SIXTEENTH_TICKS;
      } else {
        events.push({ kind: token.kind, pitch: token.kind === 'note' ? token.pitch : 0, onset: time, duration: SIXTEENTH_TICKS });
      }
      time += SIXTEENTH_TICKS;
    }
    return { events: freezeEvents(events), meter: null, mode: null };
  }

  scoredPositions(tokens: Int32Array): { readonly positions: Int32Array; readonly notes: number } {
    let start = 0;
    while (start < tokens.length && this.token(tokens[start]!).kind === 'separator') start++;
    start = Math.max(start, 1);
    let stop = tokens.length;
    let notes = 0;
    for (let i = start; i < tokens.length; i++) {
      const kind = this.token(tokens[i]!).kind;
      if (kind === 'note' || kind === 'rest') notes++;
      if (kind === 'separator') {
        stop = i + 1;
        break;
      }
    }
    const positions = new Int32Array(Math.max(0, stop - start));
    for (let i = 0; i < positions.length; i++) positions[i] = start + i;
    return { positions, notes };
  }

  startSampling(request: SamplingRequest): SamplingState {
    return new StepsSamplingState(this.vocabulary, this.parsed, request);
  }

  private token(id: number): StepsToken {
    const token = Number.isInteger(id) ? this.parsed[id] : undefined;
    if (token === undefined) throw new EncodingError(`token id ${id} is outside the vocabulary (ids 0..${this.vocabularySize - 1})`);
    return token;
  }
}

/**
 * Sampling one tune of `pickup` ticks plus `bars` full bars (with `closingBar`, the last one short by the pickup), step by step: any pitch, rest or hold until the last
 * step, then `/` is forced. With `endOnTonic` the last step must start a tonic note (C for major, A for minor) or
 * hold one, so the tune ends on the tonic.
 */
class StepsSamplingState implements SamplingState {
  readonly prefix: Int32Array;
  private finished = false;
  private step = 0;
  private readonly totalSteps: number;
  private readonly built: MutableEvent[] = [];
  /** Events that came from the primer: the last of them keeps its length (no hold may extend it). */
  private primerEvents = 0;
  private readonly tonic: number;
  private readonly separator: number;
  private readonly hold: number;

  constructor(
    private readonly vocabulary: Vocabulary,
    private readonly parsed: readonly StepsToken[],
    private readonly request: SamplingRequest,
  ) {
    const { meter, bars, pickup } = request;
    const bar = barTicks(meter);
    if (bar === null || bar % SIXTEENTH_TICKS !== 0) {
      throw new EncodingError(`a bar of ${meterText(meter)} is not a whole number of sixteenths, which the steps encoding needs`);
    }
    if (!Number.isInteger(bars) || bars < 1) throw new EncodingError(`bars must be a whole number >= 1, got ${bars}`);
    if (!Number.isInteger(pickup) || pickup < 0 || pickup >= bar || pickup % SIXTEENTH_TICKS !== 0) {
      throw new EncodingError(`pickup must be a whole number of sixteenths shorter than a bar of ${meterText(meter)}, got ${pickup} ticks`);
    }
    // With `closingBar` the last bar gives the pickup back.
    this.totalSteps = ((request.closingBar === true ? 0 : pickup) + bars * bar) / SIXTEENTH_TICKS;
    this.tonic = tonicPitchClass(request.mode);
    this.separator = vocabulary.id(SEPARATOR_TOKEN);
    this.hold = vocabulary.id(HOLD_TOKEN);
    if (request.endOnTonic && !parsed.some((token) => token.kind === 'note' && token.pitch % 12 === this.tonic)) {
      throw new EncodingError(`the vocabulary has no ${request.mode === 'major' ? 'C' : 'A'} to end on`);
    }
    const ids = [this.separator];
    const primer = request.primer.length === 0 ? [] : soundingEvents(request.primer);
    for (const event of primer) {
      for (const text of stepTokens(event, eventSteps(event, "the primer's"))) {
        const id = vocabulary.find(text);
        if (id === undefined) throw new EncodingError(`the primer's note at tick ${event.onset} has pitch ${text}, outside the vocabulary`);
        if (this.step >= this.totalSteps) throw new EncodingError(`the primer lasts past the end of the tune (${bars} bars)`);
        ids.push(id);
        this.apply(id);
      }
    }
    this.prefix = Int32Array.from(ids);
    this.primerEvents = this.built.length;
  }

  get done(): boolean {
    return this.finished;
  }

  allowed(): Uint8Array {
    const mask = new Uint8Array(this.vocabulary.size);
    if (this.finished) return mask;
    if (this.step === this.totalSteps) {
      mask[this.separator] = 1;
      return mask;
    }
    const previous = this.built[this.built.length - 1];
    const lastStep = this.step === this.totalSteps - 1 && this.request.endOnTonic;
    this.parsed.forEach((token, id) => {
      if (token.kind === 'note') mask[id] = !lastStep || token.pitch % 12 === this.tonic ? 1 : 0;
      else if (token.kind === 'rest') mask[id] = lastStep ? 0 : 1;
    });
    const holdable = previous !== undefined && this.built.length > this.primerEvents;
    if (holdable && (!lastStep || (previous.kind === 'note' && previous.pitch % 12 === this.tonic))) mask[this.hold] = 1;
    return mask;
  }

  push(token: number): void {
    if (this.allowed()[token] !== 1) {
      const text = Number.isInteger(token) && token >= 0 && token < this.vocabulary.size ? this.vocabulary.text(token) : String(token);
      throw new EncodingError(`token "${text}" is not allowed at step ${this.step}${this.finished ? ' (the tune is done)' : ''}`);
    }
    this.apply(token);
  }

  events(): readonly MelodyEvent[] {
    return freezeEvents(this.built);
  }

  private apply(id: number): void {
    const token = this.parsed[id]!;
    if (token.kind === 'separator') {
      this.finished = true;
      return;
    }
    if (token.kind === 'hold') this.built[this.built.length - 1]!.duration += SIXTEENTH_TICKS;
    else this.built.push({ kind: token.kind, pitch: token.kind === 'note' ? token.pitch : 0, onset: this.step * SIXTEENTH_TICKS, duration: SIXTEENTH_TICKS });
    this.step++;
  }
}
