import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { LOG_BUFFER_BYTES, LogFile } from './log-file.js';

describe('LogFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-log-file-'));
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('on a full disk reports once, drops lines and never throws', async () => {
    const errors: string[] = [];
    const log = new LogFile('/dev/full', (err) =>
      errors.push(String((err as { code?: string }).code)),
    );
    for (let i = 0; i < 50; i += 1) {
      log.write(`line ${String(i)}\n`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await log.close();
    assert.deepEqual(errors, ['ENOSPC']);
  });

  it('keeps at most its bound waiting for a disk that does not take it, and says what it dropped', async () => {
    // A FIFO nobody reads: opening it for writing waits, so every line waits in memory.
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const log = new LogFile(fifo);
    const line = `${'x'.repeat(1023)}\n`;
    const lines = Math.ceil((2 * LOG_BUFFER_BYTES) / line.length);
    for (let i = 0; i < lines; i += 1) log.write(line);
    const reader = createReadStream(fifo);
    let text = '';
    reader.on('data', (chunk) => (text += chunk.toString()));
    const read = new Promise<void>((resolve) => {
      reader.on('end', () => {
        resolve();
      });
    });
    // Once the disk takes lines again, the next line first says how many were dropped.
    await new Promise((resolve) => setTimeout(resolve, 0));
    while (text.length < LOG_BUFFER_BYTES - line.length)
      await new Promise((resolve) => setTimeout(resolve, 10));
    log.write('after\n');
    await log.close();
    await read;
    const kept = text.split('\n').filter((l) => l === line.trimEnd()).length;
    assert.ok(kept * line.length <= LOG_BUFFER_BYTES, `${String(kept)} lines kept`);
    assert.equal(kept, Math.floor(LOG_BUFFER_BYTES / line.length));
    assert.match(
      text,
      new RegExp(
        `tessera: ${String(lines - kept)} line\\(s\\) dropped while the disk did not keep up\nafter\n$`,
      ),
    );
  });

  it('reopens its path: lines before go to the moved file, lines after to the new one', async () => {
    const path = join(dir, 'a.log');
    const log = new LogFile(path);
    log.write('one\n');
    // logrotate moves a file that exists.
    while (!existsSync(path) || readFileSync(path, 'utf8') === '')
      await new Promise((resolve) => setTimeout(resolve, 5));
    execFileSync('mv', [path, `${path}.1`]);
    log.write('two\n');
    await log.reopen();
    log.write('three\n');
    await log.close();
    assert.equal(readFileSync(`${path}.1`, 'utf8'), 'one\ntwo\n');
    assert.equal(readFileSync(path, 'utf8'), 'three\n');
  });
});
