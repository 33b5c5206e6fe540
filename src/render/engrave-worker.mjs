// Worker thread that owns the verovio toolkit (Humdrum build) and engraves **kern to SVG on request.
//
// Plain JavaScript on purpose: ScoreRenderer starts this worker without tsx (execArgv: []), because tsx's
// loader rewrites verovio's 12 MB module on every process start (30-45 s on our machine) while plain Node
// imports it in about 0.6 s. Running here also keeps the ~0.1-0.2 s of engraving off the bot's event loop.
//
// It also rasterizes the SVG to PNG with resvg's WebAssembly build, whose memory is freed explicitly after each
// picture (the native @resvg/resvg-js 2.6 grows the process by ~5 MB per picture, see thx/resvg-js#216), so the
// whole score picture is made off the caller's thread.
//
// One engraver can serve several threads (the bot's compose workers share one): besides its parent, it answers
// on every MessagePort the parent hands it with { type: 'connect', port }. Requests are engraved one at a time.
//
// Protocol (see EngraveRequest/EngraveReply in score.ts):
//   workerData: { options: verovio options, resvgWasm: path of index_bg.wasm, fontFiles: [paths] }
//   -> parent: { type: 'ready', version, note } once the toolkit exists, or { type: 'failed', message }
//   <- parent: { type: 'connect', port }: answer requests arriving on that port too
//   <- parent or port: { id, kern, width }
//   -> the same: { id, ok: true, svg, pageCount, messages, png: { data, width, height } | null }
//      | { id, ok: false, thrown, messages }

import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { collectYoungGarbage } from '../util/collect-garbage.mjs';
import { encodeGrayPng } from './gray-png.mjs';

if (!parentPort) throw new Error('engrave-worker.mjs must run as a worker thread');
const port = parentPort;

/** Lines printed by verovio/humlib during the current request; null outside requests. */
let sink = null;
const originalLog = console.log;
const originalError = console.error;
// The Emscripten build binds console.log/console.error once, while it instantiates, and has no print hooks;
// humlib reports Humdrum syntax errors only by printing them. Forwarders let each request collect them.
console.log = (...args) => (sink ? sink.push(args.map(String).join(' ')) : originalLog(...args));
console.error = (...args) => (sink ? sink.push(args.map(String).join(' ')) : originalError(...args));

let module;
let toolkit;

/**
 * Verovio sets the accidentals of chord symbols (F#m) as SMuFL figured-bass glyphs in its music font, which the
 * SVG names but resvg does not have (only the serif text face is loaded): they become the text face's own
 * accidental characters, at the symbol's text size.
 */
const SMUFL_TEXT_ACCIDENTALS = { '\uEA63': '\u266D\u266D', '\uEA64': '\u266D', '\uEA65': '\u266E', '\uEA66': '\u266F', '\uEA67': '\u266F\u266F' };
function withTextAccidentals(svg) {
  // Flats are written as "b" ("Bb", "Ebm"): the flat sign reads better, in chord symbols (class "harm") only.
  const flats = svg.replace(/<g id="[^"]*" class="harm">.*?<\/g>/gs, (group) => group.replace(/(<tspan font-size="\d+px">[A-G])b/g, '$1\u266D'));
  // Appended to the text span before it (the root letter), whose size it takes: "F" + sharp -> "F\u266F".
  return flats.replace(
    /(<tspan font-size="\d+px">[^<]*)<\/tspan><tspan font-family="Leipzig" font-size="\d+px">([\uEA63-\uEA67])<\/tspan>/g,
    (_, before, glyph) => `${before}${SMUFL_TEXT_ACCIDENTALS[glyph]}</tspan>`,
  );
}

/**
 * Verovio's stylesheet strokes every path with the text colour ("path {stroke:currentColor}"), the music glyphs in
 * <defs> too, which it fills: their stroke is 1 font unit wide, 0.05 px at 1200 px, and it cost resvg about a
 * third of its drawing time (stroking the glyphs' curves). An inline style, which outranks the stylesheet, turns
 * it off for the glyphs only; staff lines, stems and barlines keep theirs. Measured: drawing 26.5 -> 17.9 ms on a
 * 16-bar score, 0.6% of the pixels change, none by more than 16 of 255 gray levels (the glyphs' edges).
 */
function withUnstrokedGlyphs(svg) {
  const start = svg.indexOf('<defs>');
  const end = svg.indexOf('</defs>', start);
  if (start === -1 || end === -1) return svg;
  return svg.slice(0, start) + svg.slice(start, end).replaceAll('<path ', '<path style="stroke:none" ') + svg.slice(end);
}

/** A straight line as verovio draws staff lines, ledger lines, stems and barlines: one path per segment. */
const LINE_PATH = /<path d="(M-?\d+ -?\d+ L-?\d+ -?\d+)" stroke-width="(\d+)"\/>/g;

