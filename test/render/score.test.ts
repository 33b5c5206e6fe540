import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode } from 'fast-png';
import { kernForVerovio, ScoreRenderer, prepareScoreRenderer, renderScore, withLineBreaks } from '../../src/render/score.js';
import { RenderError } from '../../src/render/render-error.js';
import { harmonize } from '../../src/music/harmony.js';
import { transpose } from '../../src/music/key.js';
import { writeKern } from '../../src/music/kern-write.js';
import { AMAZING_GRACE } from '../fixtures/amazing-grace.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');

/** RGB(A) of the pixel at (x, y) of a decoded 8-bit PNG. */
function pixel(png: ReturnType<typeof decode>, x: number, y: number): number[] {
  const at = (y * png.width + x) * png.channels;
  return Array.from(png.data.slice(at, at + png.channels));
}

function isWhite(rgba: number[]): boolean {
  return rgba.slice(0, 3).every((v) => v === 255) && (rgba[3] ?? 255) === 255;
}

describe('renderScore', () => {
  let renderer: ScoreRenderer;
  let kern: string;

  before(async () => {
    kern = await readFile(path.join(fixtures, 'amazing-grace.krn'), 'utf8');
    renderer = await ScoreRenderer.create();
  });
  after(async () => {
    await renderer.dispose();
  });

  it('engraves the tune as a chat-sized PNG on white with every notehead', async () => {
    const image = await renderer.render(kern);
    const png = decode(image.png);
    assert.equal(png.depth, 8);
    assert.equal(png.channels, 1, 'a grayscale PNG');
    assert.equal(png.width, image.width);
    assert.equal(png.height, image.height);
    assert.ok(png.width >= 1000 && png.width <= 1400, `PNG width ${png.width} should be 1000..1400`);
    // Three systems of 3/4 (about 6 bars each) under a title: wider than tall.
    assert.ok(png.height > 300 && png.height < png.width, `PNG height ${png.height}`);
    for (const [x, y] of [[0, 0], [png.width - 1, 0], [0, png.height - 1], [png.width - 1, png.height - 1], [5, png.height >> 1]] as const) {
      assert.ok(isWhite(pixel(png, x, y)), `pixel (${x}, ${y}) should be white margin, got ${pixel(png, x, y).join(',')}`);
    }
    // The glyphs really were drawn: some but not too much of the picture is ink.
    let ink = 0;
    for (let y = 0; y < png.height; y++) for (let x = 0; x < png.width; x++) if ((pixel(png, x, y)[0] ?? 255) < 128) ink++;
    const share = ink / (png.width * png.height);
    assert.ok(share > 0.01 && share < 0.2, `ink share ${share.toFixed(4)} should be 1%..20%`);

    // 35 noteheads: 33 notes, two of them tied across a barline; one rest.
    assert.equal(image.svg.match(/class="note"/g)?.length, 35);
    assert.equal(image.svg.match(/class="rest"/g)?.length, 1);
    assert.equal(image.svg.match(/class="tie"/g)?.length, 2);
    assert.match(image.svg, /Amazing Grace/);
    assert.match(image.svg, /class="meterSig"/);
    assert.match(image.svg, /class="keySig"/);
    // Bar numbers stand at the start of the second and later systems.
    assert.ok((image.svg.match(/class="mNum/g)?.length ?? 0) >= 1, 'bar numbers shown');
    // Pickup + 16 bars, all on one page.
    assert.equal(image.svg.match(/class="measure"/g)?.length, 17);
  });

  it('shows a title with markup characters as typed, and shortens a title wider than the page', async () => {
    const titled = (title: string): string => kern.replace(/^!!!OTL:.*$/m, `!!!OTL: ${title}`);
    const markup = await renderer.render(titled('A <b> song & more'));
    assert.match(markup.svg, />A &lt;b&gt; song &amp; more</);
    const long = 'The Ballad of the Wandering Shepherd Who Walked from Aberdeen to Zagreb Without Once Stopping to Rest';
    const shortened = await renderer.render(titled(long));
    assert.match(shortened.svg, />The Ballad of the Wandering Shepherd Who Walked from…</);
    assert.equal(kernForVerovio('!!!OTL: a <b>\n**kern\n4c\n*-'), '!!!OTL: a &amp;lt;b&amp;gt;\n**kern\n4c\n*-');
  });

  it('sets the sharps of chord symbols as text, without embedding verovio\'s music font', async () => {
    // Amazing Grace a semitone down, in F# major: its chord symbols are F# and B.
    const melody = transpose(AMAZING_GRACE, -1);
    const image = await renderer.render(writeKern(melody, { chords: harmonize(melody).changes }));
    assert.match(image.svg, /class="harm"/);
    assert.match(image.svg, />F\u266F</);
    // Verovio would otherwise add its music font as a 60 KB base64 web font, which resvg does not use.
    assert.doesNotMatch(image.svg, /@font-face/);
    assert.ok(image.svg.length < 50_000, `SVG of ${image.svg.length} characters`);
    const png = decode(image.png);
    assert.equal(png.width, 1200);
    assert.equal(png.height, image.height);
  });

  it('draws the music glyphs filled only, staff lines and stems stroked', async () => {
    const { svg } = await renderer.render(kern);
    const defs = /<defs>([\s\S]*?)<\/defs>/.exec(svg)?.[1] ?? '';
    const glyphs = defs.match(/<path [^>]*>/g) ?? [];
    assert.ok(glyphs.length >= 5, `${glyphs.length} glyph outlines`);
    for (const glyph of glyphs) assert.match(glyph, /style="stroke:none"/);
    // Verovio's stylesheet still strokes the lines it draws as paths.
    const body = svg.slice(svg.indexOf('</defs>'));
    assert.ok(/ path, [^{]*\{stroke:currentColor\}/.test(body), 'the stylesheet strokes paths');
    assert.ok(!body.includes('stroke:none'), 'no path outside <defs> loses its stroke');
  });

  it('draws the straight lines as one path per stroke width, staff lines still across the page', async () => {
    const image = await renderer.render(kern);
    assert.equal(image.svg.match(/<path d="M-?\d+ -?\d+ L-?\d+ -?\d+" stroke-width/g), null, 'no single-segment line left');
    const merged = image.svg.match(/<path fill="none" d="[^"]*" stroke-width="\d+"\/>/g) ?? [];
    // Staff lines, stems, barlines (thin and the final thick one): one path each.
    assert.ok(merged.length >= 4, `${merged.length} merged line paths`);
    assert.equal(new Set(merged.map((path) => /stroke-width="(\d+)"/.exec(path)?.[1])).size, merged.length);
    // Four systems of five staff lines: rows dark across most of the picture (the first system is indented by
    // its pickup, the last one is shorter).
    const png = decode(image.png);
    let staffRows = 0;
    for (let y = 0; y < png.height; y++) {
      let dark = 0;
      for (let x = 0; x < png.width; x++) if ((png.data[y * png.width + x] ?? 255) < 160) dark++;
      if (dark > png.width * 0.5) staffRows++;
    }
    assert.ok(staffRows >= 15 && staffRows <= 40, `${staffRows} rows dark across the picture`);
  });

  it('scales the picture to the requested width', async () => {
    const image = await renderer.render(kern, { width: 1000 });
    assert.equal(decode(image.png).width, 1000);
    assert.equal(image.width, 1000);
  });

  it('rejects a width outside 400..4000 with an option error', async () => {
    await assert.rejects(renderer.render(kern, { width: 50 }), (error: unknown) => {
      assert.ok(error instanceof RenderError);
      assert.equal(error.kind, 'option');
      assert.match(error.message, /400 to 4000, got 50/);
      return true;
    });
  });

  it("reports malformed kern with verovio's message, and keeps working", async () => {
    const broken = '**kern\t**kern\n*M3/4\t*M3/4\n4c\n*-\t*-\n';
    await assert.rejects(renderer.render(broken), (error: unknown) => {
      assert.ok(error instanceof RenderError);
      assert.equal(error.kind, 'kern');
      assert.match(error.message, /line 3/);
      assert.match(error.message, /Expected 2 fields/);
      assert.ok(error.engineMessages.length > 0);
      return true;
    });
    const image = await renderer.render(kern);
    assert.match(image.svg, /Amazing Grace/);
  });

  it('rejects text without a **kern spine, an empty text, and kern without notes', async () => {
    for (const [text, message] of [
      ['', /empty/],
      ['4c 4d 4e', /no \*\*kern spine/],
      ['**kern\n*M3/4\n*-\n', /no notes/],
    ] as const) {
      await assert.rejects(renderer.render(text), (error: unknown) => {
        assert.ok(error instanceof RenderError);
        assert.equal(error.kind, 'kern');
        assert.match(error.message, message);
        return true;
      });
    }
  });

  it('a disposed renderer rejects with an engine error', async () => {
    const spare = await ScoreRenderer.create();
    await spare.dispose();
    assert.equal(spare.broken, true);
    await assert.rejects(spare.render(kern), (error: unknown) => error instanceof RenderError && error.kind === 'engine');
  });

  it('renderScore shares one renderer across calls, started ahead by prepareScoreRenderer', async () => {
    await prepareScoreRenderer();
    const first = await renderScore(kern);
    const second = await renderScore(kern, { width: 1200 });
    assert.equal(first.width, 1200);
    assert.deepEqual(first.png, second.png);
  });
});

describe('a shared engraver', () => {
  it('serves another thread through a port, and the port fails cleanly when the owner stops', async () => {
    const kern = await readFile(path.join(fixtures, 'amazing-grace.krn'), 'utf8');
    const owner = await ScoreRenderer.create();
    const guest = ScoreRenderer.overPort(owner.connect(), owner.info);
    const [own, borrowed] = await Promise.all([owner.render(kern), guest.render(kern)]);
    assert.deepEqual(borrowed.png, own.png);
    const broken = new Promise<RenderError>((resolve) => guest.onBroken(resolve));
    await owner.dispose();
    assert.equal((await broken).kind, 'engine');
    await assert.rejects(guest.render(kern), (error: unknown) => error instanceof RenderError && error.kind === 'engine');
    assert.throws(() => guest.connect(), /only the thread that started/);
  });
});

/** A one-spine **kern text with the given notes and rests per bar (quarter notes), bars numbered from 1. */
function tune(meter: string, notesPerBar: readonly number[]): string {
  const lines = ['**kern', `*M${meter}`];
  notesPerBar.forEach((notes, index) => lines.push(`=${index + 1}`, ...Array.from({ length: notes }, () => '4c')));
  return [...lines, '==', '*-', ''].join('\n');
}

/** The bar numbers that start a new system in withLineBreaks' output. */
function systemStarts(kern: string): number[] {
  const lines = withLineBreaks(kern).split('\n');
  return lines.flatMap((line, i) => (line === '!!linebreak:original' ? [Number(/^=(\d+)/.exec(lines[i + 1] ?? '')?.[1])] : []));
}

describe('withLineBreaks', () => {
  it('puts four bars of 4/4 on a system, six of 2/4, three of 3/2', () => {
    assert.deepEqual(systemStarts(tune('4/4', Array(16).fill(4))), [5, 9, 13]);
    assert.deepEqual(systemStarts(tune('2/4', Array(16).fill(2))), [7, 13]);
    assert.deepEqual(systemStarts(tune('3/2', Array(9).fill(6))), [4, 7]);
  });

  it('never leaves the last bar alone on a system', () => {
    assert.deepEqual(systemStarts(tune('4/4', Array(17).fill(4))), [5, 9, 13]);
    assert.deepEqual(systemStarts(tune('4/4', Array(4).fill(4))), []);
  });

  it('gives dense music fewer bars per system', () => {
    // Sixteenth-note runs: 16 notes a bar, so at most one bar fits in 24 notes.
    assert.deepEqual(systemStarts(tune('4/4', [16, 16, 16, 16])), [2, 3]);
    assert.deepEqual(systemStarts(tune('4/4', [8, 8, 8, 8, 8, 8])), [4]);
  });

  it('keeps line breaks the text already has', () => {
    const encoded = tune('4/4', Array(8).fill(4)).replace('=3', '!!linebreak:original\n=3');
    assert.equal(withLineBreaks(encoded), encoded);
  });

  it('engraves a 16-bar tune in four systems', async () => {
    const image = await renderScore(tune('4/4', Array(16).fill(4)));
    assert.equal(image.svg.match(/class="system"/g)?.length, 4);
  });
});
