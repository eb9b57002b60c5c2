/**
 * Recent authentication attempts of a user, each with its cause in plain words and the next
 * step to take: what `tessera explain` and `GET /access/tessera/logins` answer.
 */
import { adviceFor } from './advice.js';
import type { AuthEvent } from '../model/events.js';

export interface ExplainedEvent extends AuthEvent {
  readonly words?: string;
  readonly next?: string;
}

export function explainEvents(events: readonly AuthEvent[]): ExplainedEvent[] {
  return events.map((event) => {
    const advice = event.outcome === 'failure' ? adviceFor(event.cause) : undefined;
    return advice ? { ...event, words: advice.words, next: advice.next } : event;
  });
}

export function renderExplained(user: string, events: readonly ExplainedEvent[]): string {
  if (events.length === 0) return `no authentication events for ${user} in the period\n`;
  const lines: string[] = [];
  for (const e of events) {
    const when = new Date(e.time).toISOString();
    const where = `from ${e.rhost === '' ? 'an unknown address' : e.rhost} on node ${e.node}`;
    if (e.outcome === 'success') {
      lines.push(`${when}  ${e.user}  logged in (${e.reason ?? e.kind}) ${where}`);
      continue;
    }
    lines.push(`${when}  ${e.user}  FAILED (${e.cause ?? 'unknown'}): ${e.words ?? ''} ${where}`);
    if (e.reason !== undefined) lines.push(`    reason: ${e.reason}`);
    if (e.next !== undefined) lines.push(`    next step: ${e.next}`);
  }
  return `${lines.map(printable).join('\n')}\n`;
}

/** User names come from clients: control characters must not reach an administrator's terminal. */
function printable(line: string): string {
  return line.replace(/\p{Cc}/gu, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** `--since`: `30m`, `2h`, `7d`, or an ISO date; milliseconds since the epoch. */
export function parseSince(value: string, nowMs: number): number | undefined {
  const relative = /^(\d+)\s*([smhd])$/.exec(value);
  if (relative) {
    const unit = { s: 1, m: 60, h: 3600, d: 86_400 }[relative[2] as 's' | 'm' | 'h' | 'd'];
    return nowMs - Number(relative[1]) * unit * 1000;
  }
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : date;
}
