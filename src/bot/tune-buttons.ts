// The buttons under a tune (Another take, Continue, Variation). Everything they need is in the custom id
// (see ./tune-state.ts) or, for a long seed, in the message they sit under, so they keep working after restarts.
import type { ButtonHandler } from './command.js';
import { ComposeOptionError } from './compose-options.js';
import { applyAction, decodeCustomId, isTuneCustomId } from './tune-state.js';
import { seedFromEmbeds } from './tune-message.js';
import { composeForInteraction, badInputText } from './tune-request.js';
import { respond } from './respond.js';

export const tuneButtons: ButtonHandler = {
  matches: isTuneCustomId,
  async execute(interaction, context, record) {
    let next;
    try {
      const { action, state } = decodeCustomId(interaction.customId, () => seedFromEmbeds(interaction.message.embeds));
      record.options = { action };
      next = applyAction(action, state, context.newRandomSeed);
    } catch (error) {
      if (!(error instanceof ComposeOptionError)) throw error;
      record.outcome = 'bad-input';
      record.error = error.message;
      await respond(interaction, error.message.includes('limit') ? `Sorry: ${error.message}.` : badInputText(error), { ephemeral: true });
      return;
    }
    await composeForInteraction(interaction, context, record, next);
  },
};
