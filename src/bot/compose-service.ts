// What the bot needs from the compose pipeline, as an interface so the bot can run on the real pipeline
// (./model-compose-service.ts), on a pool of worker threads (./compose-pool.ts), or on a fake in tests.
import type { AudioCodec } from '../compose/compose-options.js';
import type { ComposeOptions, ComposeResult } from '../compose/types.js';
import type { Meter } from '../music/types.js';

/**
 * What the bot asks to compose: ComposeOptions, whose meter may be left to the model (undefined: a style's usual
 * meter, for a model with styles; 4/4 for one without), as the composer does for a request without one.
 */
export type ComposeRequest = Omit<ComposeOptions, 'meter'> & { readonly meter?: Meter };

/** A style of the loaded model, as /compose offers it and /about lists it. */
export interface ModelStyle {
  readonly name: string;
  /** One line: what the style is and where its songs come from. */
  readonly description: string;
  /** The songs it was learnt from and checked on. */
  readonly songs: number;
  /** Its songs' most common meter ("2/4"), the default when a request gives none. */
  readonly usualMeter: string;
}

/** What /about shows. Figures the model folder does not record are left out. */
export interface ModelInfo {
  readonly name: string;
  /** The training data, in words ("Essen Folksong Collection: 6,000 European songs"). */
  readonly data: string;
  /** Trainable parameters. */
  readonly parameters?: number;
  /** Validation figures by name, e.g. { 'loss': 1.23, 'accuracy': 0.61 }. */
  readonly validation: Readonly<Record<string, number>>;
  /** The tfjs backend that runs it (wasm, cpu, tensorflow). */
  readonly backend: string;
  /** The folder it was loaded from. */
  readonly dir: string;
  /** The meters it composes in ("3/4"), when known: /compose and /help offer only these. */
  readonly meters?: readonly string[];
  /** Its styles, in the order it offers them (the first is the default); absent or empty for a model without styles. */
  readonly styles?: readonly ModelStyle[];
  /** What the folder loaded with but deserves a word (no weights checksum); logged, and shown on /reload-model. */
  readonly warnings?: readonly string[];
}

export interface ComposeService {
  compose(options: ComposeRequest): Promise<ComposeResult>;
  modelInfo(): ModelInfo;
  /** Loads the model in `dir` and switches to it; rejects (keeping the old one) when it cannot be loaded. */
  reload(dir: string): Promise<ModelInfo>;
  /** Releases threads/memory; optional. */
  close?(): Promise<void>;
}

/** Deployment settings a compose service is created with. */
export interface ComposeServiceSettings {
  /** Codec of the audio previews (FOLKBOT_AUDIO). */
  readonly audio: AudioCodec;
}

/** A module that a compose worker loads: it exports `createComposeService`. */
export interface ComposeServiceModule {
  createComposeService(modelDir: string, settings: ComposeServiceSettings): Promise<ComposeService>;
}

/**
 * Errors that are the user's doing: the seed parser's SeedError and the pipeline's ComposeOptionError. They are
 * recognised by name because they cross a worker-thread boundary, where classes are lost.
 */
export const USER_INPUT_ERROR_NAMES: ReadonlySet<string> = new Set(['SeedError', 'ComposeOptionError', 'SeedFileError']);

/** An error as it travels from a worker to the bot: plain data. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly position?: number;
  readonly token?: string;
  readonly stack?: string;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const extra = error as Error & { position?: unknown; token?: unknown };
    return {
      name: error.name,
      message: error.message,
      ...(typeof extra.position === 'number' ? { position: extra.position } : {}),
      ...(typeof extra.token === 'string' ? { token: extra.token } : {}),
      ...(error.stack ? { stack: error.stack } : {}),
    };
  }
  return { name: 'Error', message: String(error) };
}

/** A compose failure re-created on the bot's side of a worker boundary, keeping the original name and fields. */
export class ComposeFailure extends Error {
  readonly position?: number;
  readonly token?: string;
  readonly originalName: string;

  constructor(serialized: SerializedError) {
    super(serialized.message);
    this.name = serialized.name;
    this.originalName = serialized.name;
    if (serialized.position !== undefined) this.position = serialized.position;
    if (serialized.token !== undefined) this.token = serialized.token;
    if (serialized.stack) this.stack = serialized.stack;
  }
}

/** True for a SeedError or ComposeOptionError, thrown here or re-created from a worker. */
export function isUserInputError(error: unknown): error is Error & { position?: number; token?: string } {
  return error instanceof Error && USER_INPUT_ERROR_NAMES.has(error.name);
}
