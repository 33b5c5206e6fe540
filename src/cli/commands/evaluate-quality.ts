// The tune-quality part of `folkbot evaluate --generate N`: N tunes per common meter, composed exactly as
// `folkbot compose` does with its default options (no seed, 16 bars, random seeds 1..N), set against the songs of
// the split of that meter (src/model/scoring/tune-quality.ts), and its table.
import { Composer } from '../../compose/composer.js';
import { meterKey, meterQuality, type MeterQuality, type SideFigures } from '../../model/scoring/tune-quality.js';
import type { Melody, Meter } from '../../music/types.js';

export const QUALITY_METERS = ['2/4', '3/4', '4/4', '6/8'] as const;

export interface ModelQuality {
  readonly name: string;
  readonly meters: readonly MeterQuality[];
}

function parse(text: string): Meter {
  const [numerator, denominator] = text.split('/').map(Number) as [number, number];
  return { numerator, denominator };
}

/** The report for each model folder, on the songs given (the split). */
export async function qualityReports(modelDirs: readonly string[], names: readonly string[], songs: readonly Melody[], tunesPerMeter: number): Promise<ModelQuality[]> {
  const reports: ModelQuality[] = [];
  for (const [index, dir] of modelDirs.entries()) {
    const composer = await Composer.open(dir, { render: false });
    try {
      const meters: MeterQuality[] = [];
      for (const text of QUALITY_METERS) {
        if (!composer.meters.includes(text)) continue;
        const meter = parse(text);
        const real = songs.filter((song) => {
          const first = song.meters[0]?.meter;
          return first !== null && first !== undefined && meterKey(first) === text;
        });
        const tunes: Melody[] = [];
        for (let randomSeed = 1; randomSeed <= tunesPerMeter; randomSeed++) tunes.push(composer.composeMelody({ meter, randomSeed }).melody);
        meters.push(meterQuality(meter, tunes, real));
      }
      reports.push({ name: names[index]!, meters });
    } finally {
      composer.dispose();
    }
  }
  return reports;
}

const f2 = (value: number): string => value.toFixed(2);

function lengths(side: SideFigures): string {
  return side.lengthShares
    .slice(0, 3)
    .map((entry) => `${entry.quarters}q ${f2(entry.share)}`)
    .join(', ');
}

/** Tab-separated lines: one header, then per model and meter a row for the tunes and one for the real songs. */
export function formatQualityReports(reports: readonly ModelQuality[]): string[] {
  const lines = [
    'Tune quality (generated with compose defaults vs the real songs of the meter; overlaps: 1 = the same mix)',
    ['model', 'meter', 'side', 'tunes', 'pitch-class', 'interval', 'length', 'repetition', 'longest same-bar run', 'notes/bar', 'final >= beat', 'final on downbeat', '... or mid-bar', 'ends on tonic', 'copied bars', 'commonest lengths'].join('\t'),
  ];
  for (const report of reports) {
    for (const meter of report.meters) {
      const row = (side: 'tunes' | 'real', figures: SideFigures): string =>
        [
          report.name,
          meter.meter,
          side,
          figures.tunes,
          side === 'tunes' ? f2(meter.overlap.pitchClass) : '',
          side === 'tunes' ? f2(meter.overlap.interval) : '',
          side === 'tunes' ? f2(meter.overlap.length) : '',
          f2(figures.repetition),
          `${f2(figures.longestIdenticalRun.mean)} (max ${figures.longestIdenticalRun.max})`,
          f2(figures.notesPerBar),
          f2(figures.finalAtLeastBeat),
          f2(figures.finalOnDownbeat),
          f2(figures.finalOnDownbeatOrMid),
          f2(figures.endsOnTonic),
          f2(figures.copiedBars),
          lengths(figures),
        ].join('\t');
      lines.push(row('tunes', meter.generated), row('real', meter.real));
    }
  }
  return lines;
}
