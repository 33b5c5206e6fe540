// Registers the slash commands with Discord over REST: globally (reaches every server, may take a while to
// show up) or in one guild (immediate, for development).
import { REST, Routes } from 'discord.js';
import { commandsJson } from './commands/index.js';
import type { ModelStyle } from './compose-service.js';

export interface RegisterTarget {
  readonly token: string;
  readonly applicationId: string;
  /** Register in this guild only; undefined: globally. */
  readonly guildId?: string | undefined;
  readonly apiUrl: string;
  /** Meters of the model the bot serves: /compose offers only these (default: every choice). */
  readonly meters?: readonly string[];
  /** Styles of that model: /compose gets a style option with these choices (none: no style option). */
  readonly styles?: readonly Pick<ModelStyle, 'name' | 'description'>[];
}

/** Replaces the application's command set (PUT is idempotent); resolves to the names Discord now has. */
export async function registerCommands(target: RegisterTarget): Promise<string[]> {
  const rest = new REST({ api: target.apiUrl }).setToken(target.token);
  const route = target.guildId ? Routes.applicationGuildCommands(target.applicationId, target.guildId) : Routes.applicationCommands(target.applicationId);
  const registered = (await rest.put(route, { body: commandsJson(target.meters, target.styles) })) as { name: string }[];
  return registered.map((c) => c.name);
}
