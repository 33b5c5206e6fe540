// Every slash command of the bot, listed explicitly (registration and dispatch both read this list).
import { SlashCommandStringOption } from 'discord.js';
import type { Command } from '../command.js';
import type { ModelStyle } from '../compose-service.js';
import { styleChoices } from '../compose-options.js';
import { command as about } from './about.js';
import { command as compose } from './compose.js';
import { command as help } from './help.js';
import { command as reloadModel } from './reload-model.js';

export const commands: readonly Command[] = [compose, help, about, reloadModel];

/** /compose's style option for a model's styles (its first is the default). */
function styleOption(styles: readonly Pick<ModelStyle, 'name' | 'description'>[]): ReturnType<SlashCommandStringOption['toJSON']> {
  return new SlashCommandStringOption()
    .setName('style')
    .setDescription(`The manner to compose in (default ${styles[0]!.name}); it gives the meter unless you choose one`)
    .addChoices(...styleChoices(styles))
    .toJSON();
}

/**
 * The commands as Discord registers them, for the model the bot will serve: `modelMeters` narrows /compose's meter
 * choices, so that none is offered that the model cannot compose in; `modelStyles` (a model with styles) adds the
 * style option with a choice per style, and the meter's default becomes the style's usual meter.
 */
export function commandsJson(modelMeters?: readonly string[], modelStyles: readonly Pick<ModelStyle, 'name' | 'description'>[] = []): ReturnType<Command['data']['toJSON']>[] {
  return commands.map((c) => {
    const json = c.data.toJSON();
    if (c.data.name !== 'compose' || (modelMeters === undefined && modelStyles.length === 0)) return json;
    const options = (json.options ?? []).flatMap((option) => {
      let shown = option;
      if (option.name === 'meter' && 'choices' in option && option.choices) {
        shown = {
          ...option,
          ...(modelStyles.length > 0 ? { description: "Time signature (default: the style's usual meter)" } : {}),
          choices: modelMeters === undefined ? option.choices : option.choices.filter((choice) => modelMeters.includes(String(choice.value))),
        } as typeof option;
      }
      if (option.name === 'accompaniment' && modelStyles.length > 0) shown = { ...shown, description: `${option.description.replace(/\)$/, '')}; none for a pentatonic style)` };
      // The style comes second, after the seed: the first choice after what to start from.
      return option.name === 'seed' && modelStyles.length > 0 ? [shown, styleOption(modelStyles)] : [shown];
    });
    return { ...json, options } as typeof json;
  });
}
