// Score picture: **kern -> SVG (verovio, Humdrum build) -> PNG (resvg), sized for a Discord chat.
// Starting verovio costs about half a second and 100 MB, so a ScoreRenderer keeps one toolkit, in a worker thread
// (engrave-worker.mjs; why a worker: see there), and reuses it; `renderScore` uses one shared renderer per
// thread, or the engraver another thread connected it to (useScoreEngraver: the bot's compose workers share one).

import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { RenderError } from './render-error.js';
import { escapeXmlText, shortenTitle } from '../music/title-text.js';

export interface ScoreOptions {
  /** Width of the PNG in pixels; the height follows from the music. Default 1200, accepted 400..4000. */
  readonly width?: number;
}

export interface ScoreImage {
  /**
   * Verovio's SVG as it was rasterized (music glyphs as <defs>/<use> paths, the title as <text>; straight lines
   * merged into one path per stroke width, see engrave-worker.mjs).
   */
  readonly svg: string;
  /** The SVG rasterized on a white background. */
  readonly png: Uint8Array;
  /** PNG size in pixels. */
  readonly width: number;
  readonly height: number;
}

export const DEFAULT_SCORE_WIDTH = 1200;
export const MIN_SCORE_WIDTH = 400;
export const MAX_SCORE_WIDTH = 4000;

/**
 * Verovio page geometry in its own units (scale 100: 1 SVG px per unit). The layout (bars per system, staff
 * size relative to the picture) is fixed here and the PNG width only sets the resolution: at 1200 px the staff
 * is about 1.4x verovio's default size, readable when Discord shrinks the picture to chat width, with four bars
 * of 4/4 per system (see withLineBreaks).
 */
const PAGE_WIDTH = 1700;
/** The largest page verovio allows: with adjustPageHeight the page shrinks to the music, all on one page. */
const PAGE_HEIGHT_MAX = 60000;

const VEROVIO_OPTIONS = {
  inputFrom: 'humdrum',
  scale: 100,
  pageWidth: PAGE_WIDTH,
  pageHeight: PAGE_HEIGHT_MAX,
  adjustPageHeight: true,
  pageMarginLeft: 90,
  pageMarginRight: 90,
  pageMarginTop: 60,
  pageMarginBottom: 70,
  // System breaks where withLineBreaks puts them: folk-tune-book lines of four bars, and 35-40% less engraving
  // time than verovio's own line breaking (measured on a 16-bar tune: 30 vs 48 ms).
  breaks: 'encoded',
  // Title (!!!OTL) and composer (!!!COM) in the header; no page-number footer on a one-page picture.
  header: 'auto',
  footer: 'none',
  // 0: a bar number at the start of each system after the first.
  mnumInterval: 0,
  spacingSystem: 6,
  svgFormatRaw: true,
  // Chord symbols' accidentals are SMuFL glyphs, which verovio sets in its music font embedded as a web font (a
  // 60 KB base64 @font-face) unless told not to; resvg cannot use it (engrave-worker.mjs puts text accidentals in
  // their place). Without it a 16-bar score with sharps in its chord symbols renders its SVG in 10.6 instead of
  // 13.0 ms (measured on baseline wasm), and the SVG is 30 instead of 89 KB.
  smuflTextFont: 'none',
} as const;

/**
 * The widest title (textWidth) the page holds on one line at verovio's title size (measured: a line 48 wide spans
 * 945 of the 1200 pixels); a longer one is shortened with an ellipsis rather than run off both edges.
 */
export const SCORE_TITLE_MAX_WIDTH = 56;

/**
 * The kern as verovio should read it: reference records (the title, the composer) escaped twice for XML, because
 * verovio decodes entities in them once and then reads `<...>` as markup ("A <b> song" showed as "A"); the
 * title shortened to SCORE_TITLE_MAX_WIDTH. The notes are untouched.
 */
