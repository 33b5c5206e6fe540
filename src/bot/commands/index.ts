// Every slash command of the bot, listed explicitly (registration and dispatch both read this list).
import type { Command } from '../command.js';
import { command as about } from './about.js';
import { command as compose } from './compose.js';
import { command as help } from './help.js';
import { command as reloadModel } from './reload-model.js';

export const commands: readonly Command[] = [compose, help, about, reloadModel];

/**
 * The commands as Discord registers them; `modelMeters` (the meters of the model the bot will serve) narrows
 * /compose's meter choices, so that none is offered that the model cannot compose in.
 */
export function commandsJson(modelMeters?: readonly string[]): ReturnType<Command['data']['toJSON']>[] {
  return commands.map((c) => {
    const json = c.data.toJSON();
    if (c.data.name !== 'compose' || modelMeters === undefined) return json;
    const options = json.options?.map((option) =>
      option.name === 'meter' && 'choices' in option && option.choices
        ? { ...option, choices: option.choices.filter((choice) => modelMeters.includes(String(choice.value))) }
        : option,
    );
    return { ...json, ...(options ? { options } : {}) } as typeof json;
  });
}
