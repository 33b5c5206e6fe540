// Making a command's output folder, with one clear line when it cannot be made. Written by hand rather than with
// mkdir({ recursive: true }): that reports raw EACCES/ENOTDIR/EEXIST and, under a file system that refuses new
// entries without saying EACCES (/proc answers ENOENT), it retries for ever. Here the nearest existing ancestor is
// checked first and each missing folder is made once.
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { UsageError } from './command.js';

const REASONS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
  ENAMETOOLONG: 'the name is too long',
  ENOENT: 'the file system there does not allow new folders',
};

function reason(error: unknown): string {
  const code = (error as { code?: string }).code ?? '';
  return REASONS[code] ?? (code || String(error));
}

/** Makes `dir` and any missing parents; throws UsageError naming `option`, the folder and why it cannot be. */
export async function ensureOutputFolder(dir: string, option = '--out'): Promise<void> {
  const target = path.resolve(dir);
  const fail = (why: string): never => {
    throw new UsageError(`${option} ${dir}: cannot create the folder ${target}: ${why}`);
  };
  const missing: string[] = [];
  let existing = target;
  for (;;) {
    const stat = await fs.stat(existing).catch((error: unknown) => (['ENOENT', 'ENOTDIR'].includes((error as { code?: string }).code ?? '') ? null : fail(reason(error))));
    if (stat) {
      if (!stat.isDirectory()) fail(existing === target ? 'it exists and is a file, not a folder' : `${existing} is a file, not a folder`);
      break;
    }
    missing.unshift(existing);
    const parent = path.dirname(existing);
    if (parent === existing) fail('no part of the path exists');
    existing = parent;
  }
  if (missing.length === 0) {
    await fs.access(target, constants.W_OK).catch((error: unknown) => fail(`it cannot be written to (${reason(error)})`));
    return;
  }
  await fs.access(existing, constants.W_OK).catch((error: unknown) => fail(`${existing} cannot be written to (${reason(error)})`));
  for (const folder of missing) {
    await fs.mkdir(folder).catch((error: unknown) => {
      if ((error as { code?: string }).code !== 'EEXIST') fail(folder === target ? reason(error) : `${folder}: ${reason(error)}`);
    });
  }
}
