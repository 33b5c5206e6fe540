// The /compose options offer and accept only the meters and styles of the loaded model, in the choices, /help and
// errors.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ComposeOptionError, meterChoices, METER_CHOICES, styleChoices, toComposeOptions } from '../../src/bot/compose-options.js';
import { MESSAGE_CONTENT_LIMIT } from '../../src/bot/tune-message.js';
import { STYLES } from '../../src/model/data/styles.js';
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

describe('/compose style', () => {
  const styles = [
    { name: 'children', description: "German children's songs (Kinderlieder)" },
    { name: 'chinese-han', description: 'Han Chinese folk songs, largely pentatonic' },
  ];
  const names = styles.map((style) => style.name);

  it("accepts the loaded model's styles and leaves the meter to the style when none is asked", () => {
    const asked = toComposeOptions({ style: 'chinese-han' }, () => 1, undefined, names);
    assert.equal(asked.style, 'chinese-han');
    assert.equal('meter' in asked, false);
    assert.deepEqual(toComposeOptions({ style: 'chinese-han', meter: '3/4' }, () => 1, undefined, names).meter, { numerator: 3, denominator: 4 });
    // No style asked: the model's first, left to the composer; a model without styles keeps 4/4 as today.
    assert.equal('style' in toComposeOptions({}, () => 1, undefined, names), false);
    assert.deepEqual(toComposeOptions({}, () => 1).meter, { numerator: 4, denominator: 4 });
  });

  it("refuses a style the loaded model does not have, naming its styles, and any style for a model without", () => {
    assert.throws(
      () => toComposeOptions({ style: 'klezmer' }, () => 1, undefined, names),
      (error: unknown) => error instanceof ComposeOptionError && error.option === 'style' && error.message === 'style "klezmer" is not offered; choose one of children, chinese-han',
    );
    assert.throws(() => toComposeOptions({ style: 'german' }, () => 1), /style "german" is not offered: the loaded model has no styles/);
  });

  it('registers a style option after the seed, a choice per style within Discord limits, and none without styles', () => {
    const compose = commandsJson(undefined, styles).find((c) => c.name === 'compose')!;
    assert.deepEqual(compose.options?.slice(0, 2).map((o) => o.name), ['seed', 'style']);
    const style = compose.options?.find((o) => o.name === 'style') as { type: number; description: string; choices: { name: string; value: string }[] };
    assert.equal(style.type, 3);
    assert.match(style.description, /default children/);
    assert.deepEqual(style.choices.map(({ name, value }) => ({ name, value })), [
      { name: "children: German children's songs (Kinderlieder)", value: 'children' },
      { name: 'chinese-han: Han Chinese folk songs, largely pentatonic', value: 'chinese-han' },
    ]);
    const meter = compose.options?.find((o) => o.name === 'meter') as { description: string };
    assert.equal(meter.description, "Time signature (default: the style's usual meter)");
    assert.equal(commandsJson(withoutSixEight).find((c) => c.name === 'compose')!.options?.some((o) => o.name === 'style'), false);
    assert.equal(commandsJson().find((c) => c.name === 'compose')!.options?.some((o) => o.name === 'style'), false);
    // Many styles with long descriptions: 25 choices at most, each name at most 100 characters.
    const many = Array.from({ length: 30 }, (_, k) => ({ name: `style-${k}`, description: 'a tradition with a long description '.repeat(4) }));
    const choices = styleChoices(many);
    assert.equal(choices.length, 25);
    assert.ok(choices.every((choice) => choice.name.length <= 100 && choice.name.endsWith('…')));
    assert.doesNotThrow(() => commandsJson(undefined, many));
  });

  it('mentions the style in /help, within one message, for a model with all the styles', () => {
    const text = helpText(['2/4', '3/4', '4/4', '6/8'], STYLES);
    assert.match(text, /`style`: the manner to compose in \(default german; `\/about` lists the styles\)/);
    assert.match(text, /`meter`: 2\/4, 3\/4, 4\/4, 6\/8 \(default: the style's usual meter\)/);
    assert.ok(text.length <= MESSAGE_CONTENT_LIMIT && text.endsWith('the data.'), `${text.length} characters`);
    assert.ok(helpText().length <= MESSAGE_CONTENT_LIMIT);
    assert.doesNotMatch(helpText(), /`style`/);
  });
});
