// The shape of a slash command module (discord.js create-discord-bot template style: `{ data, execute }`) and
// what handlers get to work with.
import type { ButtonInteraction, ChatInputCommandInteraction, RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import type { Logger } from 'pino';
import type { BotConfig } from './config.js';
import type { ComposeService } from './compose-service.js';
import type { Admission } from './compose-pool.js';
import type { Cooldown } from './cooldown.js';

/** Fields a handler fills in for the one log line written per request. */
export interface RequestRecord {
  options?: Record<string, unknown>;
  outcome?: string;
  timings?: Record<string, number>;
  error?: string;
  /** How a tune reached the user: 'edit' (the usual), 'reply', 'follow-up' or 'channel'. */
  delivery?: string;
  /** REST calls that failed on the way (past discord.js's retries) though the request was answered another way. */
  problems?: string[];
}

export interface BotContext {
  readonly config: BotConfig;
  readonly composer: ComposeService;
  /**
   * Whether a compose request gets a place now (the worker pool's admit()), decided before anything is sent, so a
   * refused request is answered privately at once. A composer without a queue admits everything.
   */
  readonly admit: () => Admission;
  readonly cooldown: Cooldown;
  readonly log: Logger;
  readonly newRandomSeed: () => number;
}

export interface Command {
  readonly data: { readonly name: string; toJSON(): RESTPostAPIChatInputApplicationCommandsJSONBody };
  execute(interaction: ChatInputCommandInteraction, context: BotContext, record: RequestRecord): Promise<void>;
}

export interface ButtonHandler {
  /** Whether this handler owns the button with `customId`. */
  matches(customId: string): boolean;
  execute(interaction: ButtonInteraction, context: BotContext, record: RequestRecord): Promise<void>;
}
