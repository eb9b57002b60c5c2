/**
 * A temporary data directory for commands run in-process (runCli, openStore), which read
 * `$TESSERA_DATA_DIR` from this process's environment.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TemporaryDataDir {
  readonly path: string;
  /** Deletes the directory and puts `$TESSERA_DATA_DIR` back as it was. */
  remove(): void;
}

/** Makes an empty directory and points `$TESSERA_DATA_DIR` at it. */
export function useTemporaryDataDir(prefix = 'tessera-data-'): TemporaryDataDir {
  const saved = process.env['TESSERA_DATA_DIR'];
  const path = mkdtempSync(join(tmpdir(), prefix));
  process.env['TESSERA_DATA_DIR'] = path;
  return {
    path,
    remove() {
      rmSync(path, { recursive: true, force: true });
      if (saved === undefined) delete process.env['TESSERA_DATA_DIR'];
      else process.env['TESSERA_DATA_DIR'] = saved;
    },
  };
}
