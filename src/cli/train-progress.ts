// What `folkbot train` shows at a terminal: a progress bar for the epoch with loss, speed, the epoch's ETA and
// the whole run's, and the log lines printed above the bar in human form (cli-progress's MultiBar log buffer),
// so that no log line is drawn over (the interrupt message was). Not for pipes and files: they get JSON logs.
import { MultiBar, type SingleBar } from 'cli-progress';
import type { Logger } from 'pino';
import type { TrainingEvent } from '../model/training/train.js';
import { terminalLogger } from '../util/logger.js';

type BatchEvent = Extract<TrainingEvent, { kind: 'batch' }>;

export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/**
 * Seconds until the last epoch ends at the current speed: what is left of this epoch plus the remaining
 * epochs' batches (validation and early stopping not foreseen), capped by the time limit when there is one.
 */
export function overallEtaSeconds(event: BatchEvent, secondsPerBatch: number, secondsToDeadline = Infinity): number {
  const later = Math.max(0, event.epochs - event.epoch) * event.batches * secondsPerBatch;
  return Math.min(event.epochEtaSeconds + later, Math.max(0, secondsToDeadline));
}

export interface TrainProgressOptions {
  /** Where the bar goes (a TTY: process.stderr). */
  readonly stream: NodeJS.WritableStream & { readonly isTTY?: boolean };
  /** When --max-minutes stops the run (ms since the epoch), if it does. */
  readonly deadline?: number;
  readonly colorize?: boolean;
}

export class TrainProgress {
  private bars: MultiBar | null = null;
  private bar: SingleBar | null = null;
  private secondsPerBatch = Number.NaN;
  /** The logger whose lines go above the bar. */
  readonly log: Logger;

  constructor(private readonly options: TrainProgressOptions) {
    this.log = terminalLogger((text) => this.write(text), options.colorize ?? false);
  }

  /** Text printed above the bar while it runs, straight to the stream otherwise. */
  write(text: string): void {
    if (this.bars) this.bars.log(text.endsWith('\n') ? text : `${text}\n`);
    else this.options.stream.write(text);
  }

  batch(event: BatchEvent): void {
    if (event.batch < event.batches) this.secondsPerBatch = event.epochEtaSeconds / (event.batches - event.batch);
    const deadline = this.options.deadline === undefined ? Infinity : (this.options.deadline - Date.now()) / 1000;
    const payload = {
      epoch: `${event.epoch}/${event.epochs}`,
      loss: event.loss.toFixed(3),
      accuracy: event.accuracy.toFixed(3),
      speed: Math.round(event.targetsPerSecond),
      epochEta: formatSeconds(event.epochEtaSeconds),
      totalEta: formatSeconds(overallEtaSeconds(event, this.secondsPerBatch, deadline)),
      elapsed: formatSeconds(event.elapsedSeconds),
    };
    if (this.bar === null) {
      this.bars = new MultiBar({
        stream: this.options.stream as NodeJS.WriteStream,
        format: 'epoch {epoch} |{bar}| {value}/{total} loss {loss} acc {accuracy} {speed} tok/s ETA epoch {epochEta} all {totalEta} elapsed {elapsed}',
        hideCursor: true,
        noTTYOutput: false,
        linewrap: false,
      });
      this.bar = this.bars.create(event.batches, event.batch, payload);
    } else {
      this.bar.setTotal(event.batches);
      this.bar.update(event.batch, payload);
    }
  }

  /** Ends the bar (before validation, at the end): pending log lines are printed first. */
  stop(): void {
    if (!this.bars) return;
    this.bars.update();
    this.bars.stop();
    this.bars = null;
    this.bar = null;
  }
}
