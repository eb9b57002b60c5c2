/**
 * The API operations pveum's commands run, collected from the same modules the HTTP API
 * serves them from.
 */
import { OperationCollector } from '../../api/operation.js';
import { aclOperations } from '../../api/routes/acl.js';
import { domainOperations } from '../../api/routes/domains.js';
import { groupOperations } from '../../api/routes/groups.js';
import { permissionOperations } from '../../api/routes/permissions.js';
import { poolOperations } from '../../api/routes/pools.js';
import { roleOperations } from '../../api/routes/roles.js';
import { tfaOperations } from '../../api/routes/tfa.js';
import { tokenOperations } from '../../api/routes/tokens.js';
import { userOperations } from '../../api/routes/users.js';

let collected: OperationCollector | undefined;

export function pveumOperations(): OperationCollector {
  if (collected) return collected;
  const collector = new OperationCollector();
  for (const register of [
    userOperations,
    tokenOperations,
    groupOperations,
    roleOperations,
    aclOperations,
    domainOperations,
    poolOperations,
    tfaOperations,
    permissionOperations,
  ])
    register(collector);
  return (collected = collector);
}
