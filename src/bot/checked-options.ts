// The options of a slash command, read with their types checked. Discord only sends the types a command declares,
// but a modified client can send anything (a number where text is declared, text for an integer), and
// discord.js's getters then either throw a TypeError of their own or hand the wrong type on. These getters check
// the declared type and the value's own type, and throw a ComposeOptionError that names the option instead.
import { ApplicationCommandOptionType, type Attachment, type ChatInputCommandInteraction, type CommandInteractionOption } from 'discord.js';
import { ComposeOptionError } from './compose-options.js';

export interface CheckedOptions {
  getString(name: string): string | null;
  getInteger(name: string): number | null;
  getNumber(name: string): number | null;
  getBoolean(name: string): boolean | null;
  getAttachment(name: string): Attachment | null;
}

const KINDS: Partial<Record<ApplicationCommandOptionType, { readonly words: string; readonly accepts: (value: unknown) => boolean }>> = {
  [ApplicationCommandOptionType.String]: { words: 'text', accepts: (v) => typeof v === 'string' },
  [ApplicationCommandOptionType.Integer]: { words: 'a whole number', accepts: (v) => typeof v === 'number' && Number.isSafeInteger(v) },
  [ApplicationCommandOptionType.Number]: { words: 'a number', accepts: (v) => typeof v === 'number' && Number.isFinite(v) },
  [ApplicationCommandOptionType.Boolean]: { words: 'true or false', accepts: (v) => typeof v === 'boolean' },
  [ApplicationCommandOptionType.Attachment]: { words: 'an attached file', accepts: (v) => typeof v === 'string' },
};

function what(value: unknown): string {
  if (typeof value === 'string') return 'text';
  if (typeof value === 'number') return `the number ${value}`;
  if (value === null || value === undefined) return 'nothing';
  return typeof value === 'object' ? 'a list or object' : typeof value;
}

/** Checked getters over `options` (the interaction's top-level options, `interaction.options.data`). */
export function checkOptions(options: readonly CommandInteractionOption[], attachment: (name: string) => Attachment | null = () => null): CheckedOptions {
  const read = (name: string, type: ApplicationCommandOptionType): unknown => {
    const option = options.find((o) => o.name === name);
    if (option === undefined) return null;
    const kind = KINDS[type];
    if (kind === undefined) throw new RangeError(`no check for option type ${type}`);
    // An attachment option carries the attachment's id as its value.
    const value = option.value ?? (option.attachment ? option.attachment.id : undefined);
    if (option.type !== type || !kind.accepts(value)) {
      throw new ComposeOptionError(name, `the option ${name} must be ${kind.words} (got ${what(value)})`);
    }
    return value;
  };
  return {
    getString: (name) => read(name, ApplicationCommandOptionType.String) as string | null,
    getInteger: (name) => read(name, ApplicationCommandOptionType.Integer) as number | null,
    getNumber: (name) => read(name, ApplicationCommandOptionType.Number) as number | null,
    getBoolean: (name) => read(name, ApplicationCommandOptionType.Boolean) as boolean | null,
    getAttachment: (name) => (read(name, ApplicationCommandOptionType.Attachment) === null ? null : attachment(name)),
  };
}

/** checkOptions for a slash command interaction. */
export function checkedOptions(interaction: ChatInputCommandInteraction): CheckedOptions {
  return checkOptions(interaction.options.data, (name) => interaction.options.getAttachment(name));
}
