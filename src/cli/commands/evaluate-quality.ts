// The tune-quality part of `folkbot evaluate --generate N`: N tunes per common meter, composed exactly as
// `folkbot compose` does with its default options (no seed, 16 bars, random seeds 1..N), set against the songs of
// the split of that meter (src/model/scoring/tune-quality.ts), and its table. For a multi-style model: N tunes per
// style, in the meters of the style's songs of the split as they share them out, set against those songs, with the
// style check (does the style classifier hear the tunes as the style as often as the real songs?); and the per-meter
// report of its default style (the first, german) against that style's songs.
import { Composer } from '../../compose/composer.js';
import { meterKey, meterQuality, styleMeterPlan, styleQuality, type MeterQuality, type SideFigures, type StyleQuality } from '../../model/scoring/tune-quality.js';
import type { StyleClassifier } from '../../music/style-classifier.js';
import type { Melody, Meter } from '../../music/types.js';

export const QUALITY_METERS = ['2/4', '3/4', '4/4', '6/8'] as const;

export interface ModelQuality {
  readonly name: string;
  /** Per common meter: for a multi-style model, of its default style against that style's songs. */
  readonly meters: readonly MeterQuality[];
  /**
   * Per meter of `meters`, the training songs of that meter (of the default style, for a multi-style model) in the
   * tunes' place: how far real songs outside the split are from the split's songs, the most the tunes' overlaps
   * can be expected to reach when the split holds few songs of a meter. Empty when no training songs were given.
   */
  readonly training: readonly MeterQuality[];
  /** Per style, for a multi-style model (empty for one without). */
  readonly styles: readonly StyleQuality[];
}

function parse(text: string): Meter {
  const [numerator, denominator] = text.split('/').map(Number) as [number, number];
  return { numerator, denominator };
}

/**
 * The report for each model folder, on the songs given (the split; for a multi-style model labelled with their
 * styles). `classifier` is the style check for multi-style models: trained on songs outside the split, which
 * `training` holds (none: no training rows).
 */
export async function qualityReports(
  modelDirs: readonly string[],
  names: readonly string[],
  songs: readonly Melody[],
  tunesPerMeter: number,
  classifier: StyleClassifier | null = null,
  training: readonly Melody[] = [],
  temperature?: number,
): Promise<ModelQuality[]> {
  // compose's default unless given: `folkbot evaluate --temperature`.
  const at = temperature === undefined ? {} : { temperature };
  const reports: ModelQuality[] = [];
  for (const [index, dir] of modelDirs.entries()) {
    const composer = await Composer.open(dir, { render: false });
    try {
      if (composer.styles.length > 0) {
        if (classifier === null) throw new Error(`${dir} is a multi-style model: its tune-quality report needs a style classifier`);
        // The per-meter report too, for compose's default style (the first) against that style's songs.
        const defaultStyle = composer.styles[0]!.name;
        const ofStyle = (melodies: readonly Melody[]): Melody[] => melodies.filter((song) => song.style === defaultStyle);
        const meters = meterReports(composer, ofStyle(songs), tunesPerMeter, at);
        reports.push({ name: names[index]!, meters, training: trainingReports(meters, ofStyle(training), ofStyle(songs)), styles: styleReports(composer, songs, tunesPerMeter, classifier, at) });
        continue;
      }
      const meters = meterReports(composer, songs, tunesPerMeter, at);
      reports.push({ name: names[index]!, meters, training: trainingReports(meters, training, songs), styles: [] });
    } finally {
      composer.dispose();
    }
  }
  return reports;
}

/** The songs among `songs` that start in the meter written `text` ("2/4"). */
function inMeter(songs: readonly Melody[], text: string): Melody[] {
  return songs.filter((song) => {
    const first = song.meters[0]?.meter;
    return first !== null && first !== undefined && meterKey(first) === text;
  });
}

/** Per meter of `meters`: the training songs of the meter against the split's `songs` of the meter. */
function trainingReports(meters: readonly MeterQuality[], training: readonly Melody[], songs: readonly Melody[]): MeterQuality[] {
  if (training.length === 0) return [];
  return meters.map(({ meter: text }) => meterQuality(parse(text), inMeter(training, text), inMeter(songs, text)));
}

/** Per common meter the model composes in: `tunes` tunes with compose's defaults against `songs` of that meter. */
function meterReports(composer: Composer, songs: readonly Melody[], tunes: number, at: { temperature?: number }): MeterQuality[] {
  const meters: MeterQuality[] = [];
  for (const text of QUALITY_METERS) {
    if (!composer.meters.includes(text)) continue;
    const meter = parse(text);
    const real = inMeter(songs, text);
    const generated: Melody[] = [];
    for (let randomSeed = 1; randomSeed <= tunes; randomSeed++) generated.push(composer.composeMelody({ meter, randomSeed, ...at }).melody);
    meters.push(meterQuality(meter, generated, real));
  }
  return meters;
}

/**
 * Per style: its songs in the meters the model composes in (a song by the meter it starts in), and `tunes` tunes
 * in those meters as the songs share them out (random seeds 1..tunes), with compose's other defaults.
 */
