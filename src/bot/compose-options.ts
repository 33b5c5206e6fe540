// The /compose options: their ranges and choices (shared by the slash-command definition and validation) and
// the conversion of what Discord sends into ComposeOptions.
import type { Meter, Mode } from '../music/types.js';
import type { ComposeRequest, ModelStyle } from './compose-service.js';
import { ACCOMPANIMENTS, COMPOSE_LIMITS, ComposeOptionError, DEFAULT_ACCOMPANIMENT, DEFAULT_INSTRUMENT, formatMeter, parseAccompaniment } from '../compose/compose-options.js';

export { ComposeOptionError, DEFAULT_INSTRUMENT, formatMeter };

/** /compose's accompaniment choices: shown name and value. */
export const ACCOMPANIMENT_CHOICES: readonly { readonly name: string; readonly value: string }[] = ACCOMPANIMENTS.map((value) => ({
  name: { none: 'none: the melody alone', chords: 'chords: chord symbols on the score', full: 'full: chord symbols, bass and chords in the audio' }[value],
  value,
}));
export { DEFAULT_ACCOMPANIMENT };

export const BARS = COMPOSE_LIMITS.bars;
export const TEMPERATURE = COMPOSE_LIMITS.temperature;
export const TEMPO = COMPOSE_LIMITS.tempo;
export const RANDOM_SEED_MAX = COMPOSE_LIMITS.randomSeed.max;
export const SEED_MAX_LENGTH = 400;
/** Bars a Continue adds. */
export const CONTINUE_BARS = 8;
export const DEFAULT_METER = '4/4';

export const METER_CHOICES = ['2/4', '3/4', '4/4', '6/8'] as const;
export type MeterChoice = (typeof METER_CHOICES)[number];

/** Tonic choices: shown name, kern-like value (B- is B flat, F# F sharp). */
export const KEY_CHOICES: readonly { readonly name: string; readonly value: string }[] = [
  { name: 'C', value: 'C' },
  { name: 'G', value: 'G' },
  { name: 'D', value: 'D' },
  { name: 'A', value: 'A' },
  { name: 'E', value: 'E' },
  { name: 'B', value: 'B' },
  { name: 'F♯', value: 'F#' },
  { name: 'C♯', value: 'C#' },
  { name: 'F', value: 'F' },
  { name: 'B♭', value: 'B-' },
  { name: 'E♭', value: 'E-' },
  { name: 'A♭', value: 'A-' },
];

export const MODES: readonly Mode[] = ['major', 'minor'];

export const SEED_EXAMPLE = '4c 8d 8e 4f 4g';

/** The meter choices /compose offers: METER_CHOICES, less those the loaded model does not know (when given). */
export function meterChoices(modelMeters?: readonly string[]): string[] {
  return METER_CHOICES.filter((meter) => modelMeters === undefined || modelMeters.includes(meter));
}

/** Reads a meter choice; `modelMeters` (the loaded model's meters) narrows the choices. */
export function parseMeter(text: string, modelMeters?: readonly string[]): Meter {
  const choices = meterChoices(modelMeters);
  if (!choices.includes(text)) {
    const why = (METER_CHOICES as readonly string[]).includes(text) ? 'is not one the loaded model knows' : 'is not offered';
    throw new ComposeOptionError('meter', `meter "${text}" ${why}; choose one of ${choices.join(', ')}`);
  }
  const [numerator, denominator] = text.split('/').map(Number) as [number, number];
  return { numerator, denominator };
}

/** Raw option values as Discord delivers them (absent options undefined). */
export interface RawComposeOptions {
  readonly seed?: string | null;
  readonly bars?: number | null;
  readonly meter?: string | null;
  readonly key?: string | null;
  readonly mode?: string | null;
  readonly temperature?: number | null;
  readonly tempo?: number | null;
  readonly random_seed?: number | null;
  readonly accompaniment?: string | null;
  readonly style?: string | null;
}

/** Discord's limits on a string option's choices: how many, and the length of a choice's name. */
export const CHOICES_MAX = 25;
export const CHOICE_NAME_MAX = 100;

