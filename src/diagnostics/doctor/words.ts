/**
 * Durations and times as doctor writes them: "4 min", "12 s", "3 days", and ISO times.
 */

/** A duration in the largest unit that keeps it readable (`ms` is absolute). */
export function duration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 0.5) return '<1 ms';
  if (abs < 1_000) return `${String(Math.round(abs))} ms`;
  if (abs < 120_000) return `${String(Math.round(abs / 1_000))} s`;
  if (abs < 120 * 60_000) return `${String(Math.round(abs / 60_000))} min`;
  if (abs < 48 * 3_600_000) return `${String(Math.round(abs / 3_600_000))} h`;
  return `${String(Math.round(abs / 86_400_000))} days`;
}

/** `2026-05-01T10:00:00Z`: seconds are enough. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** "12 s ago", or "in 3 min" for a time ahead of ours. */
export function ago(ms: number, now: number): string {
  return ms <= now ? `${duration(now - ms)} ago` : `in ${duration(ms - now)}`;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${String(count)} ${count === 1 ? one : many}`;
}
