// Option parsing in folkbot's words: negative numbers reach the range checks, typos get a suggestion.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closestOption, parseOptions, UsageError } from '../../src/cli/command.js';

const options = { bars: { type: 'string' }, temperature: { type: 'string' }, json: { type: 'boolean' }, seed: { type: 'string' } } as const;

function usageError(argv: string[]): string {
  try {
    parseOptions(argv, options);
  } catch (error) {
    assert.ok(error instanceof UsageError);
    return error.message;
  }
  assert.fail(`${argv.join(' ')} was accepted`);
}

describe('parseOptions', () => {
  it('takes a negative number as the value of a string option', () => {
    assert.deepEqual({ ...parseOptions(['--temperature', '-1', '--bars', '-.5'], options) }, { temperature: '-1', bars: '-.5' });
  });

  it('suggests the option meant for a typo or a prefix', () => {
    assert.equal(usageError(['--bar', '8']), 'unknown option --bar; did you mean --bars?');
    assert.equal(usageError(['--temprature', '1']), 'unknown option --temprature; did you mean --temperature?');
    assert.match(usageError(['--colour', 'red']), /^unknown option --colour; the options are --bars, --temperature, --json, --seed/);
    assert.equal(closestOption('jsn', ['json', 'bars']), 'json');
    assert.equal(closestOption('x', ['json', 'bars']), undefined);
  });

  it('says what is wrong with a value in its own words', () => {
    assert.equal(usageError(['--bars']), '--bars needs a value after it (see --help)');
    assert.equal(usageError(['--json=yes']), '--json takes no value: give it alone');
    assert.match(usageError(['8']), /^unexpected argument "8": every value follows its option/);
    for (const argv of [['--bars'], ['--bar', '8'], ['8']]) assert.doesNotMatch(usageError(argv), /ambiguous|positional|ERR_/);
  });
});