export function kernForVerovio(kern: string): string {
  return kern.replace(/^(!!![A-Za-z][^:\n]*:) ?(.*)$/gm, (_, key: string, value: string) => {
    const text = key === '!!!OTL:' ? shortenTitle(value, SCORE_TITLE_MAX_WIDTH) : value;
    return `${key} ${escapeXmlText(escapeXmlText(text))}`;
  });
}

/** A system with more notes and rests than this gets fewer bars, so that nothing is squeezed. */
const MAX_NOTES_PER_SYSTEM = 24;

/**
 * Puts Humdrum line breaks (!!linebreak:original) into single-tune **kern: four bars per system (six of short
 * bars like 2/4, three of long ones like 3/2), fewer where a system would hold more than MAX_NOTES_PER_SYSTEM
 * notes and rests, never a last bar alone on its system, a pickup on the first system. The bar numbers of the
 * kern (=N before bar N) place the breaks; a text that already has line breaks, or no numbered bars, is returned
 * as it is.
 */
export function withLineBreaks(kern: string): string {
  const lines = kern.split('\n');
  if (lines.some((line) => line.startsWith('!!linebreak:') || line.startsWith('!!LO:LB'))) return kern;
  const meter = /^\*M(\d+)\/(\d+)/m.exec(kern);
  const quartersPerBar = meter ? (Number(meter[1]) * 4) / Number(meter[2]) : 4;
  let perSystem = quartersPerBar <= 2 ? 6 : quartersPerBar >= 5 ? 3 : 4;
  // Where each numbered bar starts (its barline's line) and how many notes and rests it holds.
  const bars = new Map<number, { line: number; notes: number }>();
  let current: { line: number; notes: number } | null = null;
  lines.forEach((line, index) => {
    if (line.startsWith('=')) {
      const number = /^=(\d+)/.exec(line);
      current = number ? { line: index, notes: 0 } : null;
      if (number && current) bars.set(Number(number[1]), current);
    } else if (current && line !== '' && !line.startsWith('*') && !line.startsWith('!')) {
      // The **kern spine only: a chord symbol spine (**mxhm) beside it holds no notes.
      if ((line.split('\t')[0] ?? '.') !== '.') current.notes++;
    }
  });
  const last = Math.max(0, ...bars.keys());
  if (last < 2) return kern;
  const systemStarts = (size: number): number[] => {
    const starts: number[] = [];
    // A break before bar N starts a new system; none that would leave the last bar alone.
    for (let bar = 1 + size; bar <= last - 1; bar += size) starts.push(bar);
    return starts;
  };
  const crowded = (starts: readonly number[]): boolean => {
    const bounds = [1, ...starts, last + 1];
    return bounds.slice(1).some((end, i) => {
      let notes = 0;
      for (let bar = bounds[i]!; bar < end; bar++) notes += bars.get(bar)?.notes ?? 0;
      return notes > MAX_NOTES_PER_SYSTEM;
    });
  };
  while (perSystem > 1 && crowded(systemStarts(perSystem))) perSystem--;
  const breakBefore = new Set(systemStarts(perSystem).flatMap((bar) => (bars.has(bar) ? [bars.get(bar)!.line] : [])));
  return lines.flatMap((line, index) => (breakBefore.has(index) ? ['!!linebreak:original', line] : [line])).join('\n');
}

/** Messages between ScoreRenderer and engrave-worker.mjs. */
interface EngraveRequest {
  readonly id: number;
  readonly kern: string;
  readonly width: number;
}
interface RasterImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}
type EngraveReply =
  | { readonly id: number; readonly ok: true; readonly svg: string; readonly pageCount: number; readonly png: RasterImage | null; readonly messages: string[] }
  | { readonly id: number; readonly ok: false; readonly thrown?: string; readonly messages: string[] };
type WorkerStatus = { readonly type: 'ready'; readonly version: string; readonly note: string | null } | { readonly type: 'failed'; readonly message: string };

