// The folkbot Discord client: connects through discord.js (REST base from the config, gateway URL from that
// API's GET /gateway/bot), dispatches slash commands and buttons, answers every interaction (errors included),
// logs one line per request, and shuts down cleanly.
import { Client, Events, GatewayIntentBits, MessageFlags, Options, type Interaction, type RepliableInteraction } from 'discord.js';
import type { Logger } from 'pino';
import type { BotConfig } from './config.js';
import type { BotContext, ButtonHandler, Command, RequestRecord } from './command.js';
import type { ComposeService } from './compose-service.js';
import type { Admission } from './compose-pool.js';
import { commands as allCommands } from './commands/index.js';
import { tuneButtons } from './tune-buttons.js';
import { Cooldown } from './cooldown.js';
import { newRandomSeed } from './compose-options.js';
import { respond } from './respond.js';

export interface FolkBotOptions {
  readonly config: BotConfig;
  readonly composer: ComposeService;
  /** Admission of compose requests (the worker pool's admit()); default: every request is admitted. */
  readonly admit?: () => Admission;
  readonly log: Logger;
  readonly commands?: readonly Command[];
  readonly buttons?: readonly ButtonHandler[];
  readonly newRandomSeed?: () => number;
  /** How often discord.js's REST client drops its idle per-route queues (default REST_HANDLER_SWEEP_MS). */
  readonly restHandlerSweepMs?: number;
}

/**
 * discord.js's REST client keeps one queue per route and token, so one per interaction answered, and drops idle
 * ones only every hour by default: on a busy bot that was thousands of queues (measured in a heap snapshot of a
 * 3,000-tune soak: one SequentialHandler per tune). Every minute keeps them to the last minute's interactions.
 */
export const REST_HANDLER_SWEEP_MS = 60_000;

export class FolkBot {
  readonly client: Client;
  private readonly context: BotContext;
  private readonly commands: Map<string, Command>;
  private readonly buttons: readonly ButtonHandler[];
  private readonly inFlight = new Set<Promise<void>>();
  private accepting = true;

  constructor(private readonly options: FolkBotOptions) {
    const { config } = options;
    this.client = new Client({
      intents: [GatewayIntentBits.Guilds],
      rest: { api: config.apiUrl, handlerSweepInterval: options.restHandlerSweepMs ?? REST_HANDLER_SWEEP_MS },
      // discord.js keeps every user and guild member it meets and 200 messages per channel, without end: on a bot
      // that hears from thousands of users, memory grew with work. The bot needs none of them (an interaction
      // carries its user, member and message); guilds and channels stay cached, and the bot's own user and member.
      makeCache: Options.cacheWithLimits({
        ...Options.DefaultMakeCacheSettings,
        MessageManager: 0,
        UserManager: { maxSize: 0, keepOverLimit: (user) => user.id === user.client.user.id },
        GuildMemberManager: { maxSize: 0, keepOverLimit: (member) => member.id === member.client.user.id },
      }),
    });
    this.context = {
      config,
      composer: options.composer,
      admit: options.admit ?? (() => ({ admitted: true, release: () => undefined })),
      cooldown: new Cooldown(config.cooldownSeconds),
      log: options.log,
      newRandomSeed: options.newRandomSeed ?? newRandomSeed,
    };
    this.commands = new Map((options.commands ?? allCommands).map((c) => [c.data.name, c]));
    this.buttons = options.buttons ?? [tuneButtons];
    this.client.on(Events.InteractionCreate, (interaction) => this.track(this.onInteraction(interaction)));
    this.client.on(Events.Error, (error) => options.log.error({ err: error }, 'discord client error'));
    this.client.on(Events.Warn, (message) => options.log.warn(message));
    this.client.on(Events.ShardDisconnect, (event, shardId) => options.log.warn({ shardId, code: event.code }, 'gateway disconnected'));
    this.client.on(Events.ShardResume, (shardId, replayed) => options.log.info({ shardId, replayed }, 'gateway resumed'));
    this.client.on(Events.ShardReconnecting, (shardId) => options.log.info({ shardId }, 'gateway reconnecting'));
    this.client.rest.on('rateLimited', (info) => options.log.warn({ route: info.route, retryAfter: info.retryAfter, global: info.global }, 'REST rate limited'));
  }

  /** Logs in and resolves once the gateway session is ready. */
  async start(): Promise<void> {
    const ready = new Promise<void>((resolve) => this.client.once(Events.ClientReady, () => resolve()));
    await this.client.login(this.options.config.discordToken);
    await ready;
    this.options.log.info({ user: this.client.user?.tag, guilds: this.client.guilds.cache.size }, 'bot ready');
  }

  /**
   * Stops taking new work (new interactions get a "restarting" answer), waits for in-flight requests to be
   * answered (up to `graceMs`), then closes the gateway connection.
   */
  async stop(graceMs = 30_000): Promise<void> {
    this.accepting = false;
    const deadline = new Promise((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([Promise.allSettled([...this.inFlight]), deadline]);
    await this.client.destroy();
    this.options.log.info({ unfinished: this.inFlight.size }, 'bot stopped');
  }

  get busy(): number {
    return this.inFlight.size;
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async onInteraction(interaction: Interaction): Promise<void> {
    if (!interaction.isRepliable()) return;
    const started = performance.now();
    const record: RequestRecord = {};
    const what = interaction.isChatInputCommand() ? `/${interaction.commandName}` : interaction.isButton() ? 'button' : `type ${interaction.type}`;
    try {
      if (!this.accepting) {
        record.outcome = 'shutting-down';
        await interaction.reply({ content: 'Sorry, I am restarting. Please try again in a minute.', flags: MessageFlags.Ephemeral });
      } else if (interaction.isChatInputCommand()) {
        const command = this.commands.get(interaction.commandName);
        if (!command) {
          record.outcome = 'unknown-command';
          await respond(interaction, `I do not know /${interaction.commandName}. Try /help.`, { ephemeral: true });
        } else {
          await command.execute(interaction, this.context, record);
        }
      } else if (interaction.isButton()) {
        record.options = { customId: interaction.customId };
        const handler = this.buttons.find((b) => b.matches(interaction.customId));
        if (!handler) {
          record.outcome = 'unknown-button';
          await respond(interaction, 'This button is no longer supported. Try /compose.', { ephemeral: true });
        } else {
          await handler.execute(interaction, this.context, record);
        }
      } else {
        record.outcome = 'ignored';
      }
    } catch (error) {
      record.outcome = 'error';
      record.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      await this.answerError(interaction, record);
    } finally {
      this.options.log.info(
        {
          interaction: interaction.id,
          user: interaction.user.id,
          guild: interaction.guildId,
          what,
          options: record.options,
          outcome: record.outcome ?? 'unanswered',
          ...(record.error ? { error: record.error } : {}),
          ...(record.delivery ? { delivery: record.delivery } : {}),
          ...(record.problems ? { problems: record.problems } : {}),
          ms: Math.round(performance.now() - started),
          timings: roundAll(record.timings),
        },
        'request',
      );
    }
  }

  private async answerError(interaction: RepliableInteraction, record: RequestRecord): Promise<void> {
    try {
      await respond(interaction, 'Sorry, something went wrong while composing. Please try again; if it keeps failing, try other settings.', { ephemeral: false });
    } catch (error) {
      // The API refused even the error message (after discord.js's own retries): nothing more can be sent.
      record.error = `${record.error}; the error message could not be sent either: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
}

function roundAll(timings: Record<string, number> | undefined): Record<string, number> | undefined {
  return timings && Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)]));
}
