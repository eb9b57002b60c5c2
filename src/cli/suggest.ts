/**
 * What the user probably meant by a command that does not exist: the commands whose words
 * are each within a typo or two of the typed ones (`usr tfa lst`: `user tfa list`), else a
 * command group whose name is close (`usr`: the `user` commands).
 */
import { COMMANDS } from './commands.js';
import { PVEUM_ALIASES, PVEUM_COMMANDS } from './pveum/table.js';

/** Every command's words: Tessera's, pveum's and pveum's aliases. */
function allWords(): (readonly string[])[] {
  return [
    ...COMMANDS.map((c) => c.words),
    ...PVEUM_COMMANDS.map((c) => c.words),
    ...Object.keys(PVEUM_ALIASES).map((alias) => alias.split(' ')),
  ];
}

/** Edits (insert, delete, replace, swap two neighbours) from `a` to `b`. */
export function editDistance(a: string, b: string): number {
  const cols = b.length + 1;
  // One row after another in a flat array: d[i * cols + j] is the distance of the prefixes.
  const d = new Uint16Array((a.length + 1) * cols);
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i <= a.length; i++) {
    d[i * cols] = i;
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        (d[(i - 1) * cols + j] ?? 0) + 1,
        (d[i * cols + j - 1] ?? 0) + 1,
        (d[(i - 1) * cols + j - 1] ?? 0) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, (d[(i - 2) * cols + j - 2] ?? 0) + 1);
      d[i * cols + j] = best;
    }
  }
  return d[a.length * cols + b.length] ?? 0;
}

/** Close enough to be a typo: at most two edits, and fewer than half the word. */
function close(typed: string, word: string): number | undefined {
  if (typed.length > word.length + 2) return undefined;
  const distance = editDistance(typed.toLowerCase(), word);
  return distance <= 2 && distance * 2 <= Math.max(typed.length, word.length)
    ? distance
    : undefined;
}

/** Up to three command lines (their words) that `typed` may have meant, nearest first. */
export function nearestCommands(typed: readonly string[]): string[] {
  const scored: { words: string; distance: number }[] = [];
  for (const words of allWords()) {
    if (typed.length < words.length) continue;
    let total = 0;
    for (const [i, word] of words.entries()) {
      const distance = close(typed[i] ?? '', word);
      if (distance === undefined) {
        total = Infinity;
        break;
      }
      total += distance;
    }
    if (total > 0 && total !== Infinity) scored.push({ words: words.join(' '), distance: total });
  }
  if (scored.length === 0) {
    const groups = new Set(
      allWords()
        .filter((w) => w.length > 1)
        .map((w) => w[0] ?? ''),
    );
    for (const group of groups) {
      const distance = close(typed[0] ?? '', group);
      if (distance !== undefined && distance > 0) scored.push({ words: group, distance });
    }
  }
  return scored
    .sort((a, b) => a.distance - b.distance || (a.words < b.words ? -1 : 1))
    .slice(0, 3)
    .map((s) => s.words);
}
