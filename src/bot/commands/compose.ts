// /compose: a new tune from the model, optionally starting from a seed melody. The `style` option is added at
// registration for a model with styles (commandsJson), with the model's styles as its choices.
import { SlashCommandBuilder } from 'discord.js';
import type { Command } from '../command.js';
import { ACCOMPANIMENT_CHOICES, BARS, DEFAULT_ACCOMPANIMENT, KEY_CHOICES, METER_CHOICES, RANDOM_SEED_MAX, SEED_EXAMPLE, SEED_MAX_LENGTH, TEMPERATURE, TEMPO, toComposeOptions } from '../compose-options.js';
import { composeForInteraction, badInputText } from '../tune-request.js';
import { respond } from '../respond.js';
import { checkedOptions } from '../checked-options.js';
import { ComposeOptionError, type RawComposeOptions } from '../compose-options.js';
import { SeedFileError } from '../../music/errors.js';
import { SEED_FILE_MAX_BYTES, SEED_FILE_TYPES } from '../../music/formats/seed-file.js';
import { checkSeedAttachment, seedOptionsFromAttachment, type SeedAttachment } from '../seed-attachment.js';

export const data = new SlashCommandBuilder()
  .setName('compose')
  .setDescription('Compose a folk melody (score, MIDI, audio and kern)')
  .addStringOption((o) =>
    o.setName('seed').setDescription(`Opening notes: duration + pitch, e.g. "${SEED_EXAMPLE}" (see /help)`).setMaxLength(SEED_MAX_LENGTH),
  )
  .addIntegerOption((o) => o.setName('bars').setDescription(`Length in bars, seed included (default ${BARS.default})`).setMinValue(BARS.min).setMaxValue(BARS.max))
  .addStringOption((o) =>
    o
      .setName('meter')
      .setDescription('Time signature (default 4/4)')
      .addChoices(...METER_CHOICES.map((m) => ({ name: m, value: m }))),
  )
  .addStringOption((o) => o.setName('key').setDescription("Tonic (default: the seed's key, else C major / A minor)").addChoices(...KEY_CHOICES))
  .addStringOption((o) =>
    o
      .setName('mode')
      .setDescription('Major or minor (default major)')
      .addChoices({ name: 'major', value: 'major' }, { name: 'minor', value: 'minor' }),
  )
  .addNumberOption((o) =>
    o
      .setName('temperature')
      .setDescription(`Boldness: low = safe, high = adventurous (${TEMPERATURE.min}-${TEMPERATURE.max}, default ${TEMPERATURE.default})`)
      .setMinValue(TEMPERATURE.min)
      .setMaxValue(TEMPERATURE.max),
  )
  .addIntegerOption((o) => o.setName('tempo').setDescription(`Quarter notes per minute for the audio (default ${TEMPO.default})`).setMinValue(TEMPO.min).setMaxValue(TEMPO.max))
  .addAttachmentOption((o) =>
    o.setName('seed_file').setDescription(`Opening from a file instead: ${SEED_FILE_TYPES}, up to ${SEED_FILE_MAX_BYTES / 1024} KB`),
  )
  .addIntegerOption((o) =>
    o.setName('random_seed').setDescription('Same settings + same random seed = same tune (default: random)').setMinValue(0).setMaxValue(RANDOM_SEED_MAX),
  )
  .addStringOption((o) =>
    o
      .setName('accompaniment')
      .setDescription(`Chords under the melody (default ${DEFAULT_ACCOMPANIMENT})`)
      .addChoices(...ACCOMPANIMENT_CHOICES),
  );

export const execute: Command['execute'] = async (interaction, context, record) => {
  let options;
  let file: SeedAttachment | undefined;
  let raw: RawComposeOptions = {};
  // The model loaded now: the style is checked against its styles, whatever the registered choices were.
  const model = context.composer.modelInfo();
  const styleNames = (model.styles ?? []).map((style) => style.name);
  try {
    const get = checkedOptions(interaction);
    const attachment = get.getAttachment('seed_file');
    if (attachment !== null) {
      file = { name: attachment.name, size: attachment.size, url: attachment.url };
      if ((get.getString('seed') ?? '').trim() !== '') throw new ComposeOptionError('seed', 'give either seed or seed_file, not both');
      // Name and size are checked before anything is downloaded.
      checkSeedAttachment(file);
    }
    raw = {
      bars: get.getInteger('bars'),
      meter: get.getString('meter'),
      key: get.getString('key'),
      mode: get.getString('mode'),
      temperature: get.getNumber('temperature'),
      tempo: get.getInteger('tempo'),
      random_seed: get.getInteger('random_seed'),
      accompaniment: get.getString('accompaniment'),
      style: get.getString('style'),
    };
    options = toComposeOptions({ seed: get.getString('seed'), ...raw }, context.newRandomSeed, model.meters, styleNames);
  } catch (error) {
    if (!(error instanceof ComposeOptionError) && !(error instanceof SeedFileError)) throw error;
    record.outcome = 'bad-input';
    record.error = error.message;
    await respond(interaction, badInputText(error), { ephemeral: true });
    return;
  }
  const seedFile = file;
  const prepare =
    seedFile === undefined
      ? undefined
      : async () => {
          const { options: fromFile, description } = await seedOptionsFromAttachment(seedFile, { ...raw, random_seed: options.randomSeed }, context.newRandomSeed, model.meters, styleNames);
          return { options: fromFile, note: description };
        };
  await composeForInteraction(interaction, context, record, { options, steps: [] }, prepare);
};

export const command: Command = { data, execute };