/** /compose's style choices for the model's styles: "name: description", cut to Discord's limits. */
export function styleChoices(styles: readonly Pick<ModelStyle, 'name' | 'description'>[]): { name: string; value: string }[] {
  return styles.slice(0, CHOICES_MAX).map((style) => {
    const name = `${style.name}: ${style.description}`;
    return { name: name.length <= CHOICE_NAME_MAX ? name : `${name.slice(0, CHOICE_NAME_MAX - 1)}…`, value: style.name };
  });
}

/**
 * The style asked, checked against the loaded model's styles (`modelStyles`, in its order; none for a model
 * without): undefined when none was asked (the model's first). Discord offers only the registered choices, but a
 * client can send any text, and the commands may have been registered for another model.
 */
function checkStyle(text: string | null | undefined, modelStyles: readonly string[]): string | undefined {
  const style = text?.trim();
  if (style === undefined || style === '') return undefined;
  if (modelStyles.length === 0) throw new ComposeOptionError('style', `style "${style}" is not offered: the loaded model has no styles`);
  if (!modelStyles.includes(style)) throw new ComposeOptionError('style', `style "${style}" is not offered; choose one of ${modelStyles.join(', ')}`);
  return style;
}

function checkRange(name: string, value: number, min: number, max: number, integer: boolean): number {
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
    throw new ComposeOptionError(name, `${name} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max} (got ${value})`);
  }
  return value;
}

/**
 * Validates raw options (Discord enforces most ranges, but a client can send anything) and fills defaults;
 * `modelMeters`: the meters of the loaded model, when known; `modelStyles`: its style names (none: a model without
 * styles). For a model with styles a request without a meter leaves it to the style (its usual meter), else 4/4.
 */
export function toComposeOptions(raw: RawComposeOptions, randomSeed: () => number, modelMeters?: readonly string[], modelStyles: readonly string[] = []): ComposeRequest {
  const seed = (raw.seed ?? '').trim();
  if (seed.length > SEED_MAX_LENGTH) throw new ComposeOptionError('seed', `the seed is ${seed.length} characters long; at most ${SEED_MAX_LENGTH} are accepted`);
  const key = raw.key ?? undefined;
  if (key !== undefined && !KEY_CHOICES.some((c) => c.value === key)) {
    throw new ComposeOptionError('key', `key "${key}" is not offered; choose one of ${KEY_CHOICES.map((c) => c.value).join(', ')}`);
  }
  const mode = raw.mode ?? undefined;
  if (mode !== undefined && mode !== 'major' && mode !== 'minor') throw new ComposeOptionError('mode', `mode must be major or minor (got "${mode}")`);
  const style = checkStyle(raw.style, modelStyles);
  const meterText = raw.meter ?? (modelStyles.length > 0 ? undefined : DEFAULT_METER);
  return {
    seed,
    ...(style !== undefined ? { style } : {}),
    bars: checkRange('bars', raw.bars ?? BARS.default, BARS.min, BARS.max, true),
    ...(meterText !== undefined ? { meter: parseMeter(meterText, modelMeters) } : {}),
    ...(key !== undefined ? { key } : {}),
    ...(mode !== undefined ? { mode } : {}),
    temperature: checkRange('temperature', raw.temperature ?? TEMPERATURE.default, TEMPERATURE.min, TEMPERATURE.max, false),
    tempo: checkRange('tempo', raw.tempo ?? TEMPO.default, TEMPO.min, TEMPO.max, true),
    randomSeed: checkRange('random_seed', raw.random_seed ?? randomSeed(), 0, RANDOM_SEED_MAX, true),
    instrument: DEFAULT_INSTRUMENT,
    // Not asked: the composer's default, which is full but for a pentatonic style (no chords unless asked).
    ...(raw.accompaniment == null ? {} : { accompaniment: parseAccompaniment(raw.accompaniment) }),
  };
}

export function newRandomSeed(): number {
  return Math.floor(Math.random() * (RANDOM_SEED_MAX + 1));
}
