// What a tune message's buttons need to rebuild (and extend) its tune after any restart: the /compose options
// (the style included) plus the history of Continue/Variation steps, packed into the button's custom id
// (<= 100 characters).
//
// The sampler is deterministic (same options + random seed = same tune), so a tune is re-derived by replaying:
//   base:       compose(options)
//   'c' step:   Continue = compose(seed = the whole tune so far, bars + CONTINUE_BARS, same random seed):
//               the tune so far is kept note for note and the model writes 8 more bars after it.
//   'v' step:   Variation = compose(seed = the first half of the tune's bars, same bars, a new random seed):
//               the same opening with a new ending.
//               (A tune longer than the seed syntax allows, SEED_MAX_EVENTS notes, continues from its last
//               bars that fit: the new tune starts with them and goes on for 8 more bars.)
//               A tune's pickup stays a pickup: the seeds write a bar line after it.
// Another take restarts from the /compose options with a new random seed.
import type { ComposeResult, ComposedNote } from '../compose/types.js';
import type { ComposeRequest } from './compose-service.js';
import { SEED_MAX_EVENTS, SEED_RECIPS } from '../music/seed.js';
import { CONTINUE_BARS, BARS, ComposeOptionError, DEFAULT_INSTRUMENT, formatMeter, parseMeter, RANDOM_SEED_MAX } from './compose-options.js';
import type { Accompaniment } from '../compose/types.js';

/**
 * The accompaniment rides in the mode field, after the mode's letter, when one was asked: 'Mn' (major, none), '-c'
 * (the seed's mode, chords), 'Mf' (major, full). None asked (and ids from before the choice) leaves it to the
 * composer: full, but none for a pentatonic style, on every replay.
 */
const ACCOMPANIMENT_CODES: Record<Accompaniment, string> = { none: 'n', chords: 'c', full: 'f' };

export type TuneStep = { readonly kind: 'continue' } | { readonly kind: 'variation'; readonly randomSeed: number };

export interface TuneState {
  /** As asked: a meter or style left out is left to the model (see ComposeRequest), on every replay too. */
  readonly options: ComposeRequest;
  readonly steps: readonly TuneStep[];
}

export type ButtonAction = 'take' | 'continue' | 'variation';

const ACTION_CODES: Record<ButtonAction, string> = { take: 't', continue: 'c', variation: 'v' };
/** Since styles: a style field after the history. */
const PREFIX = 'fb3';
/** Ids from before styles (folkbot 0.2): the same fields but the style's; read as the model's default style. */
const PRE_STYLE_PREFIX = 'fb2';
/**
 * Ids of folkbot before 0.2 (`fb1`) wrote a history as `c` and `v<base-36 seed>` with nothing between steps, so a
 * Continue after a Variation read as part of its seed. Such ids are read only when that cannot happen (no Variation).
 */
const LEGACY_PREFIX = 'fb1';
export const CUSTOM_ID_MAX = 100;
/**
 * The most Continue/Variation steps a tune may take. A button rebuilds its tune by replaying every step (one compose
 * each), so this bounds what one click costs: at most MAX_TUNE_STEPS + 1 composes. The tune message says so when
 * the limit is reached and leaves Continue and Variation disabled.
 */
export const MAX_TUNE_STEPS = 8;
/** Marks a seed too long for the custom id: it is read back from the message's Seed field. */
const SEED_IN_MESSAGE = '~';
// Step markers are upper case, so they never read as the lower-case base-36 digits of a Variation's random seed.
const CONTINUE_MARK = 'C';
const VARIATION_MARK = 'V';
/** The style field of a request without a style (the model's first), and of a meter left to the style. */
const NOT_GIVEN = '-';
/**
 * The style field: one character per style of src/model/data/styles.ts, so that a style costs 2 of the 100
 * characters (the longest history of Variations still fits: see the tests). The codes are fixed, never reused or
 * derived from an order, so an old button never changes style. A style without a code (one defined later) is
 * written out after FULL_STYLE_NAME; names are lower case letters, digits and hyphens, never a field separator.
 */
const STYLE_CODES: Readonly<Record<string, string>> = {
  german: 'g',
  children: 'k',
  ballad: 'b',
  alpine: 'a',
  french: 'f',
  'central-east': 'e',
  northern: 'n',
  'chinese-han': 'h',
  'chinese-shanxi': 's',
  'chinese-minorities': 'm',
};
const FULL_STYLE_NAME = '*';

function encodeStyle(style: string | undefined): string {
  if (style === undefined) return NOT_GIVEN;
  return STYLE_CODES[style] ?? `${FULL_STYLE_NAME}${style}`;
}

