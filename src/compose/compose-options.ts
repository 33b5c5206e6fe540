// Defaults, bounds and validation of compose options, shared by the CLI and the bot so both accept the same
// values and give the same messages.
import type { Meter, Mode } from '../music/types.js';
import type { Accompaniment, ComposeOptions } from './types.js';

export const COMPOSE_LIMITS = {
  bars: { min: 4, max: 64, default: 16 },
  temperature: { min: 0.1, max: 2, default: 1 },
  tempo: { min: 40, max: 240, default: 100 },
  /** 31-bit, so a seed stays exact everywhere and short in a button's custom id. */
  randomSeed: { min: 0, max: 2_147_483_647 },
} as const;

/**
 * Meters a tune may be asked in (the ones the Essen songs use most). A model composes in those of them its
 * vocabulary knows (Composer.meters); the rest are refused by name before anything is generated.
 */
export const SUPPORTED_METERS = ['2/4', '3/4', '4/4', '3/8', '6/8', '9/8', '12/8', '2/2', '3/2', '5/4'] as const;

export const DEFAULT_INSTRUMENT = 'flute';

export const ACCOMPANIMENTS: readonly Accompaniment[] = ['none', 'chords', 'full'];
/**
 * A tune comes with its accompaniment unless asked otherwise: most listeners hear the audio, where a lone
 * flute is thin, and the chords cost little (see README: figures).
 */
export const DEFAULT_ACCOMPANIMENT: Accompaniment = 'full';

export function parseAccompaniment(text: string): Accompaniment {
  const value = text.trim().toLowerCase();
  if ((ACCOMPANIMENTS as readonly string[]).includes(value)) return value as Accompaniment;
  throw new ComposeOptionError(
    'accompaniment',
    `accompaniment "${text}" is not offered; use none (the melody alone), chords (chord symbols on the score) or full (chord symbols, and bass and chords in the MIDI and audio)`,
  );
}

/** An invalid compose option: `option` names it, the message says what is accepted. */
export class ComposeOptionError extends Error {
  override readonly name = 'ComposeOptionError';
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads a meter such as "3/4" and checks it against `accepted` (default: every SUPPORTED_METERS entry; the
 * composer passes the meters its model knows, `modelName` naming it in the message).
 */
export function parseMeter(text: string, accepted: readonly string[] = SUPPORTED_METERS, modelName?: string): Meter {
  const match = /^\s*(\d{1,2})\s*\/\s*(\d{1,2})\s*$/.exec(text);
  const meter = match ? `${Number(match[1])}/${Number(match[2])}` : null;
  if (meter === null || !accepted.includes(meter)) {
    const known = (SUPPORTED_METERS as readonly string[]).includes(meter ?? '');
    const why = known && modelName !== undefined ? `is not one the model "${modelName}" was trained on` : 'is not supported';
    throw new ComposeOptionError('meter', `meter "${text}" ${why}; use one of ${accepted.join(', ')}`);
  }
  return { numerator: Number(match?.[1]), denominator: Number(match?.[2]) };
}

/** Reads the form of a meter, "N/D", without judging whether a model knows it (parseMeter does that). */
export function parseMeterText(text: string): Meter {
  const match = /^\s*(\d{1,2})\s*\/\s*(\d{1,2})\s*$/.exec(text);
  if (!match) throw new ComposeOptionError('meter', `meter "${text}" is not a time signature such as 3/4 or 6/8`);
  return { numerator: Number(match[1]), denominator: Number(match[2]) };
}

export function formatMeter(meter: Meter): string {
  return `${meter.numerator}/${meter.denominator}`;
}

export function parseMode(text: string): Mode {
  const mode = text.trim().toLowerCase();
  if (mode === 'major' || mode === 'minor') return mode;
  throw new ComposeOptionError('mode', `mode "${text}" is not supported; use major or minor`);
}

function checkNumber(option: string, value: number, bounds: { min: number; max: number }, integer: boolean): number {
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < bounds.min || value > bounds.max) {
    const kind = integer ? 'a whole number' : 'a number';
    throw new ComposeOptionError(option, `${option} must be ${kind} from ${bounds.min} to ${bounds.max} (got ${String(value)})`);
  }
  return value;
}

/** A random seed for when the user gives none; always reported so the tune can be reproduced. */
export function freshRandomSeed(): number {
  return Math.floor(Math.random() * 1_000_000);
}

/**
 * Fills defaults and checks bounds; throws ComposeOptionError naming the first bad option. `meters`: the meters
 * accepted (the model's, see parseMeter).
 */
export function resolveComposeOptions(
  input: Partial<ComposeOptions>,
  meters: { readonly accepted: readonly string[]; readonly modelName?: string } = { accepted: SUPPORTED_METERS },
  styles: { readonly names: readonly string[]; readonly usualMeter: (style: string) => Meter | undefined } = { names: [], usualMeter: () => undefined },
): ComposeOptions {
  const style = resolveStyle(input.style, styles.names);
  const { bars, temperature, tempo, randomSeed } = COMPOSE_LIMITS;
  return {
    seed: input.seed ?? '',
    bars: checkNumber('bars', input.bars ?? bars.default, bars, true),
    meter: parseMeter(formatMeter(input.meter ?? (style !== undefined ? styles.usualMeter(style) : undefined) ?? { numerator: 4, denominator: 4 }), meters.accepted, meters.modelName),
    key: input.key === undefined || input.key.trim() === '' ? undefined : input.key.trim(),
    ...(input.seedInKey === true ? { seedInKey: true } : {}),
    mode: input.mode,
    temperature: checkNumber('temperature', input.temperature ?? temperature.default, temperature, false),
    randomSeed: checkNumber('random seed', input.randomSeed ?? freshRandomSeed(), randomSeed, true),
    tempo: checkNumber('tempo', input.tempo ?? tempo.default, tempo, true),
    instrument: input.instrument ?? DEFAULT_INSTRUMENT,
    title: input.title,
    accompaniment: parseAccompaniment(input.accompaniment ?? DEFAULT_ACCOMPANIMENT),
    ...(style !== undefined ? { style } : {}),
  };
}

/** The asked style checked against the model's (`names`; none: the model has no styles), or its first by default. */
function resolveStyle(asked: string | undefined, names: readonly string[]): string | undefined {
  const text = typeof asked === 'string' ? asked.trim().toLowerCase() : undefined;
  if (names.length === 0) {
    if (text === undefined || text === '') return undefined;
    throw new ComposeOptionError('style', `this model has no styles: it composes in one manner only (got "${asked}")`);
  }
  if (text === undefined || text === '') return names[0];
  if (!names.includes(text)) throw new ComposeOptionError('style', `"${asked}" is not one of this model's styles: ${names.join(', ')}`);
  return text;
}

/**
 * The audio preview's codec, chosen per deployment (FOLKBOT_AUDIO, --audio): MP3 plays on every client; Ogg
 * Opus takes half the CPU per tune (measured: 54 vs 113 ms to encode a 39 s tune) and plays on Discord's desktop
 * and web clients, but Discord's mobile apps have not always played .ogg attachments.
 */
export type AudioCodec = 'mp3' | 'opus';
export const AUDIO_CODECS: readonly AudioCodec[] = ['mp3', 'opus'];
