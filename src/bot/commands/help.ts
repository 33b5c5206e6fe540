// /help: the seed syntax with examples and every /compose option.
import { MessageFlags, SlashCommandBuilder } from 'discord.js';
import type { Command } from '../command.js';
import { SEED_MAX_EVENTS } from '../../music/seed.js';
import { BARS, CONTINUE_BARS, DEFAULT_ACCOMPANIMENT, KEY_CHOICES, meterChoices, RANDOM_SEED_MAX, TEMPERATURE, TEMPO } from '../compose-options.js';
import type { ModelStyle } from '../compose-service.js';
import { MESSAGE_CONTENT_LIMIT } from '../tune-message.js';

export const data = new SlashCommandBuilder().setName('help').setDescription('How to use folkbot: seed syntax and /compose options');

/**
 * The help text, within one message's characters; `modelMeters` (the loaded model's meters) narrows the meter
 * choices shown, `styles` (a model with styles) adds the style option.
 */
export function helpText(modelMeters?: readonly string[], styles: readonly Pick<ModelStyle, 'name'>[] = []): string {
  const text = [
    '## folkbot',
    'I compose folk melodies with a neural network trained on the Essen Folksong Collection.',
    '',
    '### /compose seed',
    'A seed is the opening of your tune, in kern-like notation: each note is a **duration** then a **pitch**, separated by spaces.',
    '- Durations: `1` whole, `2` half, `4` quarter, `8` eighth, `16` sixteenth, `32`; a dot lengthens by half (`4.` dotted quarter, two dots allowed); `3 6 12 24` are triplets (`12` an eighth-note triplet).',
    '- Pitches: `c d e f g a b` is the octave from middle C up; `cc` an octave higher, `C` an octave lower (`CC` two).',
    '- Sharps `#`, flats `-`: `f#`, `b-`. A rest is `r`: `4r`. Barlines `|` may stand between notes; one before a whole bar makes the notes before it a pickup (upbeat).',
    `- At most ${SEED_MAX_EVENTS} notes and rests.`,
    'Examples:',
    '- `4c 8d 8e 4f 4g`: a rising start in C',
    '- `4c 8.d 16e- 2r | 4cc#`: dotted rhythm, a flat, a rest and a barline',
    '- `8g | 4c 4e 4g 4e`: a pickup, then the first bar',
    '',
    '### /compose options (all optional)',
    `- \`bars\`: length in bars, seed included (${BARS.min}-${BARS.max}, default ${BARS.default})`,
    ...(styles.length > 0
      ? [`- \`style\`: the manner to compose in (default ${styles[0]!.name}; \`/about\` lists the styles)`]
      : []),
    `- \`meter\`: ${meterChoices(modelMeters).join(', ')} (${styles.length > 0 ? "default: the style's usual meter" : 'default 4/4'})`,
    `- \`key\`: tonic, ${KEY_CHOICES.map((k) => k.name).join(', ')} (default: the seed's key, else C major / A minor)`,
    '- `mode`: major or minor',
    `- \`temperature\`: ${TEMPERATURE.min}-${TEMPERATURE.max}; low is safe and repetitive, high adventurous (default ${TEMPERATURE.default})`,
    `- \`tempo\`: ${TEMPO.min}-${TEMPO.max} quarter notes per minute for the audio (default ${TEMPO.default})`,
    `- \`random_seed\`: 0-${RANDOM_SEED_MAX}; the same settings and random seed give the same tune`,
    `- \`accompaniment\`: none (the melody alone), chords (chord symbols over the score) or full (the symbols, and bass and chords in the audio and MIDI); default ${DEFAULT_ACCOMPANIMENT}`,
    '',
    '### Buttons under a tune',
    '- **Another take**: same settings, new random seed.',
    `- **Continue**: the same tune, note for note, with ${CONTINUE_BARS} more bars.`,
    '- **Variation**: the same opening (first half), a new ending.',
    '',
    '`/about` tells you about the model and the data.',
  ].join('\n');
  // Past Discord's limit the reply would be refused: a longer text is a mistake here, which the tests catch.
  return text.length <= MESSAGE_CONTENT_LIMIT ? text : `${text.slice(0, MESSAGE_CONTENT_LIMIT - 1)}…`;
}

export const execute: Command['execute'] = async (interaction, context, record) => {
  await interaction.reply({ content: helpText(context.composer.modelInfo().meters, context.composer.modelInfo().styles), flags: MessageFlags.Ephemeral });
  record.outcome = 'answered';
};

export const command: Command = { data, execute };
