// What a folder of **kern songs holds, built from parse outcomes (the file walking is the caller's): how many
// files parse, why the others fail, which songs a training filter keeps and why it drops the rest, and what the
// kept songs contain (notes, meters, modes, pitch range, durations).
import { trainingFilter } from './filter.js';
import type { FilterPolicy } from './filter.js';
import { midiName } from './pitch.js';
import { TICKS_PER_QUARTER } from './types.js';
import type { Melody } from './types.js';

/** The result of reading one file: a melody, or why it could not be read. */
export type ParseOutcome =
  | { readonly file: string; readonly melody: Melody }
  | { readonly file: string; readonly failure: { readonly reason: string; readonly message: string } };

/** Counts by name, most frequent first (an array: object keys like '1' and '2' would lose this order). */
export type Counts = readonly { readonly name: string; readonly count: number }[];

export interface DatasetReport {
  readonly filter: FilterPolicy;
  readonly files: number;
  readonly parsed: number;
  readonly failed: number;
  /** Failure counts by reason, most frequent first. */
  readonly failedByReason: Counts;
  /** Every failure's message (file, line, token, what is wrong). */
  readonly failures: readonly { readonly file: string; readonly message: string }[];
  readonly kept: number;
  readonly dropped: number;
  readonly droppedByReason: Counts;
  /** The statistics below describe the kept songs. */
  readonly notes: number;
  readonly rests: number;
  readonly graceNotes: number;
  /** Songs by meter used anywhere in them ('4/4', 'free'), most frequent first. */
  readonly meters: Counts;
  readonly modes: Counts;
  readonly keySources: Counts;
  readonly pitchRange: { readonly lowest: number; readonly highest: number } | null;
  /** Notes and rests by length in quarter notes ('1', '1/2', '3/2', '1/3'), most frequent first. */
  readonly durations: Counts;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** A length in ticks as a fraction of a quarter note: 480 -> '1/2', 1440 -> '3/2', 960 -> '1', 0 -> '0'. */
export function quarterFraction(ticks: number): string {
  if (ticks === 0) return '0';
  const divisor = gcd(ticks, TICKS_PER_QUARTER);
  const numerator = ticks / divisor;
  const denominator = TICKS_PER_QUARTER / divisor;
  return denominator === 1 ? String(numerator) : `${numerator}/${denominator}`;
}

function sortedCounts(counts: Map<string, number>): Counts {
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([name, count]) => ({ name, count }));
}

function increment(counts: Map<string, number>, key: string, by = 1): void {
  counts.set(key, (counts.get(key) ?? 0) + by);
}

export function buildDatasetReport(outcomes: readonly ParseOutcome[], filter: FilterPolicy): DatasetReport {
  const failedByReason = new Map<string, number>();
  const droppedByReason = new Map<string, number>();
  const failures: { file: string; message: string }[] = [];
  const meters = new Map<string, number>();
  const modes = new Map<string, number>();
  const keySources = new Map<string, number>();
  const durations = new Map<string, number>();
  let parsed = 0;
  let kept = 0;
  let notes = 0;
  let rests = 0;
  let graceNotes = 0;
  let lowest = Infinity;
  let highest = -Infinity;
  for (const outcome of outcomes) {
    if ('failure' in outcome) {
      increment(failedByReason, outcome.failure.reason);
      failures.push({ file: outcome.file, message: outcome.failure.message });
      continue;
    }
    parsed++;
    const melody = outcome.melody;
    const dropReason = trainingFilter(melody, filter);
    if (dropReason !== null) {
      increment(droppedByReason, dropReason);
      continue;
    }
    kept++;
    const meterNames = new Set(
      melody.meters.map((change) => (change.meter === null ? 'free' : `${change.meter.numerator}/${change.meter.denominator}`)),
    );
    for (const name of meterNames) increment(meters, name);
    increment(modes, melody.key.mode);
    increment(keySources, melody.keySource);
    for (const event of melody.events) {
      if (event.kind === 'rest') rests++;
      else if (event.grace === true) graceNotes++;
      else notes++;
      if (event.kind === 'note') {
        lowest = Math.min(lowest, event.pitch);
        highest = Math.max(highest, event.pitch);
      }
      if (event.duration > 0) increment(durations, quarterFraction(event.duration));
    }
  }
  return {
    filter,
    files: outcomes.length,
    parsed,
    failed: outcomes.length - parsed,
    failedByReason: sortedCounts(failedByReason),
    failures,
    kept,
    dropped: parsed - kept,
    droppedByReason: sortedCounts(droppedByReason),
    notes,
    rests,
    graceNotes,
    meters: sortedCounts(meters),
    modes: sortedCounts(modes),
    keySources: sortedCounts(keySources),
    pitchRange: lowest <= highest ? { lowest, highest } : null,
    durations: sortedCounts(durations),
  };
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)}%`;
}

function countLines(entries: Counts, whole: number, limit = Infinity): string[] {
  const shown = entries.slice(0, limit).map(({ name, count }) => `    ${name.padEnd(24)} ${String(count).padStart(7)}  ${percent(count, whole)}`);
  if (entries.length > limit) shown.push(`    ... ${entries.length - limit} more`);
  return shown;
}

/** The report as text for a terminal. At most `failureLimit` failure messages are listed. */
export function formatDatasetReport(report: DatasetReport, failureLimit = 20): string {
  const lines: string[] = [];
  lines.push(`files     ${report.files}`);
  lines.push(`parsed    ${report.parsed}  (${percent(report.parsed, report.files)})`);
  lines.push(`failed    ${report.failed}`);
  lines.push(...countLines(report.failedByReason, report.files));
  for (const failure of report.failures.slice(0, failureLimit)) lines.push(`      ${failure.message}`);
  if (report.failures.length > failureLimit) lines.push(`      ... ${report.failures.length - failureLimit} more failures (--json lists all)`);
  lines.push(`filter    ${report.filter}`);
  lines.push(`kept      ${report.kept}  (${percent(report.kept, report.parsed)} of parsed songs)`);
  lines.push(`dropped   ${report.dropped}`);
  lines.push(...countLines(report.droppedByReason, report.parsed));
  lines.push('kept songs:');
  lines.push(`  notes   ${report.notes} (+ ${report.graceNotes} grace notes), rests ${report.rests}`);
  if (report.pitchRange) {
    const { lowest, highest } = report.pitchRange;
    lines.push(`  pitch range  MIDI ${lowest}..${highest} (${midiName(lowest)}..${midiName(highest)})`);
  }
  lines.push('  modes (songs)');
  lines.push(...countLines(report.modes, report.kept));
  lines.push('  key from (songs)');
  lines.push(...countLines(report.keySources, report.kept));
  lines.push('  meters (songs using them)');
  lines.push(...countLines(report.meters, report.kept));
  lines.push('  durations in quarter notes (notes and rests)');
  lines.push(...countLines(report.durations, report.notes + report.rests));
  return lines.join('\n');
}
