// The style a tune was composed in, the defaults it gave and the rules of its own it followed, in words, for the CLI
// summary and the bot's reply: "style chinese-han: 2/4, the style's usual meter; mode drawn from its songs in 2/4
// (0% minor); it ends on the fifth (zhi), as 47% of the style's songs do".
import type { Meter } from '../music/types.js';
import type { StyleInfo } from '../model/folder/model-folder.js';
import type { ComposedStyle } from './types.js';

/**
 * `chosen`: the request named the style (else it is the model's first, and the text says it was the default).
 * Null for a model without styles.
 */
export function styleSummary(style: ComposedStyle | null, meter: Meter, chosen: boolean): string | null {
  if (style === null) return null;
  const meterText = `${meter.numerator}/${meter.denominator}`;
  const defaults: string[] = [];
  if (style.meterFromStyle) defaults.push(`${meterText}, the style's usual meter`);
  if (style.modeFromStyle) {
    defaults.push(
      style.minorShare === null
        ? `major: the style has no songs in ${meterText} to draw a mode from`
        : `mode drawn from its songs in ${meterText} (${Math.round(style.minorShare * 100)}% minor)`,
    );
  }
  const said = [...defaults, ...style.rules];
  return `style ${style.name}${chosen ? '' : ' (the default)'}${said.length > 0 ? `: ${said.join('; ')}` : ''}`;
}

/** A style's songs and usual meter for a listing ("1,233 songs, usually 2/4"); an uncalibrated one has neither. */
export function styleFacts(songs: number, usualMeter: string): string {
  return usualMeter === '' ? 'not calibrated' : `${songs.toLocaleString('en-US')} songs, usually ${usualMeter}`;
}

/** The songs a style was learnt from and checked on: its training and validation songs. */
export function styleSongs(style: Pick<StyleInfo, 'trainSongs' | 'validationSongs'>): number {
  return style.trainSongs + style.validationSongs;
}
