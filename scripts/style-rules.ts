// How the real songs of each style follow the rules the sampling grammar and the composer apply, and how well each
// key estimate names the labelled key of the pentatonic (Chinese) songs. The figures behind the per-style rules in
// src/compose/composer.ts (TONIC_ENDING_SHARE, PENTATONIC_SHARE) and estimatePentatonicKey in src/music/key.ts.
//
//   npm run style-rules [-- --data ../shared/data/essen]
//
// Per style: songs; share ending on the tonic; final note on the downbeat / on a strong beat (downbeat or mid-bar)
// / lasting at least a beat; with a pickup; whose last bar gives the pickup back; changing meter; in minor;
// pentatonic notes; the commonest finals (pitch class of the last note, the songs moved to C major / A minor).
import { parseArgs } from 'node:util';
import { loadLabelledCorpus } from '../src/model/data/dataset.js';
import { estimateKey, estimatePentatonicKey, estimateSeedKey, keyOf } from '../src/music/key.js';
import { barTicks } from '../src/music/kern-write.js';
import { endingShape, pickupTicks } from '../src/music/song-shapes.js';
import { tuneStats } from '../src/music/tune-stats.js';
import type { Key, Melody, MelodyEvent } from '../src/music/types.js';

const { values } = parseArgs({ options: { data: { type: 'string', default: '../shared/data/essen' } } });
const corpus = loadLabelledCorpus({ dataDir: values.data ?? '../shared/data/essen', filter: 'default' });
const byStyle = new Map<string, Melody[]>();
for (const entry of corpus.entries) {
  if (!('melody' in entry) || entry.melody.style === undefined) continue;
  byStyle.set(entry.melody.style, [...(byStyle.get(entry.melody.style) ?? []), entry.melody]);
}

const NAMES = ['C', 'C#', 'D', 'Eb', 'E', 'F', 'F#', 'G', 'Ab', 'A', 'Bb', 'B'];
const share = (n: number, of: number): string => (of === 0 ? '-' : (n / of).toFixed(2));
console.log(['style', 'songs', 'tonic end', 'final down', 'final strong', 'final >= beat', 'pickup', 'closing bar', 'meter change', 'minor', 'pentatonic', 'finals'].join('\t'));
for (const [style, melodies] of [...byStyle].sort((a, b) => b[1].length - a[1].length)) {
  let down = 0;
  let strong = 0;
  let long = 0;
  let pickup = 0;
  let closing = 0;
  let changes = 0;
  let minor = 0;
  for (const melody of melodies) {
    const meter = melody.meters[0]!.meter;
    if (melody.meters.some((change, i) => i > 0 && (change.meter?.numerator !== meter?.numerator || change.meter?.denominator !== meter?.denominator))) changes++;
    if (melody.key.mode === 'minor') minor++;
    if (meter === null) continue;
    const stats = tuneStats(melody);
    if (stats.finalPosition === 'downbeat') down++;
    if (stats.finalPosition !== 'other') strong++;
    if (stats.finalBeats >= 1) long++;
    const ticks = pickupTicks(melody);
    const bar = barTicks(meter);
    const end = Math.max(...melody.events.map((event) => event.onset + event.duration));
    if (ticks > 0) pickup++;
    if (ticks > 0 && end % bar === 0 && (end - ticks) % bar !== 0) closing++;
  }
  const ending = endingShape(melodies);
  const n = melodies.length;
  const finals = Object.entries(ending.finals)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([pc, s]) => `${NAMES[Number(pc)]} ${s.toFixed(2)}`)
    .join(', ');
  console.log([style, n, ending.endsOnTonic.toFixed(2), share(down, n), share(strong, n), share(long, n), share(pickup, n), share(closing, n), share(changes, n), share(minor, n), ending.pentatonic.toFixed(2), finals].join('\t'));
}

// Key estimates on the pentatonic styles' songs whose key the file gives, each moved to another key (so that no
// estimate gains by preferring C), on the whole song and on its first 12 notes (a seed).
const moved = (events: readonly MelodyEvent[], shift: number): MelodyEvent[] => events.map((event) => (event.kind === 'note' ? { ...event, pitch: event.pitch + shift } : event));
const estimates: Record<string, (events: readonly MelodyEvent[]) => Key> = {
  'Krumhansl-Schmuckler': estimateKey,
  'seed estimate': (events) => estimateSeedKey(events),
  pentatonic: estimatePentatonicKey,
};
const right: Record<string, [number, number]> = {};
let songs = 0;
for (const melodies of byStyle.values()) {
  if (endingShape(melodies).pentatonic < 0.91) continue;
  for (const melody of melodies) {
    if (melody.keySource !== 'file' || melody.key.mode !== 'major') continue;
    songs++;
    const shift = (songs * 5) % 12;
    const whole = moved(melody.events, shift);
    const seed = whole.filter((event) => event.kind === 'note').slice(0, 12);
    for (const [name, estimate] of Object.entries(estimates)) {
      const truth = keyOf(shift, 'major');
      const tally = (right[name] ??= [0, 0]);
      const a = estimate(whole);
      const b = estimate(seed);
      if (a.tonic === truth.tonic && a.mode === truth.mode) tally[0]++;
      if (b.tonic === truth.tonic && b.mode === truth.mode) tally[1]++;
    }
  }
}
console.log(`\nKey estimates on ${songs} songs of the pentatonic styles (labelled key, moved): whole song / first 12 notes`);
for (const [name, [whole, seed]] of Object.entries(right)) console.log(`  ${name.padEnd(22)} ${share(whole, songs)} / ${share(seed, songs)}`);
