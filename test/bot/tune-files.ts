// Decodes the files of a tune message the way a user's client would, failing loudly when one is not valid.
import assert from 'node:assert/strict';
import toneMidi from '@tonejs/midi';
import { decode as decodePng } from 'fast-png';
import type { FakeMessage } from '../fake-discord/fake-discord.js';

const { Midi } = toneMidi;

export function assertTuneMessage(message: FakeMessage): { notes: number; width: number } {
  const names = message.files.map((f) => f.filename).sort();
  const audioName = names.includes('tune.ogg') ? 'tune.ogg' : 'tune.mp3';
  // The ABC stands in the message as a code block when it fits, else it comes as a file.
  const abcInline = /^```abc\nX:1\n[^]*\|\]\n```$/m.test(message.content ?? '');
  assert.deepEqual(names, ['tune.krn', 'tune.mid', 'tune.musicxml', audioName, 'tune.png', ...(abcInline ? [] : ['tune.abc'])].sort());
  const file = (name: string): Uint8Array => message.files.find((f) => f.filename === name)!.data;
  const midi = new Midi(file('tune.mid'));
  const notes = midi.tracks.reduce((n, t) => n + t.notes.length, 0);
  assert.ok(notes > 0, 'the MIDI file has notes');
  const png = decodePng(file('tune.png'));
  assert.ok(png.width > 0 && png.height > 0, 'the PNG decodes');
  const audio = file(audioName);
  if (audioName === 'tune.mp3') {
    assert.ok(audio[0] === 0xff && (audio[1]! & 0xe0) === 0xe0, 'the MP3 starts with an MPEG frame sync');
  } else {
    const head = Buffer.from(audio.subarray(0, 64)).toString('latin1');
    assert.ok(head.startsWith('OggS') && head.includes('OpusHead'), 'the .ogg file starts with an Ogg page holding OpusHead');
  }
  // A harmony spine (chord symbols) may stand beside the melody: the real pipeline writes one by default.
  assert.match(Buffer.from(file('tune.krn')).toString('utf8'), /^\*\*kern(\t\*\*mxhm)?$/m);
  assert.match(Buffer.from(file('tune.musicxml')).toString('utf8'), /<score-partwise version="4\.0">/);
  if (!abcInline) assert.match(Buffer.from(file('tune.abc')).toString('utf8'), /^X:1$/m);
  const embed = message.embeds[0] as { image?: { url?: string } } | undefined;
  assert.equal(embed?.image?.url, 'attachment://tune.png');
  return { notes, width: png.width };
}