function decodeStyle(field: string): string | undefined {
  if (field === NOT_GIVEN) return undefined;
  if (field.startsWith(FULL_STYLE_NAME) && /^[a-z][a-z0-9-]*$/.test(field.slice(1))) return field.slice(1);
  const style = Object.keys(STYLE_CODES).find((name) => STYLE_CODES[name] === field);
  if (style === undefined) throw new ComposeOptionError('button', `this button's style "${field.slice(0, 30)}" is unknown`);
  return style;
}

function encodeSteps(steps: readonly TuneStep[]): string {
  return steps.map((s) => (s.kind === 'continue' ? CONTINUE_MARK : `${VARIATION_MARK}${s.randomSeed.toString(36)}`)).join('');
}

function tooManySteps(count: number): ComposeOptionError {
  return new ComposeOptionError(
    'button',
    `this tune has been continued or varied ${count} times, past the limit of ${MAX_TUNE_STEPS} steps a button replays; start again with Another take or /compose`,
  );
}

function decodeSteps(text: string, legacy: boolean): TuneStep[] {
  const steps: TuneStep[] = [];
  if (legacy) {
    if (!/^c*$/.test(text)) throw new ComposeOptionError('button', 'this button is from an older folkbot and its tune history cannot be read reliably; use /compose again');
    for (let k = 0; k < text.length; k++) steps.push({ kind: 'continue' });
  } else {
    if (!/^(C|V[0-9a-z]{1,6})*$/.test(text)) throw new ComposeOptionError('button', `unreadable tune history "${text.slice(0, 40)}"`);
    for (const match of text.matchAll(/C|V([0-9a-z]+)/g)) {
      if (match[0] === CONTINUE_MARK) {
        steps.push({ kind: 'continue' });
        continue;
      }
      const randomSeed = parseInt(match[1] ?? '', 36);
      if (!(randomSeed <= RANDOM_SEED_MAX)) throw new ComposeOptionError('button', `this button's tune history has a random seed out of range (${match[1] ?? ''})`);
      steps.push({ kind: 'variation', randomSeed });
    }
  }
  if (steps.length > MAX_TUNE_STEPS) throw tooManySteps(steps.length);
  return steps;
}

/**
 * The custom id of `action` on a message showing `state`, or undefined when the history is too long to fit
 * (the button is then left out).
 */
export function encodeCustomId(action: ButtonAction, state: TuneState): string | undefined {
  const o = state.options;
  const fields = [
    PREFIX,
    ACTION_CODES[action],
    String(o.bars),
    o.meter === undefined ? NOT_GIVEN : formatMeter(o.meter),
    o.key ?? '-',
    (o.mode === undefined ? '-' : o.mode === 'major' ? 'M' : 'm') +
      (o.accompaniment === undefined ? '' : ACCOMPANIMENT_CODES[o.accompaniment]),
    String(o.temperature),
    String(o.tempo),
    o.randomSeed.toString(36),
    encodeSteps(state.steps),
    encodeStyle(o.style),
  ];
  const head = fields.join('|');
  const withSeed = `${head}|${o.seed}`;
  if (withSeed.length <= CUSTOM_ID_MAX) return withSeed;
  const withoutSeed = `${head}|${SEED_IN_MESSAGE}`;
  return withoutSeed.length <= CUSTOM_ID_MAX ? withoutSeed : undefined;
}

export function isTuneCustomId(customId: string): boolean {
  return [PREFIX, PRE_STYLE_PREFIX, LEGACY_PREFIX].some((prefix) => customId.startsWith(`${prefix}|`));
}

/**
 * Reads a custom id back. `seedFromMessage` supplies the seed when it was too long for the id (the tune
 * message shows it in full).
 */
