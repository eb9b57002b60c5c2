/**
 * Import from and export to a Proxmox configuration directory (`/etc/pve` layout).
 *
 * Import is all-or-nothing: every file is read and checked first, and the whole
 * configuration is committed in one transaction, or nothing is. Token secrets are hashed on
 * the way in. Export writes each file as Proxmox would (atomically, secrets owner-only);
 * the plain token secrets cannot be recovered from their hashes, so an exported
 * `priv/token.cfg` holds only secrets that were never hashed, and password hashes Proxmox's
 * crypt() cannot verify (argon2id) are refused unless the caller accepts the lockout
 * (docs/deployment.md, "Exports Proxmox can use").
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { revokedBefore } from '../auth/sessions.js';
import { hashTokenSecret, isHashedTokenSecret } from '../auth/token-secret.js';
import { TesseraError } from '../errors.js';
import { formatDiagnostic, hasErrors, type Diagnostic } from '../formats/diagnostics.js';
import { serializeDatacenterCfg } from '../formats/datacenter-cfg.js';
import { serializeDomainsCfg } from '../formats/domains-cfg.js';
import { serializeShadowCfg } from '../formats/shadow-cfg.js';
import { serializeTfaCfg } from '../formats/tfa-cfg.js';
import { serializeTokenCfg } from '../formats/token-cfg.js';
import { serializeUserCfg } from '../formats/user-cfg.js';
import { compareCodePoints } from '../model/compare.js';
import { splitTokenId, type TokenId } from '../model/ids.js';
import { PASSWORD_HASH_SETTING, proxmoxCanVerify } from '../model/password-hash.js';
import { encodeSessions, KEYS, parseKey } from '../store/codec.js';
import type { ConfigStore, Operation } from '../store/config-store.js';
import { encodeAccessConfig, type AccessConfig } from '../store/encode.js';
import { PveDirStore, realmPasswordFiles, type PveFile } from '../store/pve-dir.js';
import { assemble } from '../store/assemble.js';
import { newEventKey } from '../store/event-keys.js';
import { changeEvent, draft } from './audit.js';
import { readClusterKeysIfAny } from './cluster-keys.js';
import { audited, type ServiceContext } from './context.js';
import { beyondFirstStart, keepBootstrapAdmin } from './first-start.js';

export interface ImportResult {
  readonly revision: number;
  readonly entities: number;
  readonly warnings: readonly Diagnostic[];
  /** The bootstrap administrator of the store was kept (see {@link keepBootstrapAdmin}). */
  readonly keptBootstrapAdmin: boolean;
  /**
   * The cluster's ticket keys were taken (the directory had priv/authkey.key): when its
   * authkey.pub was written, the key's creation time.
   */
  readonly clusterKeys?: { readonly created: number };
}

/** How many of the entries beyond the first start a refusal names. */
const NAMED = 5;

/**
 * Loads a Proxmox directory into the store in one transaction. Into a store that holds a
 * configuration beyond what the first start created, only with `replace`.
 */
export async function importPveDir(
  store: ConfigStore,
  dir: string,
  options: {
    readonly replace?: boolean;
    /** Who imports: the import is then audited (the command line passes the node's actor). */
    readonly audit?: Pick<ServiceContext, 'node' | 'actor' | 'audit'>;
  } = {},
): Promise<ImportResult> {
  const { audit } = options;
  if (audit === undefined) return load(store, dir, options);
  const change = draft('config', dir, 'import', { replace: options.replace === true });
  return audited(audit, change, () =>
    load(store, dir, options, (entities) => {
      change.fields['entities'] = entities;
      const event = changeEvent(audit.node, audit.actor, change, 'success', Date.now());
      return { op: 'put', key: newEventKey(event), value: JSON.stringify(event) };
    }),
  );
}

