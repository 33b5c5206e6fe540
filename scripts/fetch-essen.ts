// Downloads the Essen Folksong Collection (CCARH) and unpacks its **kern files into a local folder.
//
//   npm run fetch-essen -- [--out data/essen] [--archive URL_OR_FILE]
//
// The collection's licence allows research use only and forbids redistribution: the files go into a folder that
// git ignores (data/ by default) and must never be committed. The archive can be a local .tar.gz (for offline
// machines, and for the tests) or a URL.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, rename, stat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { extract } from 'tar';
import { logger } from '../src/util/logger.js';

export const ESSEN_ARCHIVE_URL = 'https://github.com/ccarh/essen-folksong-collection/archive/HEAD.tar.gz';

export interface FetchEssenOptions {
  /** URL (http/https) or path of a .tar.gz of the collection's repository. */
  readonly archive: string;
  /** Folder that receives europa/, asia/, ... and license.txt. Replaced atomically when complete. */
  readonly out: string;
  readonly onProgress?: (message: string) => void;
}

export interface FetchEssenResult {
  readonly out: string;
  readonly krnFiles: number;
}

export class FetchEssenError extends Error {
  override readonly name = 'FetchEssenError';
}

async function download(url: string, file: string, onProgress?: (message: string) => void): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'follow' });
  } catch (error) {
    throw new FetchEssenError(`could not reach ${url}: ${(error as Error).message}. On an offline machine, download the archive elsewhere and pass --archive FILE.`);
  }
  if (!response.ok || !response.body) {
    throw new FetchEssenError(`downloading ${url} failed: HTTP ${response.status} ${response.statusText}`);
  }
  let received = 0;
  let lastReport = 0;
  const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  body.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received - lastReport > 2_000_000) {
      lastReport = received;
      onProgress?.(`downloaded ${(received / 1e6).toFixed(1)} MB`);
    }
  });
  await pipeline(body, createWriteStream(file));
}

async function countKern(dir: string): Promise<number> {
  let count = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.krn')) count += 1;
  }
  return count;
}

/** Downloads (or reads) the archive and unpacks the .krn files and the licence, dropping the top folder. */
export async function fetchEssen(options: FetchEssenOptions): Promise<FetchEssenResult> {
  const out = path.resolve(options.out);
  // Work beside the destination so the final rename stays on one file system.
  await mkdir(path.dirname(out), { recursive: true });
  const work = await mkdtemp(path.join(path.dirname(out), '.fetch-essen-'));
  try {
    let archiveFile = options.archive;
    if (/^https?:\/\//.test(options.archive)) {
      archiveFile = path.join(work, 'essen.tar.gz');
      options.onProgress?.(`downloading ${options.archive}`);
      await download(options.archive, archiveFile, options.onProgress);
    } else {
      const info = await stat(archiveFile).catch(() => null);
      if (!info?.isFile()) throw new FetchEssenError(`archive ${archiveFile} does not exist or is not a file`);
    }
    const unpacked = path.join(work, 'unpacked');
    await mkdir(unpacked);
    options.onProgress?.('unpacking');
    try {
      await pipeline(
        createReadStream(archiveFile),
        extract({
          cwd: unpacked,
          strip: 1,
          filter: (entryPath) => /\.krn$|(^|\/)(license|README|titles)\.txt$/.test(entryPath),
        }),
      );
    } catch (error) {
      throw new FetchEssenError(`${archiveFile} is not a readable .tar.gz archive: ${(error as Error).message}`);
    }
    const krnFiles = await countKern(unpacked);
    if (krnFiles === 0) throw new FetchEssenError(`${archiveFile} holds no .krn files: is it the Essen collection?`);
    await rm(out, { recursive: true, force: true });
    await rename(unpacked, out);
    return { out, krnFiles };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      out: { type: 'string', default: 'data/essen' },
      archive: { type: 'string', default: ESSEN_ARCHIVE_URL },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write('Usage: npm run fetch-essen -- [--out data/essen] [--archive URL_OR_FILE.tar.gz]\n');
    return 0;
  }
  const log = logger();
  try {
    const result = await fetchEssen({ archive: values.archive, out: values.out, onProgress: (m) => log.info(m) });
    log.info({ out: result.out, krnFiles: result.krnFiles }, 'Essen collection ready (CCARH licence: research use only, no redistribution)');
    return 0;
  } catch (error) {
    if (error instanceof FetchEssenError) {
      process.stderr.write(`fetch-essen: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