export function decodeCustomId(customId: string, seedFromMessage: () => string | undefined): { action: ButtonAction; state: TuneState } {
  const parts = customId.split('|');
  // The seed comes last (it may hold bar lines, which are the separator too): after the style field, or in ids from
  // before styles after the history.
  const seedAt = parts[0] === PREFIX ? 11 : 10;
  if (parts.length < seedAt + 1 || ![PREFIX, PRE_STYLE_PREFIX, LEGACY_PREFIX].includes(parts[0] ?? '')) {
    throw new ComposeOptionError('button', `this button (${customId.slice(0, 40)}) is not one of folkbot's`);
  }
  const [, actionCode, bars, meter, key, modeField, temperature, tempo, randomSeed, steps] = parts as [string, string, string, string, string, string, string, string, string, string];
  const style = parts[0] === PREFIX ? decodeStyle(parts[10] ?? '') : undefined;
  const mode = modeField.slice(0, 1);
  const accompanimentCode = modeField.slice(1);
  const accompaniment =
    accompanimentCode === '' ? undefined : (Object.keys(ACCOMPANIMENT_CODES) as Accompaniment[]).find((a) => ACCOMPANIMENT_CODES[a] === accompanimentCode);
  if (accompaniment === undefined && accompanimentCode !== '') throw new ComposeOptionError('button', `this button's accompaniment "${accompanimentCode}" is unknown`);
  const seedField = parts.slice(seedAt).join('|');
  const action = (Object.keys(ACTION_CODES) as ButtonAction[]).find((a) => ACTION_CODES[a] === actionCode);
  if (!action) throw new ComposeOptionError('button', `unknown button action "${actionCode}"`);
  let seed = seedField;
  if (seedField === SEED_IN_MESSAGE) {
    const fromMessage = seedFromMessage();
    if (fromMessage === undefined) throw new ComposeOptionError('button', 'the seed of this tune is missing from its message');
    seed = fromMessage;
  }
  const options: ComposeRequest = {
    seed,
    ...(style !== undefined ? { style } : {}),
    bars: Number(bars),
    ...(meter === NOT_GIVEN ? {} : { meter: parseMeter(meter) }),
    ...(key === '-' ? {} : { key }),
    ...(mode === '-' ? {} : { mode: mode === 'm' ? 'minor' : 'major' }),
    temperature: Number(temperature),
    tempo: Number(tempo),
    randomSeed: parseInt(randomSeed, 36),
    instrument: DEFAULT_INSTRUMENT,
    ...(accompaniment !== undefined ? { accompaniment } : {}),
  };
  if (![options.bars, options.temperature, options.tempo, options.randomSeed].every(Number.isFinite)) {
    throw new ComposeOptionError('button', `this button's settings are unreadable (${customId.slice(0, 60)})`);
  }
  return { action, state: { options, steps: decodeSteps(steps, parts[0] === LEGACY_PREFIX) } };
}

/** The state a button click leads to; throws a ComposeOptionError when the step is not possible. */
export function applyAction(action: ButtonAction, state: TuneState, newRandomSeed: () => number): TuneState {
  switch (action) {
    case 'take':
      return { options: { ...state.options, randomSeed: newRandomSeed() }, steps: [] };
    case 'continue':
      if (state.steps.length >= MAX_TUNE_STEPS) throw tooManySteps(state.steps.length + 1);
      return { options: state.options, steps: [...state.steps, { kind: 'continue' }] };
    case 'variation':
      if (state.steps.length >= MAX_TUNE_STEPS) throw tooManySteps(state.steps.length + 1);
      return { options: state.options, steps: [...state.steps, { kind: 'variation', randomSeed: newRandomSeed() % (RANDOM_SEED_MAX + 1) }] };
  }
}

/** Where a Continue starts from: the seed notes (the whole tune when it fits the seed limit, else its last whole
 * bars that fit), its pickup (quarters; dropped with the bars before the tail) and the resulting length in bars. */
export function continuePlan(
  notes: readonly ComposedNote[],
  bars: number,
  barQuarters: number,
  pickup = 0,
): { seed: readonly ComposedNote[]; pickup: number; bars: number; whole: boolean } {
  if (notes.length <= SEED_MAX_EVENTS) return { seed: notes, pickup, bars: bars + CONTINUE_BARS, whole: true };
  // Drop the pickup and then whole bars from the start until the rest fits: bar k starts at pickup + k bars.
  let start = 0;
  const from = (k: number): number => pickup + k * barQuarters;
  while (notes.filter((n) => n.onset >= from(start) - 1e-9).length > SEED_MAX_EVENTS) start += 1;
  const tail = notes.filter((n) => n.onset >= from(start) - 1e-9).map((n) => ({ ...n, onset: n.onset - from(start) }));
  return { seed: tail, pickup: 0, bars: bars - start + CONTINUE_BARS, whole: false };
}

/** The opening a Variation keeps: the pickup and the first half of the bars, fewer when that exceeds the seed limit. */
export function variationOpening(notes: readonly ComposedNote[], bars: number, barQuarters: number, pickup = 0): readonly ComposedNote[] {
  let keep = Math.floor(bars / 2);
  let opening = notes.filter((n) => n.onset + n.duration <= pickup + keep * barQuarters + 1e-9);
  while (opening.length > SEED_MAX_EVENTS && keep > 1) {
    keep -= 1;
    opening = notes.filter((n) => n.onset + n.duration <= pickup + keep * barQuarters + 1e-9);
  }
  return opening;
}

