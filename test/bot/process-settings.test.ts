import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BOT_ENVIRONMENT, BOT_NODE_OPTIONS, missingProcessSettings } from '../../src/bot/process-settings.js';

test('npm run bot starts node with every start-up setting of src/bot/process-settings.ts', () => {
  const script = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }).scripts.bot!;
  for (const [name, value] of Object.entries(BOT_ENVIRONMENT)) assert.match(script, new RegExp(`^(\\S+=\\S+ )*${name}=\\$\\{${name}:-${value}\\} `), script);
  for (const option of BOT_NODE_OPTIONS) assert.ok(script.includes(` node ${option} `) || script.includes(` ${option} `), script);
  assert.match(script, /node (--\S+ )*bin\/folkbot\.js bot$/);
});

test('missingProcessSettings names what the process lacks, and nothing when it has it all', () => {
  const all = { ...BOT_ENVIRONMENT };
  assert.deepEqual(missingProcessSettings([...BOT_NODE_OPTIONS], all), []);
  // V8's flags may be spelled with underscores, and come through NODE_OPTIONS.
  assert.deepEqual(missingProcessSettings(['--max_semi_space_size=2'], all), []);
  assert.deepEqual(missingProcessSettings([], { ...all, NODE_OPTIONS: '--enable-source-maps --max-semi-space-size=2' }), []);
  const bare = missingProcessSettings([], {});
  assert.ok(bare.includes('node was started without --max-semi-space-size=2'), bare.join('; '));
  if (process.platform === 'linux') assert.ok(bare.includes('MALLOC_ARENA_MAX is not set'), bare.join('; '));
  // A look-alike flag is not the flag.
  assert.ok(missingProcessSettings(['--max-semi-space-size-x=2'], all).length > 0);
});