/**
 * The straight lines of verovio's SVG drawn as one path per stroke width instead of one per segment (a 16-bar
 * score has 300-500: each measure draws its own five staff lines), put first in the page's group: resvg's cost is
 * per path as much as per pixel. All ink is black, so the order of drawing does not change the picture; abutting
 * staff line segments even lose the faint seam their anti-aliased ends left. Measured on baseline wasm, six
 * 16-bar scores: resvg 350 -> 316 ms in all, no pixel more than 2 of 255 levels apart. Only done where every line
 * is in the page group's coordinates, in black: one group with a transform, nothing coloured or translucent.
 */
function withMergedLines(svg) {
  const transforms = svg.match(/<g [^>]*transform=/g) ?? [];
  const page = /<g class="page-margin" transform="translate\(-?\d+, -?\d+\)">/.exec(svg);
  if (!page || transforms.length !== 1 || /opacity|visibility/.test(svg) || (svg.match(/ color="/g) ?? []).length !== 1) return svg;
  const byWidth = new Map();
  const rest = svg.replace(LINE_PATH, (_, d, width) => {
    const list = byWidth.get(width);
    if (list) list.push(d);
    else byWidth.set(width, [d]);
    return '';
  });
  const merged = [...byWidth].map(([width, ds]) => `<path fill="none" d="${ds.join(' ')}" stroke-width="${width}"/>`).join('');
  return rest.replace(page[0], page[0] + merged);
}

/** Rasterizes verovio's SVG on white at `width` pixels; frees resvg's memory before returning. */
function rasterize(Resvg, fontBuffers, svg, width) {
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'width', value: width },
    logLevel: 'off',
    font: { loadSystemFonts: false, fontBuffers, defaultFontFamily: 'serif' },
  });
  try {
    const image = resvg.render();
    try {
      // Our grayscale encoder: a third of the time of image.asPng() and half the bytes (see gray-png.mjs).
      return { data: encodeGrayPng(image.pixels, image.width, image.height), width: image.width, height: image.height };
    } finally {
      image.free();
    }
  } finally {
    resvg.free();
  }
}

try {
  const { initWasm, Resvg } = await import('@resvg/resvg-wasm');
  await initWasm(readFileSync(workerData.resvgWasm));
  const fontBuffers = workerData.fontFiles.map((file) => readFileSync(file));
  const { createVerovioHumModule } = await import('./verovio-loader.mjs');
  // Verovio runs on V8's baseline compiler: optimising its thousands of functions costs ~100 MB and gains little
  // speed (see util/wasm-tiering.mjs).
  const { compileOnBaseline } = await import('../util/wasm-tiering.mjs');
  const { VerovioToolkit, enableLogToBuffer } = await import('verovio/esm');
  const created = await createVerovioHumModule({ compile: compileOnBaseline });
  module = created.module;
  // verovio's own log (as opposed to humlib's prints) goes to a buffer read with toolkit.getLog().
  enableLogToBuffer(1, module);
  const newToolkit = () => {
    const created = new VerovioToolkit(module);
    created.setOptions(workerData.options);
    return created;
  };
  toolkit = newToolkit();
  /** Engraves one request and answers on the port it came from. */
  const engrave = (replyPort, request) => {
    sink = [];
    try {
      const loaded = toolkit.loadData(request.kern);
      const log = toolkit.getLog();
      const pageCount = loaded ? toolkit.getPageCount() : 0;
      const svg = loaded && pageCount === 1 ? withMergedLines(withUnstrokedGlyphs(withTextAccidentals(toolkit.renderToSVG(1)))) : '';
      // A page without notes is refused by the caller: no picture needed.
      const png = svg.includes('class="note"') ? rasterize(Resvg, fontBuffers, svg, request.width) : null;
      const transfer = png ? [png.data.buffer] : [];
      replyPort.postMessage({ id: request.id, ok: Boolean(loaded), svg, pageCount, png, messages: [...sink, ...log.split('\n')] }, transfer);
    } catch (error) {
      // humlib threw a C++ exception through the wasm boundary: answer, then start from a fresh toolkit.
      replyPort.postMessage({ id: request.id, ok: false, thrown: String(error), messages: sink });
      try {
        toolkit.destroy();
      } catch {
        // A toolkit broken by the exception may fail to destroy; the fresh one replaces it anyway.
      }
      toolkit = newToolkit();
    } finally {
      sink = null;
      // Each picture leaves megabytes of garbage outside the JavaScript heap (resvg hands its pixels over as a
      // fresh 3 MB array): collected right away, it does not pile up during a burst of requests (measured, 50
      // requests at once: peak RSS 304 -> 269-279 MB). See util/collect-garbage.mjs.
      collectYoungGarbage();
    }
  };
  port.on('message', (message) => {
    if (message.type === 'connect') {
      message.port.on('message', (request) => engrave(message.port, request));
      // A connected thread that goes away must not keep this worker alive.
      message.port.unref();
    } else {
      engrave(port, message);
    }
  });
  port.postMessage({ type: 'ready', version: toolkit.getVersion(), note: created.note });
} catch (error) {
  port.postMessage({ type: 'failed', message: String(error) });
}