async function load(
  store: ConfigStore,
  dir: string,
  options: { readonly replace?: boolean },
  event?: (entities: number) => Operation,
): Promise<ImportResult> {
  const { config, diagnostics } = await new PveDirStore(dir).read();
  if (hasErrors(diagnostics)) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    throw new TesseraError(
      'config_invalid',
      `nothing imported: ${String(errors.length)} error(s) in ${dir}\n` +
        errors.map((d) => `  ${formatDiagnostic(d)}`).join('\n'),
    );
  }
  // Checked before anything is written: odd key files fail the import, naming the file.
  const clusterKeys = await readClusterKeysIfAny(dir);
  const tokenSecrets = new Map<TokenId, string>();
  for (const [tokenid, secret] of config.tokenSecrets)
    tokenSecrets.set(tokenid, isHashedTokenSecret(secret) ? secret : hashTokenSecret(secret));

  const current = await store.snapshot();
  const beyond = beyondFirstStart(current);
  if (beyond.length > 0 && options.replace !== true) {
    const named = beyond.slice(0, NAMED).join(', ');
    throw new TesseraError(
      'rejected',
      `the store holds a configuration beyond what the first start created (${named}` +
        `${beyond.length > NAMED ? `, and ${String(beyond.length - NAMED)} more` : ''}): ` +
        'pass --replace to overwrite it',
      { field: 'store' },
    );
  }
  const imported = { ...config, tokenSecrets };
  const before = assemble(current);
  const kept = keepBootstrapAdmin(imported, before);
  const entries = encodeAccessConfig(kept ?? imported);
  // Tessera's own keys (server keys, revoked sessions, settings) are not part of the Proxmox
  // configuration and survive.
  const stale = [...current.entries.keys()].filter((key) => {
    const kind = parseKey(key)?.kind;
    return (
      kind !== undefined &&
      kind !== 'serverKey' &&
      kind !== 'sessions' &&
      kind !== 'setting' &&
      !entries.has(key)
    );
  });
  // A replaced configuration may delete, re-create or re-password any user: no ticket issued
  // before it stands for what it did.
  const revoked = new Map<string, string>();
  if (beyond.length > 0) {
    const from = encodeSessions(revokedBefore(Math.floor(Date.now() / 1000)));
    for (const userid of before.users.users.keys()) revoked.set(KEYS.sessions(userid), from);
  }
  // The cluster's keys replace Tessera's: tickets signed and verified as the cluster does.
  const keys = new Map<string, string>(
    clusterKeys === undefined
      ? []
      : [
          [KEYS.serverKey('ticket'), clusterKeys.ticket],
          [KEYS.serverKey('csrf'), clusterKeys.csrf],
        ],
  );
  const operations: Operation[] = [
    ...stale.map((key) => ({ op: 'delete' as const, key })),
    ...[...entries, ...revoked, ...keys].map(([key, value]) => ({
      op: 'put' as const,
      key,
      value,
    })),
    ...(event !== undefined ? [event(entries.size)] : []),
  ];
  // Every key as it was read: a concurrent change makes the import fail, not half-apply.
  const conditions = [...stale, ...entries.keys(), ...revoked.keys(), ...keys.keys()].map(
    (key) => ({
      key,
      revision: current.entries.get(key)?.revision ?? 0,
    }),
  );
  const revision = await store.transact(conditions, operations);
  return {
    revision,
    entities: entries.size,
    warnings: diagnostics.filter((d) => d.severity === 'warning'),
    keptBootstrapAdmin: kept !== undefined,
    ...(clusterKeys !== undefined ? { clusterKeys: { created: clusterKeys.created } } : {}),
  };
}

export interface ExportedFiles {
  /** Path below the directory -> content. */
  readonly files: ReadonlyMap<string, string>;
  readonly warnings: readonly string[];
  /**
   * The `pve` users whose password hash Proxmox's crypt() cannot verify (argon2id): they
   * could not log in to Proxmox with their password.
   */
  readonly lockedOut: readonly string[];
}

/** The users of a priv/shadow.cfg whose hashes Proxmox cannot verify, as user ids. */
export function unverifiableByProxmox(shadow: ReadonlyMap<string, string>): string[] {
  return [...shadow]
    .filter(([, hash]) => !proxmoxCanVerify(hash))
    .map(([name]) => `${name}@pve`)
    .sort(compareCodePoints);
}

