/**
 * Managing a user's second factors (Proxmox's `/access/tfa`): adding TOTP, WebAuthn, Yubico
 * and recovery entries, renaming, disabling and deleting them. Each change is one
 * transaction over the user's TFA entry and user.cfg's `keys` marker (`x` while the user has
 * entries, as Proxmox writes it). Checks that need the network or the clock's code happen
 * before (api/routes/tfa-entries.ts); what must hold at commit time is checked here.
 */
import { randomUUID } from 'node:crypto';
import type { UserId } from '../model/ids.js';
import {
  CHALLENGE_SECONDS,
  type PendingChallenge,
  type TfaInfo,
  type TfaUser,
} from '../model/tfa.js';
import type { TotpParameters } from '../model/totp-uri.js';
import type { User } from '../model/user-config.js';
import { encodeTfaUser, encodeUser, KEYS } from '../store/codec.js';
import type { AccessSnapshot } from '../store/snapshot.js';
import { userFactors } from '../tfa/realm.js';
import { generateRecoveryKeys } from '../tfa/recovery.js';
import { credentialId, toCose } from '../tfa/webauthn-credential.js';
import { commit, refuse, sequenceFor, type Changes, type ServiceContext } from './context.js';
import { putChallenge } from './tfa-challenges.js';

const EMPTY: TfaUser = { totp: [], u2f: [], webauthn: [], yubico: [], totpLocked: false };

export type NewEntry =
  | {
      readonly type: 'totp';
      readonly description: string;
      readonly totp: TotpParameters;
      readonly step: number;
    }
  | { readonly type: 'yubico'; readonly description: string; readonly publicId: string }
  | {
      readonly type: 'webauthn';
      readonly challenge: string;
      readonly credential: Readonly<Record<string, unknown>>;
    };

/** The user's factors as the next change starts from them: legacy keys included. */
function current(snapshot: AccessSnapshot, userid: UserId): TfaUser {
  return userFactors(snapshot, userid) ?? EMPTY;
}

function hasEntries(user: TfaUser): boolean {
  return (
    user.totp.length + user.u2f.length + user.webauthn.length + user.yubico.length > 0 ||
    user.recovery !== undefined
  );
}

/** Writes the user's factors, or removes them, and keeps user.cfg's `keys` marker in step. */
function save(changes: Changes, userid: UserId, user: TfaUser): void {
  const key = KEYS.tfa(userid);
  if (hasEntries(user)) changes.put(key, encodeTfaUser(user, sequenceFor(changes.snapshot, key)));
  else if (changes.snapshot.tfa.users.has(userid)) changes.delete(key);
  const account = changes.snapshot.users.users.get(userid);
  if (!account) return;
  const keys = hasEntries(user) ? 'x' : undefined;
  if (account.keys === keys) return;
  const rest: { -readonly [K in keyof User]?: User[K] } & Omit<User, 'keys'> = { ...account };
  delete rest.keys;
  changes.put(KEYS.user(userid), encodeUser(keys === undefined ? rest : { ...rest, keys }));
}

function needUser(changes: Changes, userid: UserId): void {
  if (!changes.snapshot.users.users.has(userid))
    throw refuse(`no such user ('${userid}')`, 'userid');
}

function info(description: string, now: number): TfaInfo {
  return { id: randomUUID(), description, created: now, enable: true };
}

/** Adds a checked entry; returns its id. */
export async function addTfaEntry(
  ctx: ServiceContext,
  userid: UserId,
  entry: NewEntry,
  now: number,
): Promise<string> {
  return commit(ctx, 'adding the second factor failed', (changes) => {
    needUser(changes, userid);
    const user = current(changes.snapshot, userid);
    if (entry.type === 'totp') {
      const added = { info: info(entry.description, now), totp: entry.totp, lastCount: entry.step };
      save(changes, userid, { ...user, totp: [...user.totp, added] });
      return added.info.id;
    }
    if (entry.type === 'yubico') {
      const added = { info: info(entry.description, now), publicId: entry.publicId };
      save(changes, userid, { ...user, yubico: [...user.yubico, added] });
      return added.info.id;
    }
    const pending = changes.snapshot.tfaChallenges.get(entry.challenge);
    if (pending?.kind !== 'register' || pending.userid !== userid)
      throw refuse('no such challenge', 'challenge');
    changes.delete(KEYS.tfaChallenge(entry.challenge));
    if (pending.created + CHALLENGE_SECONDS < now) throw refuse('no such challenge', 'challenge');
    const id = toCose(entry.credential).id;
    if (user.webauthn.some((w) => credentialId(w.credential) === id))
      throw refuse('credential id already present', 'value');
    const added = { info: info(pending.description ?? '', now), credential: entry.credential };
    save(changes, userid, { ...user, webauthn: [...user.webauthn, added] });
    return added.info.id;
  });
}

