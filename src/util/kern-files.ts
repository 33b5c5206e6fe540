// File-system helpers for **kern collections: finding .krn files and reading them as text.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every `.krn` file under `dir` (recursively), sorted by path so that runs are reproducible. */
export function findKernFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && entry.name.toLowerCase().endsWith('.krn')) found.push(path);
    }
  };
  walk(dir);
  return found.sort();
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A kern file's text: UTF-8 when it is valid UTF-8, else Latin-1 (many Essen files are Latin-1). */
export function readKernText(path: string): string {
  const bytes = readFileSync(path);
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}
