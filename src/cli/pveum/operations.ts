/**
 * The API operations pveum's commands run, collected from the modules the HTTP API serves
 * them from. A command loads only its own module: loading them all (and the services behind
 * them) would cost every command line's start-up.
 */
import { OperationCollector, type Operation, type OperationRegistry } from '../../api/operation.js';
import type { OperationModule, PveumCommand } from './table.js';

type Register = (registry: OperationRegistry) => void;

const MODULES: Readonly<Record<OperationModule, () => Promise<Register>>> = {
  users: async () => (await import('../../api/routes/users.js')).userOperations,
  tokens: async () => (await import('../../api/routes/tokens.js')).tokenOperations,
  groups: async () => (await import('../../api/routes/groups.js')).groupOperations,
  roles: async () => (await import('../../api/routes/roles.js')).roleOperations,
  acl: async () => (await import('../../api/routes/acl.js')).aclOperations,
  domains: async () => (await import('../../api/routes/domains.js')).domainOperations,
  pools: async () => (await import('../../api/routes/pools.js')).poolOperations,
  tfa: async () => (await import('../../api/routes/tfa.js')).tfaOperations,
  permissions: async () => (await import('../../api/routes/permissions.js')).permissionOperations,
};

const collector = new OperationCollector();
const loaded = new Map<OperationModule, Promise<void>>();

function load(module: OperationModule): Promise<void> {
  let done = loaded.get(module);
  if (!done) {
    done = MODULES[module]().then((register) => {
      register(collector);
    });
    loaded.set(module, done);
  }
  return done;
}

/** The operation a command runs. */
export async function operationOf(command: PveumCommand): Promise<Operation> {
  await load(command.module);
  const operation = collector.get(command.method, command.path);
  if (!operation)
    throw new Error(`no operation ${command.method} ${command.path} in module ${command.module}`);
  return operation;
}
