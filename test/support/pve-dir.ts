/**
 * Temporary directories laid out like /etc/pve, for tests.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface PveDir {
  readonly path: string;
  write(file: string, text: string): void;
  remove(): void;
}

export function makePveDir(files: Record<string, string> = {}): PveDir {
  const path = mkdtempSync(join(tmpdir(), 'tessera-pve-'));
  const dir: PveDir = {
    path,
    write(file, text) {
      mkdirSync(dirname(join(path, file)), { recursive: true });
      writeFileSync(join(path, file), text);
    },
    remove() {
      rmSync(path, { recursive: true, force: true });
    },
  };
  for (const [file, text] of Object.entries(files)) dir.write(file, text);
  return dir;
}
