// Composing a tune for an interaction (/compose or a tune button): admission (cooldown, queue), deferral,
// composing through the worker pool, and the reply, with every failure turned into a message.
import { PermissionFlagsBits, type ButtonInteraction, type ChatInputCommandInteraction } from 'discord.js';
import type { BotContext, RequestRecord } from './command.js';
import { isUserInputError } from './compose-service.js';
import { QueueFullError, PoolClosedError } from './compose-pool.js';
import { SEED_EXAMPLE } from './compose-options.js';
import { composeState, type TuneState } from './tune-state.js';
import { tuneMessage, type TuneMessage } from './tune-message.js';
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
  initialState: TuneState,
  /**
   * Makes the options after the deferral (a seed_file is downloaded and read there, after admission): what it
   * returns replaces the state's options, and its note stands in the reply. Its SeedFileError or
   * ComposeOptionError is answered as bad input.
   */
  prepare?: () => Promise<{ readonly options: TuneState['options']; readonly note: string }>,
): Promise<void> {
  let state = initialState;
  let note: string | undefined;
  record.options = { ...record.options, ...loggedOptions(state), steps: state.steps.length };
  const userId = interaction.user.id;
  // Admission is decided here, before the first await: in a burst every handler runs this part in turn, so the
  // requests past the queue's capacity are refused privately at once, never after a public "thinking...".
  const wait = context.cooldown.remaining(userId);
  if (wait > 0) {
    record.outcome = 'cooldown';
    await respond(interaction, `Easy there: one tune at a time. You can compose again in ${wait} s.`, { ephemeral: true });
    return;
  }
  const place = context.admit();
  if (!place.admitted) {
    record.outcome = 'busy';
    await respond(interaction, busyText(place.retryAfterSeconds), { ephemeral: true });
    return;
  }
  // Started now (so a double click cannot slip in), taken back below unless the tune reaches the user.
  context.cooldown.start(userId);
  let served = false;
  const started = performance.now();
  let deferred = started;
  try {
    // A deferral that fails past discord.js's retries does not stop the tune: it is delivered another way.
    await interaction.deferReply().catch((error: unknown) => {
      record.problems = [...(record.problems ?? []), `defer: ${describeError(error)}`];
    });
    deferred = performance.now();
    if (prepare) {
      const prepared = await prepare();
      state = { ...state, options: prepared.options };
      note = prepared.note;
      record.options = { ...record.options, ...loggedOptions(state) };
    }
    const result = await composeState(state, (options) => context.composer.compose(options));
    place.release();
    const composed = performance.now();
    record.delivery = await deliver(interaction, tuneMessage(result, state, note), record);
    served = true;
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
  } finally {
    place.release();
    if (!served) context.cooldown.cancel(userId);
  }
}

/** The request's options for the log line: the meter as text ("3/4"; "style" when left to the style). */
function loggedOptions(state: TuneState): Record<string, unknown> {
  const { meter } = state.options;
  return { ...state.options, meter: meter === undefined ? 'style' : `${meter.numerator}/${meter.denominator}` };
}

/** A follow-up uses the interaction's token, which Discord honours for 15 minutes. */
const TOKEN_LIFETIME_MS = 15 * 60_000;

/** The tune reached nobody: every way of sending it failed (each one's error is in the message). */
export class TuneLostError extends Error {
  override readonly name = 'TuneLostError';
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const status = (error as Error & { status?: unknown }).status;
    return typeof status === 'number' ? `${status} ${error.message}` : error.message;
  }
  return String(error);
}

/**
 * Sends a composed tune: as the interaction's reply (editing the deferred one); when that fails past discord.js's
 * own retries, as a follow-up message while the token lasts; then as a message in the channel, when the bot may
 * post there. Returns the way that worked; throws TuneLostError only when every way failed.
 */
async function deliver(interaction: ChatInputCommandInteraction | ButtonInteraction, message: TuneMessage, record: RequestRecord): Promise<string> {
  const problems: string[] = [];
  const attempt = async (way: string, send: () => Promise<unknown>): Promise<boolean> => {
    try {
      await send();
      return true;
    } catch (error) {
      problems.push(`${way}: ${describeError(error)}`);
      return false;
    }
  };
  const note = (): void => {
    record.problems = [...(record.problems ?? []), ...problems];
  };
  const first = interaction.deferred ? 'edit' : 'reply';
  if (await attempt(first, () => (interaction.deferred ? interaction.editReply(message) : interaction.reply(message)))) return first;
  // A "thinking..." left behind by the failed edit goes, when Discord lets it; the tune follows in a new message.
  const dropThinking = (): void => {
    if (interaction.deferred && !interaction.replied) void interaction.deleteReply().catch(() => undefined);
  };
  const acknowledged = interaction.deferred || interaction.replied;
  if (acknowledged && Date.now() - interaction.createdTimestamp < TOKEN_LIFETIME_MS) {
    if (await attempt('follow-up', () => interaction.followUp(message))) {
      note();
      return 'follow-up';
    }
  }
  const channel = interaction.channel;
  const mayPost = interaction.appPermissions?.has([PermissionFlagsBits.SendMessages, PermissionFlagsBits.AttachFiles]) === true;
  if (channel?.isSendable() && mayPost) {
    const sent = await attempt('channel', () =>
      channel.send({ ...message, content: `<@${interaction.user.id}> ${message.content}`, allowedMentions: { users: [interaction.user.id] } }),
    );
    if (sent) {
      dropThinking();
      note();
      return 'channel';
    }
  } else {
    problems.push(channel ? 'channel: the bot may not post files there' : 'channel: not known to the bot');
  }
  note();
  throw new TuneLostError(`the tune could not be delivered (${problems.join('; ')})`);
}

function prefixed(timings: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(timings).map(([k, v]) => [`compose.${k}`, Math.round(v)]));
}