function styleReports(composer: Composer, songs: readonly Melody[], tunes: number, classifier: StyleClassifier, at: { temperature?: number }): StyleQuality[] {
  return composer.styles.map(({ name }) => {
    const real: Melody[] = [];
    const counts = new Map<string, number>();
    for (const song of songs) {
      const first = song.meters[0]?.meter;
      if (song.style !== name || first === null || first === undefined || !composer.meters.includes(meterKey(first))) continue;
      real.push(song);
      counts.set(meterKey(first), (counts.get(meterKey(first)) ?? 0) + 1);
    }
    const generated: Melody[] = [];
    for (const [text, count] of styleMeterPlan(new Map([...counts].sort((a, b) => b[1] - a[1])), tunes)) {
      for (let i = 0; i < count; i++) generated.push(composer.composeMelody({ style: name, meter: parse(text), randomSeed: generated.length + 1, ...at }).melody);
    }
    return styleQuality(name, generated, real, classifier);
  });
}

const f2 = (value: number): string => value.toFixed(2);

function lengths(side: SideFigures): string {
  return side.lengthShares
    .slice(0, 3)
    .map((entry) => `${entry.quarters}q ${f2(entry.share)}`)
    .join(', ');
}

const pct = (value: number): string => `${(100 * value).toFixed(0)}%`;

function meterMix(meters: Readonly<Record<string, number>>): string {
  const total = Object.values(meters).reduce((a, b) => a + b, 0);
  return Object.entries(meters)
    .sort((a, b) => b[1] - a[1])
    .map(([meter, count]) => `${meter} ${pct(count / total)}`)
    .join(', ');
}

/** Tab-separated lines: one header, then per model and style a row for the tunes and one for the real songs. */
function formatStyleReports(reports: readonly ModelQuality[]): string[] {
  const styled = reports.filter((report) => report.styles.length > 0);
  if (styled.length === 0) return [];
  const lines = [
    'Tune quality per style (generated in each style, in the meters of its songs of the split, vs those songs; ' +
      'heard as the style: the style classifier\'s verdict, trained on the training songs; pentatonic: share of notes on degrees 1 2 3 5 6 of the key)',
    ['model', 'style', 'side', 'tunes', 'pitch-class', 'interval', 'length', 'heard as the style', 'else mostly', 'pentatonic', 'repetition', 'longest same-bar run', 'final on downbeat', 'ends on tonic', 'meters'].join('\t'),
  ];
  for (const report of styled) {
    for (const style of report.styles) {
      const row = (side: 'tunes' | 'real', figures: SideFigures): string => {
        const heard = side === 'tunes' ? style.check.generated : style.check.real;
        return [
          report.name,
          style.style,
          side,
          figures.tunes,
          ...overlapCells(side, style.overlap),
          f2(heard.share),
          heard.mostOftenElse === null ? '-' : `${heard.mostOftenElse.style} ${f2(heard.mostOftenElse.share)}`,
          f2(figures.pentatonicShare),
          f2(figures.repetition),
          `${f2(figures.longestIdenticalRun.mean)} (max ${figures.longestIdenticalRun.max})`,
          f2(figures.finalOnDownbeat),
          f2(figures.endsOnTonic),
          side === 'tunes' ? meterMix(style.meters) : '',
        ].join('\t');
      };
      lines.push(row('tunes', style.generated), row('real', style.real));
    }
  }
  return lines;
}

/** The pitch-class, interval and length overlap cells: on the tunes' (or training songs') row, empty on the real songs'. */
function overlapCells(side: 'tunes' | 'real' | 'training', overlap: MeterQuality['overlap']): string[] {
  return side !== 'real' ? [f2(overlap.pitchClass), f2(overlap.interval), f2(overlap.length)] : ['', '', ''];
}

/** Tab-separated lines: one header, then per model and meter a row for the tunes and one for the real songs. */
export function formatQualityReports(reports: readonly ModelQuality[]): string[] {
  const styleLines = formatStyleReports(reports);
  if (reports.every((report) => report.meters.length === 0)) return styleLines;
  const lines = [
    'Tune quality (generated with compose defaults vs the real songs of the meter; overlaps: 1 = the same mix; ' +
      'training: the training songs of the meter in the tunes\' place, the overlap real songs outside the split reach)',
    ['model', 'meter', 'side', 'tunes', 'pitch-class', 'interval', 'length', 'repetition', 'longest same-bar run', 'notes/bar', 'final >= beat', 'final on downbeat', '... or mid-bar', 'ends on tonic', 'copied bars', 'commonest lengths'].join('\t'),
  ];
  for (const report of reports) {
    for (const [index, meter] of report.meters.entries()) {
      const row = (side: 'tunes' | 'real' | 'training', figures: SideFigures, overlap = meter.overlap): string =>
        [
          report.name,
          meter.meter,
          side,
          figures.tunes,
          ...overlapCells(side, overlap),
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
      const training = report.training[index];
      if (training) lines.push(row('training', training.generated, training.overlap));
    }
  }
  return styleLines.length === 0 ? lines : [...lines, '', ...styleLines];
}
