/**
 * The bearer token of `--metrics-token-file`: one line, read at start and again on reload.
 * Its value is never printed; messages name the file and what is wrong with it.
 */
import { readFile } from 'node:fs/promises';
import { TesseraError } from '../errors.js';

/** Shorter tokens could be guessed by a scraper's neighbours; 16 characters is 80+ bits. */
const MIN_LENGTH = 16;
const MAX_BYTES = 4096;

export async function readMetricsToken(file: string): Promise<Buffer> {
  const invalid = (reason: string): TesseraError =>
    new TesseraError('usage', `--metrics-token-file ${file}: ${reason}`, {
      field: 'metrics-token-file',
    });
  let raw: Buffer;
  try {
    raw = await readFile(file);
  } catch (err) {
    throw invalid(`cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (raw.length > MAX_BYTES)
    throw invalid(`expected one line of a token, not ${String(raw.length)} bytes`);
  const token = raw.toString('utf8').trim();
  if (token === '') throw invalid('is empty, expected a token');
  // HTTP's Authorization header carries it as one word of visible ASCII.
  if (!/^[\x21-\x7e]+$/.test(token))
    throw invalid('expected one word of visible ASCII characters (no spaces, no line breaks)');
  if (token.length < MIN_LENGTH)
    throw invalid(
      `expected at least ${String(MIN_LENGTH)} characters, found ${String(token.length)}`,
    );
  return Buffer.from(token);
}
