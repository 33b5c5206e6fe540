// Optional audio through a General MIDI SoundFont (.sf2/.sf3, also DLS) with spessasynth_core: the notes
// are sent to the synthesizer as note-on/note-off messages at their exact sample, rendering offline.

import { readFile, stat } from 'node:fs/promises';
// spessasynth is imported when a SoundFont is first used: loading its code costs about 16 MB of memory, which a
// bot on the built-in synthesizer should not carry.
import type { BasicSoundBank } from 'spessasynth_core';
import { DEFAULT_VELOCITY, checkedPerformanceLength, type Performance } from './performance.js';
import { RenderError } from './render-error.js';
import { DEFAULT_ACCOMPANIMENT_LEVEL, DEFAULT_REVERB, TAIL_SECONDS, addRoomReverb, normalizeLoudness } from './synth.js';

/** spessasynth renders at most this many samples per process() call (its default maxBufferSize). */
const BLOCK = 128;

interface CachedBank {
  readonly path: string;
  readonly modified: number;
  readonly size: number;
  readonly bank: BasicSoundBank;
}

/** The last bank loaded: a GM SoundFont is tens of MB, so parse it once per file version. */
let cached: CachedBank | null = null;

/** Reads and parses a SoundFont, throwing RenderError('soundfont') when missing, unreadable or not a bank. */
export async function loadSoundFont(path: string): Promise<BasicSoundBank> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(error);
    throw new RenderError('soundfont', `cannot read SoundFont "${path}": ${reason}`, [], { cause: error });
  }
  if (!info.isFile()) throw new RenderError('soundfont', `SoundFont path "${path}" is not a file`);
  if (cached && cached.path === path && cached.modified === info.mtimeMs && cached.size === info.size) return cached.bank;

  const bytes = await readFile(path);
  const magic = bytes.subarray(0, 4).toString('latin1');
  const form = bytes.subarray(8, 12).toString('latin1');
  if (magic !== 'RIFF' || !['sfbk', 'sfpk', 'DLS '].includes(form)) {
    throw new RenderError(
      'soundfont',
      `"${path}" is not a SoundFont: expected a RIFF file of form "sfbk" (.sf2/.sf3) or "DLS ", found "${printable(magic)}"/"${printable(form)}"`,
    );
  }
  const { SoundBankLoader, SpessaLog } = await import('spessasynth_core');
  let bank: BasicSoundBank;
  try {
    // spessasynth logs warnings through console; a bot logs through pino, so keep it quiet.
    SpessaLog.warnEnabled = false;
    SpessaLog.infoEnabled = false;
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    bank = SoundBankLoader.fromArrayBuffer(buffer);
  } catch (error) {
    throw new RenderError('soundfont', `"${path}" is a corrupt or unsupported SoundFont: ${errorMessage(error)}`, [], { cause: error });
  }
  if (bank.presets.length === 0) throw new RenderError('soundfont', `SoundFont "${path}" holds no presets`);
  cached = { path, modified: info.mtimeMs, size: info.size, bank };
  return bank;
}

interface NoteMessage {
  readonly sample: number;
  readonly on: boolean;
  readonly pitch: number;
  readonly velocity: number;
  readonly channel: number;
}

/**
 * Renders the performance with the SoundFont at `path`, program `performance.program` on channel 1 and the
 * accompaniment's, if any, on channel 2 (the bank's nearest preset when it lacks a program). Mono, the music plus
 * TAIL_SECONDS, normalized.
 */
export async function synthesizeWithSoundFont(performance: Performance, path: string, sampleRate: number): Promise<Float32Array> {
  const length = checkedPerformanceLength(performance);
  const bank = await loadSoundFont(path);
  const total = Math.ceil((length + TAIL_SECONDS) * sampleRate);

  // spessasynth's reverb and chorus cost about 15 ms per second of audio, five times the voice itself; the
  // built-in synthesizer's small room reverb is applied to the mono mix instead.
  const { SpessaSynthProcessor } = await import('spessasynth_core');
  const synth = new SpessaSynthProcessor(sampleRate, { eventsEnabled: false, effectsEnabled: false });
  synth.soundBankManager.addSoundBank(bank, 'main');
  await synth.processorInitialized;
  synth.setSystemParameter('autoAllocateVoices', true);
  synth.programChange(0, performance.program);

  const messages: NoteMessage[] = [];
  const parts = [{ channel: 0, notes: performance.notes, level: 1 }];
  if (performance.accompaniment !== undefined) {
    synth.programChange(1, performance.accompaniment.program);
    parts.push({ channel: 1, notes: performance.accompaniment.notes, level: performance.accompaniment.level ?? DEFAULT_ACCOMPANIMENT_LEVEL });
  }
  for (const { channel, notes, level } of parts) {
    for (const note of notes) {
      // The part's level as velocity: the synthesizer's gain follows (velocity / 127) ** 1.5 closely enough.
      const velocity = Math.max(1, Math.round((note.velocity ?? DEFAULT_VELOCITY) * level ** (2 / 3)));
      const on = Math.round(note.start * sampleRate);
      const off = Math.max(on + 1, Math.round((note.start + note.duration) * sampleRate));
      messages.push({ sample: on, on: true, pitch: note.pitch, velocity, channel }, { sample: off, on: false, pitch: note.pitch, velocity, channel });
    }
  }
  // At equal times, note-offs first: a repeated pitch is released before it is struck again.
  messages.sort((a, b) => a.sample - b.sample || Number(a.on) - Number(b.on));

  const left = new Float32Array(total);
  const right = new Float32Array(total);
  let position = 0;
  let next = 0;
  while (position < total) {
    while (next < messages.length && (messages[next]?.sample ?? Infinity) <= position) {
      const message = messages[next++] as NoteMessage;
      if (message.on) synth.noteOn(message.channel, message.pitch, message.velocity);
      else synth.noteOff(message.channel, message.pitch);
    }
    const until = Math.min(total, messages[next]?.sample ?? total, position + BLOCK);
    synth.process(left, right, position, until - position);
    position = until;
  }
  const mono = new Float32Array(total);
  for (let i = 0; i < total; i++) mono[i] = 0.5 * ((left[i] ?? 0) + (right[i] ?? 0));
  addRoomReverb(mono, sampleRate, DEFAULT_REVERB);
  normalizeLoudness(mono, Math.ceil(length * sampleRate));
  return mono;
}

function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
