// The audio part of `npm run bench:render` against a baseline commit: today's synthesizer and renderAudio and
// those of the commit's src/ (extracted by bench/baseline-source.ts), timed in turn in this one process, so that
// a busy machine slows both alike; CPU medians and their ratio, and how far today's output is from the old one.
import { execSync } from 'node:child_process';
import type { renderAudio as RenderAudio } from '../src/render/audio.js';
import type { Performance } from '../src/render/performance.js';
import type { synthesize as Synthesize } from '../src/render/synth.js';
import { decodeOggOpus, partialsSnr, snr } from './audio-quality.js';
import { baselineSourceUrl } from './baseline-source.js';

export interface AudioCode {
  readonly synthesize: typeof Synthesize;
  readonly renderAudio: typeof RenderAudio;
}

/** The commit `ref` names and its audio code; null (with a line saying why) when git cannot give it. */
export async function baselineAudioCode(repoRoot: string, ref: string): Promise<{ commit: string; code: AudioCode } | null> {
  let commit: string;
  try {
    commit = execSync(`git -C "${repoRoot}" rev-parse --verify "${ref}^{commit}"`, { stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();
  } catch {
    console.log(`(audio baseline skipped: git knows no commit "${ref}")`);
    return null;
  }
  const synthUrl = baselineSourceUrl(repoRoot, commit, 'src/render/synth.ts');
  const audioUrl = baselineSourceUrl(repoRoot, commit, 'src/render/audio.ts');
  if (synthUrl === null || audioUrl === null) return null;
  const [synth, audio] = (await Promise.all([import(synthUrl), import(audioUrl)])) as [{ synthesize: typeof Synthesize }, { renderAudio: typeof RenderAudio }];
  return { commit, code: { synthesize: synth.synthesize, renderAudio: audio.renderAudio } };
}

function cpuMs(): number {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1000;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN;
}

/** CPU medians (ms, whole process) of `today` and `old` over `runs` each, alternating which goes first. */
async function interleaved(runs: number, today: () => unknown, old: () => unknown): Promise<[number, number]> {
  await today();
  await old();
  const times: [number[], number[]] = [[], []];
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? ([0, 1] as const) : ([1, 0] as const);
    for (const which of order) {
      const start = cpuMs();
      await (which === 0 ? today() : old());
      times[which].push(cpuMs() - start);
    }
  }
  return [median(times[0]), median(times[1])];
}

/**
 * For each tune: synthesize (PCM) and renderAudio as Ogg Opus, today's code against `baseline`'s. Prints the CPU
 * medians and ratio of each, the SNR of today's PCM against the old (Infinity: the same samples), and the partials
 * SNR of each Ogg Opus file decoded against its own PCM.
 */
export async function compareAudio(tunes: readonly { name: string; performance: Performance }[], today: AudioCode, baseline: { commit: string; code: AudioCode }, runs: number): Promise<void> {
  const old = baseline.code;
  const rate = 24000;
  console.log(`audio, today's code against ${baseline.commit.slice(0, 10)}, interleaved (CPU medians of the whole process, n=${runs} each):`);
  const row = (name: string, [now, before]: [number, number], extra = ''): void =>
    console.log(`  ${name.padEnd(50)} ${now.toFixed(1).padStart(7)} ms  baseline ${before.toFixed(1).padStart(7)} ms  ratio ${(now / before).toFixed(2)}${extra}`);
  for (const { name, performance } of tunes) {
    const samples = (code: AudioCode) => code.synthesize(performance, { sampleRate: rate });
    const pcmSnr = snr(samples(old), samples(today));
    row(`synthesize ${name} (PCM, ${rate} Hz)`, await interleaved(runs, () => samples(today), () => samples(old)), `   SNR against the baseline's PCM ${pcmSnr.toFixed(1)} dB`);
    const opus = (code: AudioCode) => code.renderAudio(performance, { format: 'opus' });
    const [nowFile, oldFile] = [await opus(today), await opus(old)];
    const quality = async (code: AudioCode, file: Uint8Array) => partialsSnr(samples(code), await decodeOggOpus(file, rate), rate).toFixed(1);
    row(
      `renderAudio ${name}, Ogg Opus`,
      await interleaved(runs, () => opus(today), () => opus(old)),
      `   ${(nowFile.data.length / 1024).toFixed(0)} KB (baseline ${(oldFile.data.length / 1024).toFixed(0)} KB), partials SNR ${await quality(today, nowFile.data)} dB (baseline ${await quality(old, oldFile.data)} dB)`,
    );
  }
}
