// /reload-model (administrators): loads a model folder and switches to it. The old model keeps serving until
// the new one has loaded; a model that fails to load is refused with the reason and the old one stays.
// Because one model serves every server the bot is in, the command only works for administrators of the home
// guild (DISCORD_GUILD_ID) when one is configured, and only loads folders next to the configured model folder.
import path from 'node:path';
import { MessageFlags, PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import type { Command } from '../command.js';
import { checkedOptions } from '../checked-options.js';

export const data = new SlashCommandBuilder()
  .setName('reload-model')
  .setDescription('Administrators: load a model folder and switch to it')
  .setDefaultMemberPermissions(PermissionFlagsBits.Administrator)
  .addStringOption((o) =>
    o.setName('folder').setDescription('Folder name next to the current model (default: the configured model folder)').setMaxLength(100),
  );

/**
 * Text for an administrator's eyes: the models folder's absolute path taken out, so that folders show by their
 * name inside it ("v2/weights.bin: ...") and nothing tells of the server's layout.
 */
export function relativeToModels(text: string, modelDir: string): string {
  const root = path.dirname(path.resolve(modelDir));
  return text.split(root + path.sep).join('').split(root).join('models folder');
}

/** Resolves the folder option inside the models root; undefined when it tries to leave it. */
export function resolveModelFolder(modelDir: string, folder: string | null): string | undefined {
  if (folder === null || folder.trim() === '') return modelDir;
  if (!/^[\w.-]+$/.test(folder) || folder === '.' || folder === '..') return undefined;
  return path.join(path.dirname(modelDir), folder);
}

export const execute: Command['execute'] = async (interaction, context, record) => {
  const isAdmin = interaction.memberPermissions?.has(PermissionFlagsBits.Administrator) === true;
  const homeGuild = context.config.guildId;
  if (!isAdmin || (homeGuild !== undefined && interaction.guildId !== homeGuild)) {
    record.outcome = 'refused';
    await interaction.reply({ content: 'Only administrators of the home server can reload the model.', flags: MessageFlags.Ephemeral });
    return;
  }
  let folder: string | null;
  try {
    folder = checkedOptions(interaction).getString('folder');
  } catch (error) {
    record.outcome = 'bad-input';
    await interaction.reply({ content: `That did not work: ${(error as Error).message}.`, flags: MessageFlags.Ephemeral });
    return;
  }
  const dir = resolveModelFolder(context.config.modelDir, folder);
  record.options = { folder };
  if (dir === undefined) {
    record.outcome = 'bad-input';
    await interaction.reply({ content: `"${folder}" is not a folder name: use letters, digits, "-", "_" or ".".`, flags: MessageFlags.Ephemeral });
    return;
  }
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const before = context.composer.modelInfo();
  try {
    const info = await context.composer.reload(dir);
    record.outcome = 'reloaded';
    context.log.info({ from: before.name, to: info.name, dir }, 'model reloaded');
    const warnings = (info.warnings ?? []).map((w) => `\nWarning: ${relativeToModels(w, context.config.modelDir)}.`).join('');
    await interaction.editReply(`Loaded model **${info.name}** from \`${path.basename(dir)}\` (was ${before.name}).${warnings}`);
  } catch (error) {
    record.outcome = 'reload-refused';
    record.error = error instanceof Error ? error.message : String(error);
    await interaction.editReply(`Refused: ${relativeToModels(record.error, context.config.modelDir)}\nStill serving **${before.name}**.`);
  }
};

export const command: Command = { data, execute };
