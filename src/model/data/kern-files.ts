// Finding the **kern files of a corpus folder.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** Every .krn file under `dir`, as sorted paths relative to it with `/` separators. */
export function listKernFiles(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`data folder ${dir} does not exist or is not a folder`);
  const found: string[] = [];
  const walk = (relative: string): void => {
    for (const entry of readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile() && entry.name.toLowerCase().endsWith('.krn')) found.push(child);
    }
  };
  walk('');
  return found.sort();
}
