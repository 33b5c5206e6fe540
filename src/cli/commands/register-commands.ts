// `folkbot register-commands [--guild ID]`: registers the bot's slash commands globally or in one guild.
import dotenv from 'dotenv';
import { parseOptions, UsageError, type CliCommand } from '../command.js';
import { ConfigError, loadBotConfig } from '../../bot/config.js';
import { registerCommands } from '../../bot/register-commands.js';

const usage = `Usage: folkbot register-commands [--guild ID | --global]

Registers folkbot's slash commands (/compose, /help, /about, /reload-model) with Discord.
  --guild ID   in one guild (shows up at once; for development). Default: DISCORD_GUILD_ID when set.
  --global     globally, in every guild the bot is in (may take up to an hour to show up), even when
               DISCORD_GUILD_ID is set.
Needs DISCORD_TOKEN and DISCORD_APPLICATION_ID (environment or .env; see .env.example).`;

export const command: CliCommand = {
  name: 'register-commands',
  summary: 'Register the slash commands with Discord (globally or in one guild)',
  usage,
  async run(argv) {
    const values = parseOptions(argv, { guild: { type: 'string' }, global: { type: 'boolean' } });
    if (values.guild !== undefined && values.global) throw new UsageError('give either --guild ID or --global, not both');
    if (values.guild !== undefined && !/^\d{17,20}$/.test(values.guild)) throw new UsageError(`--guild must be a Discord id of 17 to 20 digits (got "${values.guild}")`);
    dotenv.config({ quiet: true });
    let config;
    try {
      config = loadBotConfig();
    } catch (error) {
      if (error instanceof ConfigError) throw new UsageError(error.message);
      throw error;
    }
    const guildId = values.global ? undefined : (values.guild ?? config.guildId);
    // /compose offers only the meters of the model the bot will serve (FOLKBOT_MODEL_DIR), and its styles.
    const { modelChoices } = await import('../../compose/composer.js');
    // Without a readable model every meter is offered and no style; the bot still refuses, naming the meter, what its
    // model lacks, and composes in its model's default style.
    const choices = await modelChoices(config.modelDir).catch((error: unknown) => {
      process.stderr.write(`folkbot register-commands: offering every meter and no style: cannot read the model in ${config.modelDir} (${(error as Error).message})\n`);
      return undefined;
    });
    const styles = choices?.styles ?? [];
    const names = await registerCommands({ token: config.discordToken, applicationId: config.applicationId, guildId, apiUrl: config.apiUrl, meters: choices?.meters, styles });
    if (styles.length > 0) process.stdout.write(`/compose offers the styles of ${config.modelDir}: ${styles.map((style) => style.name).join(', ')}\n`);
    process.stdout.write(`Registered ${names.map((n) => `/${n}`).join(', ')} ${guildId ? `in guild ${guildId}` : 'globally'}.\n`);
    return 0;
  },
};