/** What to do about the users {@link unverifiableByProxmox} names. */
export function lockoutAdvice(users: readonly string[]): string {
  return (
    `Proxmox cannot verify the password hashes of ${String(users.length)} ` +
    `user(s), which Tessera hashed with argon2id: ${users.join(', ')}. To export hashes ` +
    `Proxmox can verify, run 'tessera config set ${PASSWORD_HASH_SETTING} sha512-crypt', ` +
    `then have each of them log in to Tessera once (the login rehashes the password) or set ` +
    `a new password ('tessera passwd <userid>'), and export again; or pass --allow-lockout ` +
    `to export anyway and lock them out of Proxmox`
  );
}

/** What to do about API tokens whose secrets are stored hashed. */
export function tokenAdvice(tokens: readonly TokenId[]): string {
  const commands = tokens.map((tokenid) => {
    const { user, name } = splitTokenId(tokenid);
    return `pveum user token modify ${user} ${name} --regenerate 1`;
  });
  return (
    `priv/token.cfg: the secrets of ${String(tokens.length)} API token(s) are stored hashed ` +
    `and cannot be exported (${tokens.join(', ')}); Proxmox will refuse them until they are ` +
    `regenerated on a Proxmox node and the clients are given the new secrets: ` +
    commands.join('; ')
  );
}

/** The files of a configuration, as Proxmox writes them. */
export function exportFiles(config: AccessConfig): ExportedFiles {
  const warnings: string[] = [];
  const plainSecrets = new Map<TokenId, string>();
  const hashed: TokenId[] = [];
  for (const [tokenid, secret] of config.tokenSecrets) {
    if (isHashedTokenSecret(secret)) hashed.push(tokenid);
    else plainSecrets.set(tokenid, secret);
  }
  if (hashed.length > 0) warnings.push(tokenAdvice(hashed));
  const lockedOut = unverifiableByProxmox(config.shadow);
  if (lockedOut.length > 0) warnings.push(`priv/shadow.cfg: ${lockoutAdvice(lockedOut)}`);
  const files = new Map<string, string>([
    ['user.cfg', serializeUserCfg(config.users)],
    ['domains.cfg', serializeDomainsCfg(config.domains)],
    ['priv/shadow.cfg', serializeShadowCfg(config.shadow)],
    ['priv/token.cfg', serializeTokenCfg(plainSecrets)],
    ['priv/tfa.cfg', serializeTfaCfg(config.tfa)],
  ] satisfies [PveFile, string][]);
  if (config.datacenter !== undefined)
    files.set('datacenter.cfg', serializeDatacenterCfg(config.datacenter));
  for (const [realm, password] of config.realmSecrets) {
    const [file] = realmPasswordFiles(realm);
    if (file !== undefined) files.set(file, password);
  }
  return { files, warnings, lockedOut };
}

/**
 * Writes the files into `dir`; refuses to overwrite existing ones unless `force`, and to
 * write password hashes Proxmox cannot verify unless `allowLockout`.
 */
export async function exportPveDir(
  config: AccessConfig,
  dir: string,
  options: { readonly force?: boolean; readonly allowLockout?: boolean } = {},
): Promise<ExportedFiles> {
  const exported = exportFiles(config);
  // Why: such users would find out only when Proxmox refuses their password; `--force`
  // (overwrite) does not cover it, so re-exporting into the same directory never hides it.
  if (exported.lockedOut.length > 0 && options.allowLockout !== true)
    throw new TesseraError('rejected', `nothing exported: ${lockoutAdvice(exported.lockedOut)}`, {
      field: 'priv/shadow.cfg',
    });
  if (options.force !== true) {
    for (const file of exported.files.keys()) {
      if (existsSync(join(dir, file)))
        throw new TesseraError(
          'rejected',
          `${join(dir, file)} exists: pass --force to overwrite the files in ${dir}`,
          { field: 'pve-dir' },
        );
    }
  }
  for (const [file, content] of exported.files) {
    const path = join(dir, file);
    const secret = file.startsWith('priv/');
    await mkdir(dirname(path), { recursive: true, mode: secret ? 0o700 : 0o755 });
    // Write then rename, so a reader never sees half a file.
    const temporary = `${path}.tmp-${String(process.pid)}`;
    await writeFile(temporary, content, { mode: secret ? 0o600 : 0o640 });
    await chmod(temporary, secret ? 0o600 : 0o640);
    await rename(temporary, path);
  }
  return exported;
}