/** What started in the engraver: verovio's version, and why it started the slow way, if it did. */
export interface ScoreEngineInfo {
  /** Verovio's version string, e.g. "6.3.0-425dd7b". */
  readonly verovioVersion: string;
  /**
   * Null when verovio started from its unpacked cache (src/render/verovio-loader.mjs) or wrote it; otherwise
   * why it started from its packed module, which works but costs about 0.8 s more per start.
   */
  readonly startNote: string | null;
}

interface Pending {
  readonly resolve: (reply: EngraveReply) => void;
  readonly reject: (error: RenderError) => void;
}

export class ScoreRenderer {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private failure: RenderError | null = null;
  private readonly brokenListeners: ((error: RenderError) => void)[] = [];

  /**
   * `endpoint` carries requests and replies: the renderer's own worker (`owned`), or a MessagePort to an engraver
   * that another thread owns (`owned` null).
   */
  private constructor(
    private readonly endpoint: Worker | MessagePort,
    private readonly owned: Worker | null,
    readonly info: ScoreEngineInfo,
  ) {
    endpoint.on('message', (reply: EngraveReply) => this.settle(reply));
    if (owned) {
      owned.on('error', (error) => this.fail(new RenderError('engine', `verovio worker crashed: ${error.message}`, [], { cause: error })));
      owned.on('exit', (code) => this.fail(new RenderError('engine', `verovio worker exited (code ${code})`)));
    } else {
      endpoint.on('close', () => this.fail(new RenderError('engine', 'the shared verovio worker went away')));
    }
    endpoint.unref();
  }

  /** Starts the worker and its verovio toolkit: the slow part (about 0.5 s), done once per renderer. */
  static async create(): Promise<ScoreRenderer> {
    // execArgv: [] starts the worker without the tsx loader (see engrave-worker.mjs for why).
    const worker = new Worker(new URL('./engrave-worker.mjs', import.meta.url), {
      execArgv: [],
      workerData: {
        options: VEROVIO_OPTIONS,
        resvgWasm: createRequire(import.meta.url).resolve('@resvg/resvg-wasm/index_bg.wasm'),
        fontFiles: serifFontFiles(),
      },
    });
    const listeners: { message?: (status: WorkerStatus) => void; error?: (error: Error) => void; exit?: (code: number) => void } = {};
    const status = await new Promise<WorkerStatus>((resolve, reject) => {
      listeners.message = resolve;
      listeners.error = reject;
      listeners.exit = (code) => reject(new Error(`exited with code ${code} before it was ready`));
      worker.once('message', listeners.message).once('error', listeners.error).once('exit', listeners.exit);
    }).finally(() => {
      if (listeners.message) worker.off('message', listeners.message);
      if (listeners.error) worker.off('error', listeners.error);
      if (listeners.exit) worker.off('exit', listeners.exit);
    }).catch((error: unknown) => {
      void worker.terminate();
      throw new RenderError('engine', `verovio worker could not start: ${String(error)}`, [], { cause: error });
    });
    if (status.type === 'failed') {
      void worker.terminate();
      throw new RenderError('engine', `verovio could not start: ${status.message}`);
    }
    return new ScoreRenderer(worker, worker, { verovioVersion: status.version, startNote: status.note });
  }

  /** A renderer in this thread for the engraver behind `port`, which another thread got from connect(). */
  static overPort(port: MessagePort, info: ScoreEngineInfo): ScoreRenderer {
    return new ScoreRenderer(port, null, info);
  }

  /**
   * A port through which another thread engraves with this renderer's worker (pass it, in a transfer list, to
   * ScoreRenderer.overPort or useScoreEngraver there). The worker serves all its connections one request at a time.
   */
  connect(): MessagePort {
    if (!this.owned) throw new Error('only the thread that started an engraver can connect other threads to it');
    if (this.failure) throw this.failure;
    const { port1, port2 } = new MessageChannel();
    this.owned.postMessage({ type: 'connect', port: port1 }, [port1]);
    return port2;
  }

