// /about: the model, its data and figures, the backend, and the credit to the Essen Folksong Collection.
import { EmbedBuilder, SlashCommandBuilder } from 'discord.js';
import type { Command } from '../command.js';
import type { ModelInfo } from '../compose-service.js';

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
