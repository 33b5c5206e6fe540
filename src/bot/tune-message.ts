// The message that shows a composed tune: the score inline (embed image from attachment://tune.png), the ABC as a
// code block (attached as tune.abc when it does not fit), the MIDI, audio (Discord plays mp3/ogg attachments
// inline), kern and MusicXML files, the settings in words, and the buttons.
import { ActionRowBuilder, AttachmentBuilder, ButtonBuilder, ButtonStyle, EmbedBuilder, type APIEmbed } from 'discord.js';
import type { ComposeResult } from '../compose/types.js';
import { styleSummary } from '../compose/style-summary.js';
import { BARS, formatMeter } from './compose-options.js';
import { continuePlan, encodeCustomId, MAX_TUNE_STEPS, type TuneState } from './tune-state.js';

export const SEED_FIELD = 'Seed';
/** Discord's limit on the text of a message. */
export const MESSAGE_CONTENT_LIMIT = 2000;

/** The summary with the ABC below it as a code block, or null when that would not fit in one message. */
function withAbcBlock(summary: string, abc: string): string | null {
  if (abc.includes('```')) return null; // a title could close the block early
  const text = `${summary}\n\`\`\`abc\n${abc.trimEnd()}\n\`\`\``;
  return text.length <= MESSAGE_CONTENT_LIMIT ? text : null;
}

export interface TuneMessage {
  readonly content: string;
  readonly embeds: EmbedBuilder[];
  readonly files: AttachmentBuilder[];
  readonly components: ActionRowBuilder<ButtonBuilder>[];
}

function describe(state: TuneState): string {
  const steps = state.steps.map((s) => (s.kind === 'continue' ? 'continued' : 'varied')).join(', ');
  return steps === '' ? '' : ` (${steps})`;
}

/** `note` is a line said above the tune (what was taken from a seed file). */
export function tuneMessage(result: ComposeResult, state: TuneState, note?: string): TuneMessage {
  const options = state.options;
  const bars = result.bars;
  // The tune's meter: the request's, or the style's usual one.
  const meter = formatMeter(result.meter);
  const barQuarters = (result.meter.numerator * 4) / result.meter.denominator;
  // The style, and what it decided that the request did not (said on every tune, the buttons' too).
  const style = styleSummary(result.style ?? null, result.meter, options.style !== undefined);
  // Each step is replayed on every click (see MAX_TUNE_STEPS): past the limit, only Another take is offered.
  const atStepLimit = state.steps.length >= MAX_TUNE_STEPS;
  const canContinue = !atStepLimit && continuePlan(result.notes, bars, barQuarters).bars <= BARS.max;
  const summary =
    (note === undefined ? '' : `Seed: ${note}\n`) +
    `**${result.key.name}**, ${meter}, ${bars} bars, temperature ${options.temperature}, random seed ${options.randomSeed}${describe(state)}` +
    (style === null ? '' : `\n${style.charAt(0).toUpperCase()}${style.slice(1)}.`) +
    (atStepLimit ? `\nThis tune has had ${MAX_TUNE_STEPS} Continue/Variation steps, the most its buttons replay: start again with Another take or /compose.` : '') +
    // A tune (or its seed) close to a song the model learnt from: the user should know whose tune it resembles.
    (result.originality?.note ? `\nNote: ${result.originality.note}.` : '');
  const embed = new EmbedBuilder()
    .setTitle(`A tune in ${result.key.name}`)
    .setImage('attachment://tune.png')
    .addFields(
      { name: 'Key', value: result.key.name, inline: true },
      { name: 'Meter', value: meter, inline: true },
      { name: 'Bars', value: String(bars), inline: true },
      { name: 'Temperature', value: String(options.temperature), inline: true },
      { name: 'Random seed', value: String(options.randomSeed), inline: true },
      { name: 'Tempo', value: `${options.tempo} bpm`, inline: true },
    )
    .setFooter({ text: `${result.model.name} · ${result.model.backend}` });
  if (result.style) embed.addFields({ name: 'Style', value: `${result.style.name}: ${result.style.description}` });
  if (options.seed !== '') embed.addFields({ name: SEED_FIELD, value: '```\n' + options.seed + '\n```' });

  const buttons: ButtonBuilder[] = [];
  const take = encodeCustomId('take', state);
  if (take) buttons.push(new ButtonBuilder().setCustomId(take).setLabel('Another take').setStyle(ButtonStyle.Primary));
  const more = encodeCustomId('continue', state);
  if (more) buttons.push(new ButtonBuilder().setCustomId(more).setLabel('Continue').setStyle(ButtonStyle.Secondary).setDisabled(!canContinue));
  const variation = encodeCustomId('variation', state);
  if (variation) buttons.push(new ButtonBuilder().setCustomId(variation).setLabel('Variation').setStyle(ButtonStyle.Secondary).setDisabled(atStepLimit));

  const audioName = `tune.${result.files.audioFormat}`;
  const content = withAbcBlock(summary, result.files.abc);
  return {
    content: content ?? summary,
    embeds: [embed],
    files: [
      new AttachmentBuilder(Buffer.from(result.files.png), { name: 'tune.png', description: `Score: ${result.key.name}, ${bars} bars` }),
      new AttachmentBuilder(Buffer.from(result.files.midi), { name: 'tune.mid' }),
      new AttachmentBuilder(Buffer.from(result.files.audio), { name: audioName }),
      new AttachmentBuilder(Buffer.from(result.files.kern, 'utf8'), { name: 'tune.krn' }),
      new AttachmentBuilder(Buffer.from(result.files.musicxml, 'utf8'), { name: 'tune.musicxml', description: 'MusicXML for score editors' }),
      ...(content === null ? [new AttachmentBuilder(Buffer.from(result.files.abc, 'utf8'), { name: 'tune.abc' })] : []),
    ],
    components: buttons.length > 0 ? [new ActionRowBuilder<ButtonBuilder>().addComponents(buttons)] : [],
  };
}

/** The full seed shown in a tune message, for buttons whose custom id had no room for it. */
export function seedFromEmbeds(embeds: readonly { readonly fields?: readonly { name: string; value: string }[] }[] | readonly APIEmbed[]): string | undefined {
  for (const embed of embeds) {
    const field = embed.fields?.find((f) => f.name === SEED_FIELD);
    if (field) return field.value.replace(/^```\n?/, '').replace(/\n?```$/, '');
  }
  return undefined;
}
