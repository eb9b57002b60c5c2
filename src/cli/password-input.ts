/**
 * Reading a password on the command line: from the terminal without echo (a new one asked
 * twice), or from standard input for scripts (its first line). Never from an argument, where `ps`
 * and the shell's history would show it.
 */
import { TesseraError } from '../errors.js';

/** The most a password read from standard input may be, with room for a newline. */
const MAX_INPUT = 4096;

export async function readNewPassword(prompt: (text: string) => void): Promise<string> {
  if (process.stdin.isTTY) {
    const first = await readHidden(prompt, 'Enter new password: ');
    const second = await readHidden(prompt, 'Retype new password: ');
    if (first !== second) throw new TesseraError('usage', 'passwords do not match');
    return first;
  }
  return firstLine(await readAll());
}

/**
 * A password to check, as Proxmox's PVE::PTY::read_password reads it: asked once at a
 * terminal, without echo; otherwise the first line of standard input.
 */
export async function readPassword(
  prompt: (text: string) => void,
  question = 'Enter password: ',
): Promise<string> {
  if (process.stdin.isTTY) return readHidden(prompt, question);
  const text = await readAll();
  if (text === '') throw new TesseraError('usage', 'EOF while reading password');
  return firstLine(text);
}

function firstLine(text: string): string {
  const end = text.search(/\r?\n/);
  return end < 0 ? text : text.slice(0, end);
}

async function readAll(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_INPUT)
      throw new TesseraError('usage', `standard input holds more than ${String(MAX_INPUT)} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** One line typed at the terminal, not echoed; Ctrl-C or Ctrl-D gives up. */
function readHidden(prompt: (text: string) => void, question: string): Promise<string> {
  const stdin = process.stdin;
  // Echo off before the question: an answer typed (or sent) at once must not show.
  stdin.setRawMode(true);
  prompt(question);
  return new Promise((resolve, reject) => {
    let typed = '';
    const done = (err?: Error): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      prompt('\n');
      if (err) reject(err);
      else resolve(typed);
    };
    const onData = (data: Buffer): void => {
      for (const char of data.toString('utf8')) {
        if (char === '\r' || char === '\n') {
          done();
          return;
        }
        if (char === '\u0003' || char === '\u0004') {
          done(new TesseraError('usage', 'no password given'));
          return;
        }
        if (char === '\u007f' || char === '\b') typed = Array.from(typed).slice(0, -1).join('');
        else if (typed.length < MAX_INPUT) typed += char;
      }
    };
    stdin.resume();
    stdin.on('data', onData);
  });
}
