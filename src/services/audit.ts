/**
 * The audit trail of changes. A service describes its change once ({@link ChangeDraft}:
 * entity, id, action, the fields given); an accepted change writes its event in its own
 * transaction (`commit` in context.ts), a refused or failed one goes to the context's
 * {@link AuditSink}. Secrets never reach an event: they are recorded as `(set)` or
 * `(changed)`.
 */
import { isTesseraError } from '../errors.js';
import type { ChangeAction, ChangeEntity, ChangeEvent, ChangeValue } from '../model/events.js';
import { newEventKey } from '../store/event-keys.js';
import type { ConfigStore } from '../store/config-store.js';
import type { Actor } from './actor.js';

/** Where refused and failed changes go: `serve`'s batched event log, or the store at once. */
export interface AuditSink {
  record(event: ChangeEvent): void | Promise<void>;
}

/** What a change is, before it is known how it ends. */
export interface ChangeDraft {
  readonly entity: ChangeEntity;
  /** The entity's id, as its key names it (`bob@pve`, `/vms/100`, `bob@pve!ci`). */
  id: string;
  readonly action: ChangeAction;
  fields: Record<string, ChangeValue>;
}

export function draft(
  entity: ChangeEntity,
  id: string,
  action: ChangeAction,
  fields: Record<string, ChangeValue | undefined> = {},
): ChangeDraft {
  return { entity, id, action, fields: defined(fields) };
}

/** The fields that were given. */
export function defined(
  fields: Readonly<Record<string, ChangeValue | undefined>>,
): Record<string, ChangeValue> {
  const out: Record<string, ChangeValue> = {};
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) out[name] = value;
  return out;
}

/** How a secret appears in an event: that it was given, never what it is. */
export const SECRET_SET = '(set)';
export const SECRET_CHANGED = '(changed)';

/** The event of a change, as the actor asked for it. */
export function changeEvent(
  node: string,
  actor: Actor,
  change: ChangeDraft,
  outcome: ChangeEvent['outcome'],
  time: number,
  err?: unknown,
): ChangeEvent {
  const error = isTesseraError(err) ? err : undefined;
  return {
    time,
    node,
    kind: 'change',
    actor: actor.userid,
    ...(actor.token !== undefined ? { token: actor.token } : {}),
    rhost: actor.address,
    entity: change.entity,
    id: change.id,
    action: change.action,
    fields: change.fields,
    outcome,
    ...(error !== undefined
      ? { cause: error.code, reason: error.detail }
      : err !== undefined
        ? {
            cause: 'internal' as const,
            reason: err instanceof Error ? err.message : 'unknown error',
          }
        : {}),
  };
}

/**
 * Refused: the actor may not, or asked for something invalid. Failed: it could not be done
 * (the store refused the write, an error of Tessera's, a directory that did not answer).
 */
export function outcomeOf(err: unknown): 'refused' | 'failed' {
  if (!isTesseraError(err)) return 'failed';
  switch (err.code) {
    case 'store_read_only':
    case 'store_unavailable':
    case 'conflict':
    case 'internal':
    case 'config_invalid':
      return 'failed';
    default:
      return 'refused';
  }
}

/** A sink that drops the events: for contexts nobody audits (fixtures, internal writes). */
export const NO_AUDIT: AuditSink = { record: () => undefined };

/** A sink that writes each event into the store at once: for one-shot commands. */
export function storeSink(store: ConfigStore): AuditSink {
  return {
    async record(event) {
      await store.transact(
        [],
        [{ op: 'put', key: newEventKey(event), value: JSON.stringify(event) }],
      );
    },
  };
}
