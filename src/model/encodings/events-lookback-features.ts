// The events encoding's lookback input features (spec "events-lookback-v1"): the metric position of
// events-features.ts plus what lets a network learn a song's form, as Magenta's lookback RNN does for its melody
// grid. For the event that comes next (after the token just fed):
//   back1, back2  the token that started at the same place in the bar one (two) bars back; BACK_NONE when no
//                 event started exactly there (a note was held), BACK_NO_BAR when that bar does not exist
//   repeats       whether the current bar so far repeats the bar one back (1), two back (2), both (3), neither (0)
//   phrase        the full bar's place in a four-bar phrase (0..3; PHRASE_NONE in a pickup or without a clock)
//   barsToGo      the barlines still to come before the end (0..MAX_BARS_TO_GO, capped); BARS_UNKNOWN when the
//                 tracker does not know the song's length
// The song's length comes from its tokens (training and scoring look ahead) or, when sampling, from the request.
// Spec "events-lookback-style-v1" adds one more, for a model with styles:
//   style         the song's style (1 + its index among the vocabulary's style tokens; 0 before the style token),
//                 so that the network sees the style at every step, not only as the first token of the song
import type { InputFeatureSpec, InputFeatureTracker, SongStart } from './encoding.js';
import { BAR_CLOCK_SIZES, EventsFeatureTracker } from './events-features.js';
import type { EventsToken } from './events.js';

export const MAX_BARS_TO_GO = 16;
const PHRASE_BARS = 4;

export function lookbackSpec(vocabularySize: number): InputFeatureSpec {
  return {
    name: 'events-lookback-v1',
    sizes: [...BAR_CLOCK_SIZES, vocabularySize + 2, vocabularySize + 2, 4, PHRASE_BARS + 1, MAX_BARS_TO_GO + 2],
  };
}

export const LOOKBACK_STYLE_FEATURES = 'events-lookback-style-v1';

/** The lookback features plus the song's style, for an encoding with `styleCount` style tokens. */
export function lookbackStyleSpec(vocabularySize: number, styleCount: number): InputFeatureSpec {
  const lookback = lookbackSpec(vocabularySize);
  return { name: LOOKBACK_STYLE_FEATURES, sizes: [...lookback.sizes, styleCount + 1] };
}

/** Events that started in one bar: tick offset from the barline -> token id. */
type BarStarts = Map<number, number>;

export class EventsLookbackTracker implements InputFeatureTracker {
  private readonly clock: EventsFeatureTracker;
  private readonly backNone: number;
  private readonly backNoBar: number;
  /** Bars so far, the current one last; a pickup is bar 0. */
  private bars: BarStarts[] = [];
  private repeat1 = false;
  private repeat2 = false;
  private fullBars = 0;
  private inPickup = false;
  private barsLeft: number | null = null;
  /** Ticks from the current bar's barline to where the next event starts. */
  private offset = 0;
  private unit: number | null = null;
  /** The song's style value (see the style feature above). */
  private style = 0;
  private readonly values: number[];

  /** `styles`: the vocabulary's style names in order, for the style feature; absent: the lookback features alone. */
  constructor(
    private readonly parsed: readonly EventsToken[],
    private readonly vocabularySize: number,
    private readonly styles?: readonly string[],
  ) {
    this.clock = new EventsFeatureTracker(parsed);
    this.backNone = vocabularySize;
    this.backNoBar = vocabularySize + 1;
    this.values = new Array<number>(styles === undefined ? 7 : 8).fill(0);
  }

  reset(start: SongStart = {}): void {
    this.clock.reset(start);
    this.bars = [new Map()];
    this.repeat1 = false;
    this.repeat2 = false;
    this.fullBars = 0;
    this.offset = 0;
    this.unit = null;
    this.barsLeft = start.barlines ?? (start.tokens ? countBarlines(this.parsed, start.tokens) : null);
    this.inPickup = false;
    this.style = 0;
  }

  next(id: number): readonly number[] {
    const clock = this.clock.next(id);
    const token = this.parsed[id]!;
    switch (token.kind) {
      case 'meter':
        if (this.bars.length === 1 && this.bars[0]!.size === 0) {
          // The start of the song: a pickup when the clock's position is not the downbeat.
          this.offset = this.clock.ticksIntoBar();
          this.inPickup = this.offset > 0;
        }
        this.unit = this.clock.beatUnit();
        break;
      case 'bar':
        if (!this.inPickup || this.bars.length > 1) this.fullBars++;
        this.inPickup = false;
        this.bars.push(new Map());
        if (this.bars.length > 3) this.bars.shift();
        this.offset = 0;
        this.repeat1 = this.bars.length >= 2;
        this.repeat2 = this.bars.length >= 3;
        if (this.barsLeft !== null) this.barsLeft = Math.max(0, this.barsLeft - 1);
        break;
      case 'note':
      case 'rest':
      case 'continuation': {
        const current = this.bars[this.bars.length - 1]!;
        if (token.kind !== 'continuation') {
          current.set(this.offset, id);
          this.repeat1 &&= this.lookBack(1, this.offset) === id;
          this.repeat2 &&= this.lookBack(2, this.offset) === id;
        }
        this.offset = this.clock.ticksIntoBar();
        break;
      }
      case 'style':
        if (this.styles !== undefined) this.style = this.styles.indexOf(token.style) + 1;
        break;
      case 'mode':
      case 'end':
        break;
    }
    const v = this.values;
    v[0] = clock[0]!;
    v[1] = clock[1]!;
    const hasClock = this.unit !== null && this.clock.hasClock();
    v[2] = hasClock ? this.lookBack(1, this.offset) : this.backNoBar;
    v[3] = hasClock ? this.lookBack(2, this.offset) : this.backNoBar;
    v[4] = (this.repeat1 ? 1 : 0) + (this.repeat2 ? 2 : 0);
    v[5] = hasClock && !this.inPickup ? (this.fullBars % PHRASE_BARS) : PHRASE_BARS;
    v[6] = this.barsLeft === null ? MAX_BARS_TO_GO + 1 : Math.min(MAX_BARS_TO_GO, this.barsLeft);
    if (this.styles !== undefined) v[7] = this.style;
    return v;
  }

  /** The token that started `offset` ticks into the bar `back` bars before the current one. */
  private lookBack(back: number, offset: number): number {
    const bar = this.bars[this.bars.length - 1 - back];
    if (bar === undefined) return this.backNoBar;
    return bar.get(offset) ?? this.backNone;
  }
}

function countBarlines(parsed: readonly EventsToken[], tokens: ArrayLike<number>): number {
  let count = 0;
  for (let i = 0; i < tokens.length; i++) {
    const kind = parsed[tokens[i]!]?.kind;
    if (kind === 'bar') count++;
    if (kind === 'end') break;
  }
  return count;
}
