// /compose's seed_file attachment: checked by name and size before anything is downloaded, then downloaded
// (bounded in time and bytes), read as a seed file and turned into the compose options, with what was taken in
// words for the reply. Every way it can fail is a SeedFileError or ComposeOptionError naming the file.
import { seededInput } from '../compose/seed-from-file.js';
import { SeedFileError } from '../music/errors.js';
import { checkSeedFileSize, readSeedFile, SEED_FILE_MAX_BYTES, SEED_FILE_TYPES, seedFileFormat } from '../music/formats/seed-file.js';
import { BARS, ComposeOptionError, KEY_CHOICES, SEED_MAX_LENGTH, toComposeOptions, type RawComposeOptions } from './compose-options.js';
import type { ComposeRequest } from './compose-service.js';

/** What the bot knows of an attachment before downloading it. */
export interface SeedAttachment {
  readonly name: string;
  readonly size: number;
  readonly url: string;
}

/** The longest a download may take: the reply is deferred by then, but a user should not wait on a stuck CDN. */
const DOWNLOAD_TIMEOUT_MS = 10_000;

/** Refuses, without downloading, an attachment whose name or size is wrong. */
export function checkSeedAttachment(file: SeedAttachment): void {
  if (seedFileFormat(file.name) === null) throw new SeedFileError(file.name, `${file.name} is not a file type folkbot reads as a seed: attach ${SEED_FILE_TYPES}`);
  checkSeedFileSize(file.name, file.size);
}

async function download(file: SeedAttachment): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(file.url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
  } catch {
    throw new SeedFileError(file.name, `${file.name} could not be downloaded from Discord; please try again`);
  }
  if (!response.ok) throw new SeedFileError(file.name, `${file.name} could not be downloaded from Discord (HTTP ${response.status}); please try again`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  // The size Discord announced was checked; the bytes that came are checked again.
  if (bytes.length > SEED_FILE_MAX_BYTES) checkSeedFileSize(file.name, bytes.length);
  return bytes;
}

/** The key choice for a tonic such as "Bb" or "F#" ("B-", "F#"), or undefined when /compose does not offer it. */
function keyChoice(tonic: string | undefined): string | undefined {
  const value = tonic?.replace(/b$/, '-');
  return KEY_CHOICES.some((choice) => choice.value === value) ? value : undefined;
}

/**
 * Downloads and reads the attachment and makes the compose options: the file's first bars as the seed (no longer
 * than the seed option allows), its meter, key and mode unless `raw` gives them.
 */
export async function seedOptionsFromAttachment(
  file: SeedAttachment,
  raw: RawComposeOptions,
  randomSeed: () => number,
  modelMeters: readonly string[] | undefined,
  modelStyles: readonly string[] = [],
): Promise<{ options: ComposeRequest; description: string }> {
  checkSeedAttachment(file);
  const read = readSeedFile(await download(file), file.name);
  let bars = raw.bars ?? BARS.default;
  let seeded = seededInput(read, file.name, { bars });
  // A seed as long as the seed option allows: fewer bars when the opening needs more characters.
  while (seeded.taken.seed.length > SEED_MAX_LENGTH && seeded.taken.bars > 1) {
    bars = Math.min(bars, 2 * seeded.taken.bars - 2);
    seeded = seededInput(read, file.name, { bars });
  }
  const meter = seeded.taken.meter === null ? undefined : `${seeded.taken.meter.numerator}/${seeded.taken.meter.denominator}`;
  try {
    const options = toComposeOptions(
      {
        ...raw,
        seed: seeded.taken.seed,
        meter: raw.meter ?? meter ?? null,
        key: raw.key ?? keyChoice(seeded.taken.key?.tonic) ?? null,
        mode: raw.mode ?? seeded.taken.mode ?? null,
      },
      randomSeed,
      modelMeters,
      modelStyles,
    );
    return { options, description: seeded.description };
  } catch (error) {
    if (error instanceof ComposeOptionError && error.option === 'meter' && raw.meter == null) {
      throw new ComposeOptionError('meter', `${file.name} is in ${meter ?? 'free meter'}, which /compose does not offer: choose a meter`);
    }
    throw error;
  }
}
