// `folkbot dataset`: what a folder of **kern songs holds and what a training filter keeps of it.
import { existsSync, statSync } from 'node:fs';
import { parseOptions, UsageError, type CliCommand } from '../command.js';
import { KernParseError } from '../../music/errors.js';
import { FILTER_POLICIES, type FilterPolicy } from '../../music/filter.js';
import { buildDatasetReport, formatDatasetReport, type ParseOutcome } from '../../music/dataset-report.js';
import { parseKern } from '../../music/kern-parse.js';
import { findKernFiles, readKernText } from '../../util/kern-files.js';

const usage = `Usage: folkbot dataset --data DIR [--filter default|reference] [--json]

Reads every .krn file under DIR (recursively) and prints: files, parsed, failed (by reason, with file, line and
token), songs kept and dropped (by reason) under the training filter, and for the kept songs: notes, rests,
meters, modes, pitch range and note/rest durations.

Options:
  --data DIR       folder of **kern files (required), e.g. ../shared/data/essen/europa
  --filter NAME    default (keeps all but songs in free meter throughout, too short or long, or out of range)
                   | reference (only durations of 1/4, 1/2, 3/4, 1, 3/2, 2, 3, 4 quarter notes) (default: default)
  --json           print the report as one JSON object (every failure listed)`;

function readOutcome(file: string): ParseOutcome {
  try {
    return { file, melody: parseKern(readKernText(file), file) };
  } catch (error) {
    if (error instanceof KernParseError) return { file, failure: { reason: error.reason, message: error.message } };
    // A reader bug on one file must not hide the report on the others: it is counted under its own reason.
    const name = error instanceof Error ? error.name : 'error';
    const message = error instanceof Error ? error.message : String(error);
    return { file, failure: { reason: `unexpected ${name}`, message: `${file}: ${name}: ${message}` } };
  }
}

export const command: CliCommand = {
  name: 'dataset',
  summary: 'statistics of a folder of **kern songs and what the training filter keeps',
  usage,
  async run(argv) {
    const values = parseOptions(argv, {
      data: { type: 'string' },
      filter: { type: 'string', default: 'default' },
      json: { type: 'boolean', default: false },
    });
    const data = values.data;
    if (data === undefined || data === '') throw new UsageError('--data DIR is required (a folder of .krn files)');
    if (!existsSync(data) || !statSync(data).isDirectory()) throw new UsageError(`--data ${data}: no such folder`);
    const filter = values.filter;
    if (!FILTER_POLICIES.includes(filter as FilterPolicy)) {
      throw new UsageError(`--filter must be one of ${FILTER_POLICIES.join(', ')}, got "${filter}"`);
    }
    const files = findKernFiles(data);
    if (files.length === 0) throw new UsageError(`--data ${data}: no .krn files found under it`);
    const report = buildDatasetReport(files.map(readOutcome), filter as FilterPolicy);
    process.stdout.write((values.json ? JSON.stringify(report, null, 2) : formatDatasetReport(report)) + '\n');
    return 0;
  },
};
