/**
 * The audit trail of changes as people read it: what `tessera changes` prints and the query
 * it and `GET /access/tessera/changes` share.
 */
import { invalid } from '../errors.js';
import { parseSince } from './explain-logins.js';
import { MAX_CHANGES, type ChangeQuery } from './events.js';
import { CHANGE_ENTITIES, isChangeEntity } from '../model/change-entities.js';
import type { ChangeEvent, ChangeValue } from '../model/events.js';

export const DEFAULT_CHANGES = 200;

/** The query from its text form; `field` names the parameter when a value is wrong. */
export function changeQuery(
  input: {
    readonly user?: string | undefined;
    readonly entity?: string | undefined;
    readonly id?: string | undefined;
    readonly since?: string | undefined;
    readonly until?: string | undefined;
    readonly limit?: number | undefined;
  },
  nowMs: number,
): ChangeQuery {
  const since = parseSince(input.since ?? '7d', nowMs);
  if (since === undefined)
    throw invalid('since', `expected 30m, 2h, 7d or an ISO date, not '${input.since ?? ''}'`);
  const until = input.until === undefined ? undefined : parseSince(input.until, nowMs);
  if (until === undefined && input.until !== undefined)
    throw invalid('until', `expected 30m, 2h, 7d or an ISO date, not '${input.until}'`);
  if (input.entity !== undefined && !isChangeEntity(input.entity))
    throw invalid('entity', `expected one of ${CHANGE_ENTITIES.join(', ')}, not '${input.entity}'`);
  const limit = input.limit ?? DEFAULT_CHANGES;
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw invalid('limit', `expected a positive number, not '${String(input.limit)}'`);
  return {
    since,
    ...(until !== undefined ? { until } : {}),
    limit: Math.min(limit, MAX_CHANGES),
    ...(input.user !== undefined ? { user: input.user } : {}),
    ...(input.entity !== undefined ? { entity: input.entity } : {}),
    ...(input.id !== undefined ? { id: input.id } : {}),
  };
}

function shown(value: ChangeValue): string {
  if (Array.isArray(value)) return value.join(',');
  return String(value);
}

/** One line per event: time, outcome, who, from where, what, and the fields or the reason. */
export function renderChanges(events: readonly ChangeEvent[]): string {
  if (events.length === 0) return 'no changes in the period\n';
  const lines = events.map((e) => {
    const who = e.token !== undefined ? `${e.actor} (token ${e.token})` : e.actor;
    const fields = Object.entries(e.fields)
      .map(([name, value]) => `${name}=${shown(value)}`)
      .join(' ');
    const head = `${new Date(e.time).toISOString()}  ${e.outcome.toUpperCase().padEnd(7)}  ${who} from ${e.rhost} on ${e.node}: ${e.action} ${e.entity} ${e.id}`;
    const tail = fields === '' ? '' : `  ${fields}`;
    const why =
      e.outcome === 'success'
        ? ''
        : `\n    ${printable(`${e.cause ?? 'unknown'}: ${e.reason ?? ''}`)}`;
    return printable(head + tail) + why;
  });
  return `${lines.join('\n')}\n`;
}

/** Values come from clients: control characters must not reach an administrator's terminal. */
function printable(text: string): string {
  return text.replace(/\p{Cc}/gu, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
