// The harmoniser on public-domain tunes with published chords (test/fixtures/harmony: the share of half bars
// whose chord function agrees, goal 80%) and on generated tunes: composes tunes with a model (the shipped one by default) in every meter
// and both modes, harmonises each, and reports the goals of the accompaniment: every tune ends on the tonic
// chord, no chord clashes with a strong-beat note of a beat or more, non-chord tones on strong beats under 10%,
// and the harmoniser's time per tune.
//
//   npm run harmony-report [-- --tunes 500 --model models/default --bars 16]
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { SUPPORTED_METERS, parseMeter } from '../src/compose/compose-options.js';
import { readFileSync, readdirSync } from 'node:fs';
import { checkHarmony, functionAgreement } from '../src/music/harmony-check.js';
import { parseKernWithChords } from '../src/music/kern-parse.js';
import { harmonize } from '../src/music/harmony.js';
import { barlinesForMeter } from '../src/music/kern-write.js';
import { keyOf } from '../src/music/key.js';
import type { Melody } from '../src/music/types.js';
import { loadGenerator } from '../src/model/generation/generator.js';

const { values } = parseArgs({ options: { tunes: { type: 'string', default: '500' }, model: { type: 'string', default: 'models/default' }, bars: { type: 'string', default: '16' } } });
const tunes = Number(values.tunes);
const bars = Number(values.bars);
const fixtures = new URL('../test/fixtures/harmony/', import.meta.url);
let agree = 0;
let compared = 0;
for (const file of readdirSync(fixtures).filter((name) => name.endsWith('.krn')).sort()) {
  const { melody, chords } = parseKernWithChords(readFileSync(new URL(file, fixtures), 'utf8'), file);
  const result = functionAgreement(melody, harmonize(melody), chords);
  console.log(`  ${file.padEnd(28)} ${result.agree}/${result.total}`);
  agree += result.agree;
  compared += result.total;
}
console.log(`chord function agreement with published chords: ${agree}/${compared} = ${((100 * agree) / compared).toFixed(1)}% (goal: at least 80%)\n`);

const generator = await loadGenerator(values.model);
let tonicEndings = 0;
let strongNotes = 0;
let nonChordTones = 0;
const clashes: string[] = [];
// A style model composes in one of its styles: its first (german), where the European chords belong.
const firstStyle = generator.info.styles[0]?.name;
const style = firstStyle !== undefined ? { style: firstStyle } : {};
const harmonizeMs: number[] = [];
const perMeter = new Map<string, { notes: number; nct: number }>();
// Meters the product offers that the model's vocabulary lacks (the shipped model has no 12/8) are reported, not run.
const meterTexts = SUPPORTED_METERS.filter((text) => {
  try {
    generator.generate({ meter: parseMeter(text), mode: 'major', bars: 4, primer: [], pickup: 0, endOnTonic: true, temperature: 0.9, topP: 0.95, randomSeed: 1, ...style });
    return true;
  } catch (error) {
    console.log(`skipped ${text}: ${(error as Error).message}`);
    return false;
  }
});
for (let index = 0; index < tunes; index++) {
  const meterText = meterTexts[index % meterTexts.length]!;
  const meter = parseMeter(meterText);
  const mode = Math.floor(index / meterTexts.length) % 2 === 0 ? 'major' : 'minor';
  const events = generator.generate({ meter, mode, bars, primer: [], pickup: 0, endOnTonic: true, temperature: 0.9, topP: 0.95, randomSeed: 1000 + index, ...style });
  const end = events.reduce((latest, event) => Math.max(latest, event.onset + event.duration), 0);
  const meters = [{ tick: 0, meter }];
  const melody: Melody = {
    title: `tune ${index}`, source: 'harmony-report', key: keyOf(mode === 'major' ? 0 : 9, mode), keySource: 'file',
    meters, barlines: barlinesForMeter(meters, end), events, phraseStarts: [],
  };
  const started = performance.now();
  const harmony = harmonize(melody);
  harmonizeMs.push(performance.now() - started);
  const check = checkHarmony(melody, harmony);
  if (check.endsOnTonic) tonicEndings++;
  strongNotes += check.strongBeatNotes;
  nonChordTones += check.strongBeatNonChordTones;
  const entry = perMeter.get(`${meterText} ${mode}`) ?? { notes: 0, nct: 0 };
  entry.notes += check.strongBeatNotes;
  entry.nct += check.strongBeatNonChordTones;
  perMeter.set(`${meterText} ${mode}`, entry);
  for (const tick of check.clashes) clashes.push(`tune ${index} (${meterText} ${mode}, random seed ${1000 + index}) at tick ${tick}`);
}
harmonizeMs.sort((a, b) => a - b);
const percent = (part: number, whole: number): string => `${((100 * part) / Math.max(1, whole)).toFixed(1)}%`;
console.log(`${tunes} tunes of ${bars} bars from ${values.model}, meters ${meterTexts.join(' ')}, major and minor`);
console.log(`ends on the tonic chord: ${tonicEndings}/${tunes} (goal: all)`);
console.log(`clashes (a non-chord tone of a beat or more on a strong beat): ${clashes.length} (goal: none)`);
for (const clash of clashes.slice(0, 10)) console.log(`  ${clash}`);
console.log(`non-chord tones on strong beats: ${nonChordTones}/${strongNotes} = ${percent(nonChordTones, strongNotes)} (goal: under 10%)`);
for (const [name, entry] of [...perMeter].sort()) console.log(`  ${name.padEnd(12)} ${percent(entry.nct, entry.notes)} of ${entry.notes}`);
console.log(`harmonise: median ${harmonizeMs[Math.floor(harmonizeMs.length / 2)]!.toFixed(2)} ms, p95 ${harmonizeMs[Math.floor(harmonizeMs.length * 0.95)]!.toFixed(2)} ms per tune`);
generator.dispose();
