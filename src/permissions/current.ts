/**
 * The permission engine of a configuration that is swapped whole (store/live.ts): compiled
 * lazily, once per user configuration, and shared by every reader of it. A snapshot whose
 * users did not change (a new revision of events or second-factor state) keeps its engine.
 */
import type { UserConfig } from '../model/user-config.js';
import { PermissionEngine } from './engine.js';

const engines = new WeakMap<UserConfig, PermissionEngine>();

export function engineFor(source: {
  readonly snapshot: { readonly users: UserConfig };
}): PermissionEngine {
  const users = source.snapshot.users;
  let engine = engines.get(users);
  if (!engine) {
    engine = PermissionEngine.compile(users);
    engines.set(users, engine);
  }
  return engine;
}
