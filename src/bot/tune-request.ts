// Composing a tune for an interaction (/compose or a tune button): admission (cooldown, queue), deferral,
// composing through the worker pool, and the reply, with every failure turned into a message.
import type { ButtonInteraction, ChatInputCommandInteraction } from 'discord.js';
import type { BotContext, RequestRecord } from './command.js';
import { isUserInputError } from './compose-service.js';
import { QueueFullError, PoolClosedError } from './compose-pool.js';
import { SEED_EXAMPLE } from './compose-options.js';
import { composeState, type TuneState } from './tune-state.js';
import { tuneMessage } from './tune-message.js';
import { respond } from './respond.js';

export function badInputText(error: Error & { position?: number; token?: string }): string {
  const where = error.token !== undefined ? ` (at \`${error.token}\`)` : '';
  return `That did not work: ${error.message}${where}.\nExample: \`/compose seed: ${SEED_EXAMPLE} bars: 16 meter: 4/4\`. See \`/help\` for the seed syntax.`;
}

export function busyText(seconds: number): string {
  return `Sorry, I am busy composing for others right now. Please try again in ${seconds} s.`;
}

export async function composeForInteraction(
  interaction: ChatInputCommandInteraction | ButtonInteraction,
  context: BotContext,
  record: RequestRecord,
  state: TuneState,
): Promise<void> {
  record.options = { ...state.options, meter: `${state.options.meter.numerator}/${state.options.meter.denominator}`, steps: state.steps.length };
  const userId = interaction.user.id;
  const wait = context.cooldown.remaining(userId);
  if (wait > 0) {
    record.outcome = 'cooldown';
    await respond(interaction, `Easy there: one tune at a time. You can compose again in ${wait} s.`, { ephemeral: true });
    return;
  }
  const queue = context.queueStatus();
  if (queue?.full) {
    record.outcome = 'busy';
    await respond(interaction, busyText(queue.retryAfterSeconds), { ephemeral: true });
    return;
  }
  context.cooldown.start(userId);
  const started = performance.now();
  await interaction.deferReply();
  const deferred = performance.now();
  try {
    const result = await composeState(state, (options) => context.composer.compose(options));
    const composed = performance.now();
    await interaction.editReply(tuneMessage(result, state));
    record.outcome = 'composed';
    record.timings = { defer: deferred - started, compose: composed - deferred, reply: performance.now() - composed, ...prefixed(result.timings) };
  } catch (error) {
    record.timings = { defer: deferred - started, failedAfter: performance.now() - deferred };
    if (isUserInputError(error)) {
      record.outcome = 'bad-input';
      record.error = error.message;
      await respond(interaction, badInputText(error), { ephemeral: true });
    } else if (error instanceof QueueFullError) {
      record.outcome = 'busy';
      await respond(interaction, busyText(error.retryAfterSeconds), { ephemeral: true });
    } else if (error instanceof PoolClosedError) {
      record.outcome = 'shutting-down';
      await respond(interaction, 'Sorry, I am restarting. Please try again in a minute.', { ephemeral: true });
    } else {
      throw error;
    }
  }
}

function prefixed(timings: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(timings).map(([k, v]) => [`compose.${k}`, Math.round(v)]));
}
