// The one error type of src/render: callers (CLI, bot) tell a bad input from a broken engine by `kind`.

export type RenderErrorKind =
  /** The **kern text could not be engraved (verovio rejected it, or it holds no music). */
  | 'kern'
  /** The notes handed to the audio renderer are not playable (bad pitch, negative time, ...). */
  | 'notes'
  /** An option is out of range (width, sample rate, bitrate, program). */
  | 'option'
  /** The SoundFont file is missing, unreadable or not a usable SoundFont. */
  | 'soundfont'
  /** An engine (verovio, resvg, the MP3 encoder) failed on input it should accept. */
  | 'engine';

export class RenderError extends Error {
  override readonly name = 'RenderError';

  constructor(
    readonly kind: RenderErrorKind,
    message: string,
    /** Messages the engine printed while failing (verovio/humlib diagnostics), verbatim. */
    readonly engineMessages: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
