/**
 * A pveum command on the node: its operation runs on the store as root@pam, as Proxmox's
 * pveum does on a node, with every change recorded in the audit trail (address `cli`).
 */
import { RawJson } from '../../api/http.js';
import type { Operation } from '../../api/operation.js';
import { paramChecker } from '../../api/params.js';
import { engineFor } from '../../permissions/current.js';
import { NODE_ACTOR } from '../../services/actor.js';
import { storeSink } from '../../services/audit.js';
import { Authorization } from '../../services/authorize.js';
import { storeContext } from '../../services/context.js';
import { assemble } from '../../store/assemble.js';
import { openStore } from '../../store/open.js';

export async function runLocal(
  operation: Operation,
  params: Readonly<Record<string, string>>,
  storeUrl: string | undefined,
): Promise<unknown> {
  const checked = paramChecker(operation.schema)(params);
  const store = await openStore(storeUrl);
  try {
    const services = storeContext(store, { actor: NODE_ACTOR, audit: storeSink(store) });
    const snapshot = assemble(await store.snapshot());
    const engine = engineFor({ snapshot });
    const result = await operation.run({
      params: checked,
      snapshot,
      engine,
      services,
      now: services.now(),
      caller: NODE_ACTOR,
      checks: new Authorization(NODE_ACTOR, engine, snapshot),
    });
    // An answer kept serialised for the API (a whole `{"data": ...}` body).
    return result instanceof RawJson ? (JSON.parse(result.body) as { data: unknown }).data : result;
  } finally {
    await store.close();
  }
}
