// The /compose options offer and accept only the meters of the loaded model, in the choices, /help and errors.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ComposeOptionError, meterChoices, METER_CHOICES, toComposeOptions } from '../../src/bot/compose-options.js';
import { helpText } from '../../src/bot/commands/help.js';
import { commandsJson } from '../../src/bot/commands/index.js';

const withoutSixEight = ['2/4', '3/4', '4/4', '3/8', '9/8'];

describe('/compose meter choices', () => {
  it('narrows the choices to the model meters', () => {
    assert.deepEqual(meterChoices(), [...METER_CHOICES]);
    assert.deepEqual(meterChoices(withoutSixEight), ['2/4', '3/4', '4/4']);
  });

  it('refuses a meter the model does not know, blaming the meter and listing what it knows', () => {
    assert.throws(
      () => toComposeOptions({ meter: '6/8' }, () => 1, withoutSixEight),
      (error: unknown) =>
        error instanceof ComposeOptionError &&
        error.option === 'meter' &&
        error.message === 'meter "6/8" is not one the loaded model knows; choose one of 2/4, 3/4, 4/4',
    );
    assert.deepEqual(toComposeOptions({ meter: '3/4' }, () => 1, withoutSixEight).meter, { numerator: 3, denominator: 4 });
    assert.deepEqual(toComposeOptions({ meter: '6/8' }, () => 1).meter, { numerator: 6, denominator: 8 });
  });

  it('lists only the model meters in /help and in the registered choices', () => {
    assert.match(helpText(withoutSixEight), /`meter`: 2\/4, 3\/4, 4\/4 \(default 4\/4\)/);
    assert.match(helpText(), /`meter`: 2\/4, 3\/4, 4\/4, 6\/8 /);
    const compose = commandsJson(withoutSixEight).find((c) => c.name === 'compose')!;
    const meter = compose.options?.find((o) => o.name === 'meter') as { choices?: { value: string }[] } | undefined;
    assert.deepEqual(meter?.choices?.map((c) => c.value), ['2/4', '3/4', '4/4']);
    const all = commandsJson().find((c) => c.name === 'compose')!.options?.find((o) => o.name === 'meter') as { choices?: unknown[] };
    assert.equal(all.choices?.length, METER_CHOICES.length);
  });
});