  /** Calls `listener` once, when the renderer breaks: its worker died, its port closed, or it was disposed. */
  onBroken(listener: (error: RenderError) => void): void {
    if (this.failure) listener(this.failure);
    else this.brokenListeners.push(listener);
  }

  /** Engraves Humdrum **kern text; throws RenderError (kind 'kern') for kern verovio cannot read. */
  async render(kern: string, options: ScoreOptions = {}): Promise<ScoreImage> {
    const width = checkedWidth(options.width);
    const { svg, png } = await this.engrave(kern, width);
    return { svg, png: png.data, width: png.width, height: png.height };
  }

  /** Stops the worker (or closes the port to a shared one); the renderer is unusable afterwards. */
  async dispose(): Promise<void> {
    this.fail(new RenderError('engine', 'the score renderer was disposed'));
    if (this.owned) await this.owned.terminate();
    else (this.endpoint as MessagePort).close();
  }

  private async engrave(kern: string, width: number): Promise<{ svg: string; png: RasterImage }> {
    if (kern.trim() === '') throw new RenderError('kern', 'cannot engrave an empty **kern text');
    if (!/^\*\*kern(\t|$)/m.test(kern)) {
      throw new RenderError('kern', 'no **kern spine found: expected Humdrum text with an exclusive interpretation line starting "**kern"');
    }
    const reply = await this.request(withLineBreaks(kernForVerovio(kern)), width);
    const messages = reply.messages.filter((line) => line.trim() !== '');
    if (!reply.ok) {
      const reason = summarize(messages) || reply.thrown || 'no reason given';
      throw new RenderError('kern', `verovio could not read the **kern: ${reason}`, messages);
    }
    if (reply.pageCount < 1) throw new RenderError('kern', 'verovio laid out no page for this **kern', messages);
    if (reply.pageCount > 1) {
      throw new RenderError('kern', `the melody is too long for one picture (${reply.pageCount} pages of the largest height)`, messages);
    }
    // A rendered note is a <g class="note">; a kern text with only rests or no data has none.
    if (!reply.svg.includes('class="note"') || !reply.png) throw new RenderError('kern', 'the **kern holds no notes to engrave', messages);
    return { svg: reply.svg, png: reply.png };
  }

  private request(kern: string, width: number): Promise<EngraveReply> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<EngraveReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Keep the process alive while an answer is due; idle, the worker must not hold it open.
      this.endpoint.ref();
      const request: EngraveRequest = { id, kern, width };
      this.endpoint.postMessage(request);
    });
  }

  private settle(reply: EngraveReply): void {
    const entry = this.pending.get(reply.id);
    if (!entry) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.endpoint.unref();
    entry.resolve(reply);
  }

  private fail(error: RenderError): void {
    if (this.failure) return;
    this.failure = error;
    for (const entry of this.pending.values()) entry.reject(error);
    this.pending.clear();
    this.endpoint.unref();
    for (const listener of this.brokenListeners.splice(0)) listener(error);
  }

  /** Whether the worker died or was disposed; such a renderer only throws. */
  get broken(): boolean {
    return this.failure !== null;
  }
}

function checkedWidth(width: number | undefined): number {
  if (width === undefined) return DEFAULT_SCORE_WIDTH;
  if (!Number.isInteger(width) || width < MIN_SCORE_WIDTH || width > MAX_SCORE_WIDTH) {
    throw new RenderError('option', `score width must be a whole number of pixels from ${MIN_SCORE_WIDTH} to ${MAX_SCORE_WIDTH}, got ${width}`);
  }
  return width;
}

/** Where Debian, Fedora and macOS keep fonts; the score's title is set in the first serif face found. */
const FONT_DIRS = ['/usr/share/fonts', '/usr/local/share/fonts', '/Library/Fonts', '/System/Library/Fonts'];
const SERIF_FACES = ['DejaVuSerif.ttf', 'LiberationSerif-Regular.ttf', 'NotoSerif-Regular.ttf', 'Times New Roman.ttf'];

