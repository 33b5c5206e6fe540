// The tune message on its own: the ABC inline when it fits in Discord's 2000 characters, else attached.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MESSAGE_CONTENT_LIMIT, tuneMessage } from '../../src/bot/tune-message.js';
import type { ComposeResult, OriginalityReport } from '../../src/compose/types.js';
import { resolveComposeOptions } from '../../src/compose/compose-options.js';

function result(abc: string, originality: OriginalityReport = { checked: false, passage: null, note: null }): ComposeResult {
  const options = resolveComposeOptions({ bars: 16, randomSeed: 1 });
  return {
    options,
    key: { name: 'C major', tonic: 'C', mode: 'major' },
    meter: options.meter,
    bars: 16,
    pickup: 0,
    notes: [{ pitch: 60, onset: 0, duration: 64 }],
    chords: [],
    files: { midi: new Uint8Array(4), kern: '**kern\n*-\n', abc, musicxml: '<score-partwise/>', png: new Uint8Array(4), audio: new Uint8Array(4), audioFormat: 'ogg' },
    model: { name: 'test', backend: 'js' },
    originality,
    style: null,
    timings: {},
  };
}

const names = (message: ReturnType<typeof tuneMessage>): string[] => message.files.map((f) => f.name ?? '').sort();

test('a short ABC stands in the message as a code block; the MusicXML is attached', () => {
  const abc = 'X:1\nT:Short\nM:4/4\nL:1/8\nK:Cmaj\nC8 |]\n';
  const message = tuneMessage(result(abc), { options: result(abc).options, steps: [] });
  assert.ok(message.content.endsWith('\n```abc\nX:1\nT:Short\nM:4/4\nL:1/8\nK:Cmaj\nC8 |]\n```'));
  assert.deepEqual(names(message), ['tune.krn', 'tune.mid', 'tune.musicxml', 'tune.ogg', 'tune.png']);
});

test('an ABC too long for one message, or one whose title would close the block, is attached as tune.abc', () => {
  const long = 'X:1\nT:Long\nM:4/4\nL:1/8\nK:Cmaj\n' + 'C2 D2 E2 F2 | '.repeat(200) + '|]\n';
  const ticks = 'X:1\nT:```\nK:Cmaj\nC8 |]\n';
  for (const abc of [long, ticks]) {
    const message = tuneMessage(result(abc), { options: result(abc).options, steps: [] });
    assert.doesNotMatch(message.content, /```/);
    assert.ok(message.content.length <= MESSAGE_CONTENT_LIMIT);
    assert.deepEqual(names(message), ['tune.abc', 'tune.krn', 'tune.mid', 'tune.musicxml', 'tune.ogg', 'tune.png']);
  }
});

test('a tune close to a training song says so in the reply; others say nothing of it', () => {
  const abc = 'X:1\nT:Short\nM:4/4\nL:1/8\nK:Cmaj\nC8 |]\n';
  const note = 'bars 1-4 are close to "Es steht ein Lind" (deutschl/erk/deut0123.krn): 17 notes with the same intervals and lengths';
  const passage = { notes: 17, firstBar: 1, lastBar: 4, bars: 4, song: { title: 'Es steht ein Lind', file: 'deutschl/erk/deut0123.krn' } };
  const close = tuneMessage(result(abc, { checked: true, passage, note }), { options: result(abc).options, steps: [] });
  assert.match(close.content, /Note: bars 1-4 are close to "Es steht ein Lind" \(deutschl\/erk\/deut0123\.krn\)/);
  const plain = tuneMessage(result(abc, { checked: true, passage: null, note: null }), { options: result(abc).options, steps: [] });
  assert.doesNotMatch(plain.content, /close to/);
});
