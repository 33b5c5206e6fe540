// Typed errors of the music core: each says where the input went wrong, what was wrong and what is accepted.

/** A **kern file that cannot be read as one monophonic melody. */
export class KernParseError extends Error {
  override readonly name = 'KernParseError';
  /** The file (or other origin) being parsed. */
  readonly source: string;
  /** 1-based line number of the offending line (0 when the problem concerns the file as a whole). */
  readonly line: number;
  /** The offending token ('' when none). */
  readonly token: string;
  /** A short, stable category for reports ("multiple spines", "chord", "unknown signifier"...). */
  readonly reason: string;

  constructor(source: string, line: number, token: string, reason: string, detail: string) {
    const where = line > 0 ? `${source}:${line}` : source;
    const what = token === '' ? '' : ` in token "${token}"`;
    super(`${where}: ${reason}${what}: ${detail}`);
    this.source = source;
    this.line = line;
    this.token = token;
    this.reason = reason;
  }
}

/** A compose seed that cannot be read (see ./seed.ts for the syntax). */
export class SeedError extends Error {
  override readonly name = 'SeedError';
  /** 1-based index of the offending token among the seed's tokens (0 when the seed as a whole is at fault). */
  readonly position: number;
  /** 1-based column of the offending token in the seed text (0 when the seed as a whole is at fault). */
  readonly column: number;
  readonly token: string;

  constructor(position: number, column: number, token: string, message: string) {
    super(message);
    this.position = position;
    this.column = column;
    this.token = token;
  }
}

/** A key name that cannot be read (see keyFromName in ./key.ts). */
export class KeyNameError extends Error {
  override readonly name = 'KeyNameError';
}

/** An instrument name or number that is not a General MIDI program (see ./instruments.ts). */
export class InstrumentError extends Error {
  override readonly name = 'InstrumentError';
}

/**
 * A seed file (ABC, **kern, MIDI, MusicXML) that cannot be read as a melody: the message names the file and says
 * what was wrong and what is accepted.
 */
export class SeedFileError extends Error {
  override readonly name = 'SeedFileError';
  constructor(
    /** The file's name as the user gave it. */
    readonly file: string,
    message: string,
  ) {
    super(message);
  }
}