/**
 * A serif font for the title (resvg's WebAssembly build cannot read system fonts itself): the first of
 * SERIF_FACES found under FONT_DIRS. None found: the score is drawn without its title text.
 */
function serifFontFiles(): string[] {
  const found = new Map<string, string>();
  const walk = (dir: string, depth: number): void => {
    if (depth > 4 || !existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(path.join(dir, entry.name), depth + 1);
      else if (SERIF_FACES.includes(entry.name) && !found.has(entry.name)) found.set(entry.name, path.join(dir, entry.name));
    }
  };
  for (const dir of FONT_DIRS) walk(dir, 0);
  const first = SERIF_FACES.find((face) => found.has(face));
  return first ? [found.get(first)!] : [];
}

/** The first few distinct diagnostic lines, joined: enough to say what and where (humlib names the line). */
function summarize(lines: readonly string[]): string {
  const distinct = [...new Set(lines.map((line) => line.trim()))];
  return distinct.slice(0, 4).join(' / ');
}

let sharedRenderer: Promise<ScoreRenderer> | null = null;
let sharedReady: ScoreRenderer | null = null;
/** The engraver another thread connected this one to (useScoreEngraver), if any: renderScore uses it. */
let remote: ScoreRenderer | null = null;

/**
 * Makes renderScore in this thread engrave with the engraver behind `port` (from ScoreRenderer.connect in the
 * thread that owns it) instead of starting one of its own. Calling it again swaps in a new port, e.g. after the
 * owner restarted a broken engraver; until then renders fail with a RenderError of kind 'engine'.
 */
export function useScoreEngraver(port: MessagePort, info: ScoreEngineInfo): void {
  void remote?.dispose();
  remote = ScoreRenderer.overPort(port, info);
}

/**
 * Starts the process-wide renderer now (about 0.5 s, 1.3 s before verovio's cache exists) instead of during
 * the first renderScore, and engraves a one-note score so that the first real one runs warm code.
 */
export async function prepareScoreRenderer(): Promise<ScoreEngineInfo> {
  await renderScore('**kern\n*M4/4\n=1\n1c\n==\n*-\n');
  // renderScore resolved, so the renderer it used is up.
  return (remote ?? sharedReady!).info;
}

/** The renderer renderScore uses in this thread: the connected one, or the process-wide one, started if needed. */
function currentRenderer(): Promise<ScoreRenderer> {
  if (remote) return Promise.resolve(remote);
  if (sharedReady && !sharedReady.broken) return Promise.resolve(sharedReady);
  if (sharedReady) {
    // Its worker died: start a fresh one.
    sharedReady = null;
    sharedRenderer = null;
  }
  sharedRenderer ??= ScoreRenderer.create().then(
    (renderer) => (sharedReady = renderer),
    (error: unknown) => {
      sharedRenderer = null;
      throw error;
    },
  );
  return sharedRenderer;
}

/**
 * Starts the renderer renderScore will use, without engraving anything: for a command that makes one picture
 * and would only lose time warming up (prepareScoreRenderer).
 */
export async function startScoreRenderer(): Promise<ScoreEngineInfo> {
  return (await currentRenderer()).info;
}

/**
 * Engraves **kern with the engraver this thread was connected to (useScoreEngraver), or else with a
 * process-wide renderer, started on the first call (and again if its worker died). Once the renderer is up, the
 * request reaches the worker synchronously, so engraving overlaps with whatever the caller does next (e.g.
 * synthesizing the audio).
 */
export function renderScore(kern: string, options: ScoreOptions = {}): Promise<ScoreImage> {
  if (remote) return remote.render(kern, options);
  if (sharedReady && !sharedReady.broken) return sharedReady.render(kern, options);
  return currentRenderer().then((renderer) => renderer.render(kern, options));
}
