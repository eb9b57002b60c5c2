/** How values read in tables and date fields. */

/** `YYYY-MM-DD` (local) of a Unix time; empty for 0 (never). */
export function dateOfEpoch(epoch: number | undefined): string {
  if (epoch === undefined || epoch === 0) return '';
  const d = new Date(epoch * 1000);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${String(d.getFullYear())}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The Unix time of the start of a `YYYY-MM-DD` day (local), 0 for an empty date. */
export function epochOfDate(date: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return 0;
  const d = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return Math.floor(d.getTime() / 1000);
}

/** An expiry for a table: the date, "never", or "expired" when past. */
export function showExpire(epoch: number | undefined): string {
  if (epoch === undefined || epoch === 0) return 'never';
  const date = dateOfEpoch(epoch);
  return epoch * 1000 < Date.now() ? `${date} (expired)` : date;
}

export function yesNo(value: boolean): string {
  return value ? 'Yes' : 'No';
}

/** `user` → `User`, for a noun that starts a sentence. */
export function capitalised(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