/** A registration handed to the browser; its answer comes back to {@link addTfaEntry}. */
export async function startWebauthnRegistration(
  ctx: ServiceContext,
  pending: PendingChallenge,
): Promise<void> {
  await commit(ctx, 'adding the second factor failed', (changes) => {
    needUser(changes, pending.userid);
    putChallenge(changes, pending);
  });
}

/** A new set of recovery keys, shown this once; refused while the user has one. */
export async function addRecoveryKeys(
  ctx: ServiceContext,
  userid: UserId,
  now: number,
): Promise<string[]> {
  return commit(ctx, 'adding the second factor failed', (changes) => {
    needUser(changes, userid);
    const user = current(changes.snapshot, userid);
    if (user.recovery) throw refuse('user already has recovery keys', 'type');
    const { keys, stored } = generateRecoveryKeys(now);
    save(changes, userid, { ...user, recovery: stored });
    return keys;
  });
}

function findEntry(
  user: TfaUser,
  id: string,
): { list: 'totp' | 'webauthn' | 'yubico' | 'u2f' } | undefined {
  for (const list of ['totp', 'webauthn', 'yubico', 'u2f'] as const)
    if (user[list].some((e) => e.info.id === id)) return { list };
  return undefined;
}

/** Renames, enables or disables an entry (recovery keys have neither). */
export async function updateTfaEntry(
  ctx: ServiceContext,
  userid: UserId,
  id: string,
  update: { readonly description?: string; readonly enable?: boolean },
): Promise<void> {
  await commit(ctx, 'updating the second factor failed', (changes) => {
    const user = changes.snapshot.tfa.users.get(userid);
    const found = user ? findEntry(user, id) : undefined;
    if (!user || !found) throw refuse('no such entry', 'id');
    const change = <T extends { readonly info: TfaInfo }>(entries: readonly T[]): T[] =>
      entries.map((e) =>
        e.info.id === id
          ? {
              ...e,
              info: {
                ...e.info,
                ...(update.description !== undefined ? { description: update.description } : {}),
                ...(update.enable !== undefined ? { enable: update.enable } : {}),
              },
            }
          : e,
      );
    save(changes, userid, {
      ...user,
      totp: change(user.totp),
      webauthn: change(user.webauthn),
      yubico: change(user.yubico),
      u2f: change(user.u2f),
    });
  });
}

/** Deletes an entry (`recovery`: the key set); the last one also clears user.cfg's marker. */
export async function deleteTfaEntry(
  ctx: ServiceContext,
  userid: UserId,
  id: string,
): Promise<void> {
  await commit(ctx, 'deleting the second factor failed', (changes) => {
    const user = changes.snapshot.tfa.users.get(userid);
    if (!user) throw refuse('no such entry', 'id');
    if (id === 'recovery') {
      if (!user.recovery) throw refuse('no such entry', 'id');
      const rest: { -readonly [K in keyof TfaUser]?: TfaUser[K] } & Omit<TfaUser, 'recovery'> = {
        ...user,
      };
      delete rest.recovery;
      save(changes, userid, rest);
      return;
    }
    if (!findEntry(user, id)) throw refuse('no such entry', 'id');
    const keep = <T extends { readonly info: TfaInfo }>(entries: readonly T[]): T[] =>
      entries.filter((e) => e.info.id !== id);
    save(changes, userid, {
      ...user,
      totp: keep(user.totp),
      webauthn: keep(user.webauthn),
      yubico: keep(user.yubico),
      u2f: keep(user.u2f),
    });
  });
}
