// Answers an interaction whatever state it is in (not yet answered, deferred, already answered), publicly or
// only to the user, so that every path, errors included, ends with a message.
import { MessageFlags, type RepliableInteraction } from 'discord.js';

export async function respond(interaction: RepliableInteraction, content: string, options: { ephemeral: boolean }): Promise<void> {
  const flags = options.ephemeral ? MessageFlags.Ephemeral : undefined;
  if (!interaction.deferred && !interaction.replied) {
    await interaction.reply({ content, ...(flags ? { flags } : {}), allowedMentions: { parse: [] } });
    return;
  }
  if (interaction.deferred && !interaction.replied) {
    const deferredEphemeral = interaction.ephemeral === true;
    if (options.ephemeral && !deferredEphemeral) {
      // A public "thinking..." cannot turn private: remove it and answer privately instead.
      await interaction.deleteReply().catch(() => undefined);
      await interaction.followUp({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
      return;
    }
    await interaction.editReply({ content, embeds: [], components: [], files: [], allowedMentions: { parse: [] } });
    return;
  }
  await interaction.followUp({ content, ...(flags ? { flags } : {}), allowedMentions: { parse: [] } });
}
