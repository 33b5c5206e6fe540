// The events encoding's input features: where in the bar the next event starts, and how much of the bar is left.
// In `steps` every token is one sixteenth, so the network has a clock; in `events` it would have to add up
// durations itself. Both features count in beats of the meter in force times 12, so sixteenths, eighths and
// triplets in any of the corpus's meters are exact buckets:
//   position  = round(ticks since the last barline / beat * 12), capped at MAX_BEATS * 12
//   remaining = round(ticks to the end of the bar / beat * 12), capped likewise (0 in an overfull bar)
// plus one bucket for "no clock" (free meter, or a duration that is no whole number of ticks). A pickup is counted
// back from the first barline, so its notes get their true position (a 1-beat pickup in 3/4 starts at beat 2).
import type { Meter } from '../../music/types.js';
import type { InputFeatureSpec, InputFeatureTracker, SongStart } from './encoding.js';
import { barTicks, beatUnitTicks, ratioTicks } from './durations.js';
import type { EventsToken } from './events.js';

/** Positions and remainders beyond this many beats share the last bucket (12/8 and 6/4 bars still fit). */
export const MAX_BEATS = 12;
/** Buckets per beat: 12 makes sixteenths (3), triplet eighths (4) and eighths (6) of a quarter beat exact. */
export const BUCKETS_PER_BEAT = 12;
const CAP = MAX_BEATS * BUCKETS_PER_BEAT;
/** The bucket for "no clock": free meter or an irregular duration. */
export const NO_CLOCK = CAP + 1;

/** Sizes of the two clock features (position, remaining). */
export const BAR_CLOCK_SIZES: readonly number[] = [CAP + 2, CAP + 2];

export const EVENTS_INPUT_FEATURES: InputFeatureSpec = { name: 'events-metric-position-v1', sizes: BAR_CLOCK_SIZES };

/** Ticks of the timed tokens before the first barline, or null when the song has none before it ends. */
function ticksBeforeFirstBarline(parsed: readonly EventsToken[], tokens: ArrayLike<number>): number | null {
  let unit: number | null = null;
  let ticks = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = parsed[tokens[i]!];
    if (token === undefined || token.kind === 'end') return null;
    if (token.kind === 'bar') return ticks;
    if (token.kind === 'meter') unit = beatUnitTicks(token.meter);
    else if (token.kind !== 'mode' && token.kind !== 'style') {
      const length = unit === null ? null : ratioTicks(token.length, unit);
      if (length === null) return null;
      ticks += length;
    }
  }
  return null;
}

export class EventsFeatureTracker implements InputFeatureTracker {
  private meter: Meter | null | undefined;
  private unit: number | null = null;
  private bar: number | null = null;
  private position = 0;
  private clock = true;
  private pickup: number | null = null;
  private readonly values = [NO_CLOCK, NO_CLOCK];

  /** `parsed`: the encoding's tokens by id. */
  constructor(private readonly parsed: readonly EventsToken[]) {}

  reset(start: SongStart = {}): void {
    this.meter = undefined;
    this.unit = null;
    this.bar = null;
    this.position = 0;
    this.clock = true;
    this.pickup = start.pickup ?? (start.tokens ? ticksBeforeFirstBarline(this.parsed, start.tokens) : null);
  }

  /** Ticks since the last barline (counted back from the first barline in a pickup). */
  ticksIntoBar(): number {
    return this.position;
  }

  /** Ticks per beat of the meter in force; null in free meter or before the first meter token. */
  beatUnit(): number | null {
    return this.unit;
  }

  /** Whether the bar position is known: a meter, and only durations of whole ticks since the last barline. */
  hasClock(): boolean {
    return this.clock && this.bar !== null;
  }

  next(id: number): readonly number[] {
    const token = this.parsed[id];
    if (token === undefined) throw new RangeError(`token id ${id} is outside the vocabulary (ids 0..${this.parsed.length - 1})`);
    switch (token.kind) {
      case 'meter': {
        const first = this.meter === undefined;
        this.meter = token.meter;
        this.unit = beatUnitTicks(token.meter);
        this.bar = token.meter === null ? null : barTicks(token.meter);
        if (first) {
          const pickup = this.pickup;
          this.position = this.bar !== null && pickup !== null && pickup > 0 && pickup < this.bar ? this.bar - pickup : 0;
        }
        break;
      }
      case 'bar':
        this.position = 0;
        this.clock = true;
        break;
      case 'note':
      case 'rest':
      case 'continuation': {
        const ticks = this.unit === null ? null : ratioTicks(token.length, this.unit);
        if (ticks === null) this.clock = false;
        else this.position += ticks;
        break;
      }
      case 'mode':
      case 'style':
      case 'end':
        break;
    }
    const unit = this.unit;
    const bar = this.bar;
    if (!this.clock || unit === null || bar === null || this.meter === null || this.meter === undefined) {
      this.values[0] = NO_CLOCK;
      this.values[1] = NO_CLOCK;
    } else {
      const bucket = (ticks: number): number => Math.min(CAP, Math.round((ticks * BUCKETS_PER_BEAT) / unit));
      this.values[0] = bucket(this.position);
      this.values[1] = bucket(Math.max(0, bar - this.position));
    }
    return this.values;
  }
}