/** Composes the tune of `state` by replaying its history (see the top of this file). */
export async function composeState(state: TuneState, compose: (options: ComposeRequest) => Promise<ComposeResult>): Promise<ComposeResult> {
  let result = await compose(state.options);
  let bars = state.options.bars;
  // The tune's meter (the style's usual one, when the request left it out): every step keeps it.
  const barQuarters = (result.meter.numerator * 4) / result.meter.denominator;
  for (const step of state.steps) {
    // Later steps start from a seed in the tune's own key and mode (the first one may have been estimated), which is
    // where the seed's notes already are: they must not move, or Continue would not keep the tune note for note.
    const base = { ...state.options, key: result.key.tonic, mode: result.key.mode, seedInKey: true };
    if (step.kind === 'continue') {
      const plan = continuePlan(result.notes, bars, barQuarters, result.pickup);
      if (plan.bars > BARS.max) throw new ComposeOptionError('bars', `this tune has ${bars} bars; continuing would pass the limit of ${BARS.max}`);
      bars = plan.bars;
      result = await compose({ ...base, seed: notesToSeed(plan.seed, result.key.tonic, plan.pickup), bars });
    } else {
      const opening = variationOpening(result.notes, bars, barQuarters, result.pickup);
      result = await compose({ ...base, seed: notesToSeed(opening, result.key.tonic, result.pickup), bars, randomSeed: step.randomSeed });
    }
  }
  return result;
}

const SHARP_NAMES = ['c', 'c#', 'd', 'd#', 'e', 'f', 'f#', 'g', 'g#', 'a', 'a#', 'b'];
const FLAT_NAMES = ['c', 'd-', 'd', 'e-', 'e', 'f', 'g-', 'g', 'a-', 'a', 'b-', 'b'];
/** Tonics whose key signatures use flats. */
const FLAT_TONICS = new Set(['F', 'B-', 'E-', 'A-', 'D-', 'G-', 'C-', 'f', 'b-', 'e-', 'a-', 'd-', 'g-', 'c-']);

/** A MIDI pitch as a kern pitch name: 60 = c, 72 = cc, 59 = B, 48 = C. */
export function kernPitch(pitch: number, flats: boolean): string {
  const pc = ((pitch % 12) + 12) % 12;
  const name = (flats ? FLAT_NAMES : SHARP_NAMES)[pc] ?? 'c';
  const letter = name[0] ?? 'c';
  const accidental = name.slice(1);
  const octave = Math.floor(pitch / 12) - 1;
  const letters = octave >= 4 ? letter.repeat(octave - 3) : letter.toUpperCase().repeat(4 - octave);
  return letters + accidental;
}

/** Kern reciprocal durations, longest first, with their length in quarter notes. */
const RECIPS: readonly { recip: string; quarters: number }[] = (() => {
  const out: { recip: string; quarters: number }[] = [];
  // The seed syntax's durations (src/music/seed.ts): these reciprocals with up to two dots.
  for (const base of SEED_RECIPS) {
    out.push({ recip: String(base), quarters: 4 / base });
    out.push({ recip: `${base}.`, quarters: 6 / base });
    out.push({ recip: `${base}..`, quarters: 7 / base });
  }
  return out.sort((a, b) => b.quarters - a.quarters);
})();

/** Splits a duration (quarters) into kern reciprocals, exact when one fits, else greedily (the seed syntax has no
 * ties, so such a note is re-struck; the durations the model writes all fit one token). */
function recipsFor(quarters: number): string[] {
  const exact = RECIPS.find((r) => Math.abs(r.quarters - quarters) < 1e-6);
  if (exact) return [exact.recip];
  // Plain (binary) durations first, so 2.5 quarters is "2 8", not a chain of triplets.
  const binary = RECIPS.filter((r) => !/^(3|6|12|24)\b/.test(r.recip));
  for (const set of [binary, RECIPS]) {
    const out: string[] = [];
    let left = quarters;
    while (left > 1e-6) {
      const piece = set.find((r) => r.quarters <= left + 1e-6);
      if (!piece) break;
      out.push(piece.recip);
      left -= piece.quarters;
    }
    if (left <= 1e-6) return out;
  }
  return [];
}

/**
 * Notes as seed text ("4c 8d 8e"), spelled with flats in flat keys; with a pickup (quarters), a bar line after
 * the notes that fill it ("8g | 4c 8d 8e"), so that the tune composed from the seed keeps it.
 */
export function notesToSeed(notes: readonly ComposedNote[], tonic: string, pickup = 0): string {
  const flats = FLAT_TONICS.has(tonic);
  const tokens: string[] = [];
  for (const note of notes) {
    if (pickup > 0 && tokens.length > 0 && Math.abs(note.onset - pickup) < 1e-9) tokens.push('|');
    const name = note.pitch === null ? 'r' : kernPitch(note.pitch, flats);
    for (const recip of recipsFor(note.duration)) tokens.push(`${recip}${name}`);
  }
  return tokens.join(' ');
}
