// /about: the model, its data and figures, its styles, the backend, and the credit to the Essen Folksong Collection.
import { EmbedBuilder, SlashCommandBuilder } from 'discord.js';
import type { Command } from '../command.js';
import type { ModelInfo, ModelStyle } from '../compose-service.js';
import { styleFacts } from '../../compose/style-summary.js';

/** Discord's limit on an embed field's value. */
const FIELD_VALUE_MAX = 1024;

/** One line per style, with its songs and usual meter, packed into as few embed fields as their limit allows. */
function styleFields(styles: readonly ModelStyle[]): { name: string; value: string }[] {
  const lines = styles.map((style) => `**${style.name}** (${styleFacts(style.songs, style.usualMeter)}): ${style.description}`);
  const values: string[] = [];
  for (const line of lines) {
    const last = values.at(-1);
    if (last !== undefined && last.length + 1 + line.length <= FIELD_VALUE_MAX) values[values.length - 1] = `${last}\n${line}`;
    else values.push(line.slice(0, FIELD_VALUE_MAX));
  }
  return values.map((value, k) => ({ name: k === 0 ? `Styles (/compose style; default ${styles[0]!.name})` : 'Styles (continued)', value }));
}

export const data = new SlashCommandBuilder().setName('about').setDescription('About the model behind folkbot and the music it learnt from');

export function aboutEmbed(info: ModelInfo): EmbedBuilder {
  const figures = Object.entries(info.validation).map(([name, value]) => `${name} ${Number.isInteger(value) ? value : value.toFixed(3)}`);
  return new EmbedBuilder()
    .setTitle('About folkbot')
    .setDescription('An LSTM that writes monophonic folk melodies, note by note, trained with TensorFlow.js.')
    .addFields(
      { name: 'Model', value: info.name, inline: true },
      { name: 'Size', value: info.parameters !== undefined ? `${info.parameters.toLocaleString('en-US')} parameters` : 'not recorded', inline: true },
      { name: 'Backend', value: info.backend, inline: true },
      { name: 'Data', value: info.data },
      { name: 'Validation', value: figures.length > 0 ? figures.join(', ') : 'not recorded' },
      ...styleFields(info.styles ?? []),
      {
        name: 'Credit',
        value:
          'Trained on the Essen Folksong Collection (Helmut Schaffrath; Ewa Dahlig-Turek), encoded in Humdrum **kern and published by CCARH, the Center for Computer Assisted Research in the Humanities, Stanford University.',
      },
    );
}

export const execute: Command['execute'] = async (interaction, context, record) => {
  await interaction.reply({ embeds: [aboutEmbed(context.composer.modelInfo())] });
  record.outcome = 'answered';
};

export const command: Command = { data, execute };
