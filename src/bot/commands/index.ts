// Every slash command of the bot, listed explicitly (registration and dispatch both read this list).
import type { Command } from '../command.js';
import { command as about } from './about.js';
import { command as compose } from './compose.js';
import { command as help } from './help.js';
import { command as reloadModel } from './reload-model.js';

export const commands: readonly Command[] = [compose, help, about, reloadModel];

export function commandsJson(): ReturnType<Command['data']['toJSON']>[] {
  return commands.map((c) => c.data.toJSON());
}
