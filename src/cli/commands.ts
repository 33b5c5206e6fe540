// Every subcommand, loaded lazily so that `folkbot compose` does not pay for the bot's imports and vice versa.
import type { CliCommand } from './command.js';

export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  readonly load: () => Promise<CliCommand>;
}

export const commands: readonly CommandEntry[] = [
  { name: 'compose', summary: 'compose a tune from a seed: MIDI, **kern, score picture and audio preview', load: () => import('./commands/compose.js').then((m) => m.command) },
  { name: 'train', summary: 'train a melody model (LSTM) on a folder of **kern files', load: () => import('./commands/train.js').then((m) => m.command) },
  { name: 'evaluate', summary: 'bits per note and accuracy of trained models on a folder of **kern songs', load: () => import('./commands/evaluate.js').then((m) => m.command) },
  { name: 'calibrate', summary: "fit a model's within-song memory and its songs' shapes per meter, saved in the model folder", load: () => import('./commands/calibrate.js').then((m) => m.command) },
  { name: 'dataset', summary: 'statistics of a folder of **kern songs and what the training filter keeps', load: () => import('./commands/dataset.js').then((m) => m.command) },
  { name: 'bot', summary: 'run the Discord bot (--shards auto for several processes)', load: () => import('./commands/bot.js').then((m) => m.command) },
  { name: 'register-commands', summary: 'register the slash commands with Discord, globally or in one guild', load: () => import('./commands/register-commands.js').then((m) => m.command) },
];
