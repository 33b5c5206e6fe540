// Titles for every format: what the user typed, escaped for each, and kept on the page.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { abcTitle, escapeXmlText, kernTitle, midiText, shortenTitle, singleLineText, textWidth } from '../../src/music/title-text.js';

describe('title text', () => {
  it('keeps a title on one line without tabs or control characters (kern)', () => {
    assert.equal(singleLineText(' A\tsong\r\nof\u0007 two  lines '), 'A song of two  lines');
    assert.equal(kernTitle('Tom\tJerry'), 'Tom Jerry');
  });

  it('escapes XML text (SVG, MusicXML) and ABC fields', () => {
    assert.equal(escapeXmlText('A <b> song & "q" \'s'), 'A &lt;b&gt; song &amp; &quot;q&quot; &apos;s');
    assert.equal(abcTitle('100% Reel \\ jig'), '100\\% Reel \\\\ jig');
  });

  it('writes MIDI text as UTF-8 bytes, one per character', () => {
    const bytes = [...midiText('a — b')].map((c) => c.charCodeAt(0));
    assert.deepEqual(bytes, [0x61, 0x20, 0xe2, 0x80, 0x94, 0x20, 0x62]);
    assert.equal(new TextDecoder().decode(Uint8Array.from(bytes)), 'a — b');
  });

  it('shortens a title wider than the page at a word, with an ellipsis', () => {
    assert.equal(shortenTitle('Short title', 56), 'Short title');
    const long = 'The Ballad of the Wandering Shepherd Who Walked from Aberdeen to Zagreb Without Once Stopping to Rest';
    const short = shortenTitle(long, 56);
    assert.equal(short, 'The Ballad of the Wandering Shepherd Who Walked from…');
    assert.ok(textWidth(short) <= 56);
    assert.ok(textWidth('W'.repeat(40)) > textWidth('i'.repeat(40)) * 2, 'wide letters count for more');
    const wide = shortenTitle('W'.repeat(80), 56);
    assert.ok(wide.endsWith('…') && textWidth(wide) <= 56, wide);
  });
});
