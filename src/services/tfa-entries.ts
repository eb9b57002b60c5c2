/**
 * Managing a user's second factors (Proxmox's `/access/tfa`): adding TOTP, WebAuthn, Yubico
 * and recovery entries, renaming, disabling and deleting them. Users manage their own after
 * re-entering their password (root@pam excepted), holders of User.Modify manage those of
 * users in their groups, and only root@pam touches root@pam's. Each change is one
 * transaction over the user's TFA entry and user.cfg's `keys` marker (`x` while the user has
 * entries, as Proxmox writes it); the code, the Yubico server and the browser's answer are
 * checked before, what must hold at commit time inside it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { badRequest, forbidden, isTesseraError, parameterError } from '../errors.js';
import { reenterPassword, type ReentryGuard } from './login/reentry.js';
import { ROOT_USERID, type UserId } from '../model/ids.js';
import {
  CHALLENGE_SECONDS,
  type PendingChallenge,
  type TfaInfo,
  type TfaUser,
} from '../model/tfa.js';
import { parseTotpUri, TotpUriError, type TotpParameters } from '../model/totp-uri.js';
import type { User } from '../model/user-config.js';
import { encodeTfaUser, encodeUser, KEYS } from '../store/codec.js';
import type { AccessSnapshot } from '../store/snapshot.js';
import { realmTfa, userFactors } from '../tfa/realm.js';
import { generateRecoveryKeys } from '../tfa/recovery.js';
import { checkTotp } from '../tfa/totp.js';
import {
  registrationOptions,
  pendingParty,
  relyingParty,
  webauthnSettings,
  verifyRegistration,
  WebauthnError,
  type WebauthnSettings,
} from '../tfa/webauthn.js';
import { credentialId, enabledCredentials, toCose } from '../tfa/webauthn-credential.js';
import { verifyYubicoOtp, yubicoPublicId } from '../tfa/yubico.js';
import { draft, SECRET_SET, type ChangeDraft } from './audit.js';
import { authorize, type Authorization } from './authorize.js';
import {
  audited,
  commit,
  refuse,
  sequenceFor,
  type Changes,
  type ServiceContext,
} from './context.js';
import { findChallenge, putChallenge } from './tfa-challenges.js';
import { revokeSessions } from './sessions.js';

export type { ReentryGuard };

export interface ChangeOptions {
  /** The actor's current password; root@pam needs none. */
  readonly password?: string;
  readonly guard?: ReentryGuard;
}

/**
 * Who may change `userid`'s factors: the user, or User.Modify through groups; root@pam's
 * only root@pam. Anyone but root@pam re-enters their password.
 */
async function mayChange(
  ctx: ServiceContext,
  auth: Authorization,
  userid: UserId,
  options: ChangeOptions,
): Promise<void> {
  const { actor } = auth;
  if (userid === ROOT_USERID && actor.userid !== ROOT_USERID) throw forbidden();
  if (actor.userid !== userid) {
    try {
      auth.useridGroup(['User.Modify'], userid);
    } catch {
      throw forbidden();
    }
    auth.holdsAtLeast(userid);
  }
  if (actor.userid === ROOT_USERID) return;
  if (options.password === undefined)
    throw parameterError({ password: 'password is required to modify TFA entries' });
  await reenterPassword(
    auth.snapshot,
    actor.userid,
    options.password,
    ctx.now(),
    ctx.actor.address,
    options.guard,
  );
}

/** A new factor as `POST /access/tfa/{userid}` asks for it. */
export interface Enrollment {
  readonly type: string;
  readonly description?: string;
  /** The otpauth URI of a TOTP secret. */
  readonly totp?: string;
  /** The current TOTP code, the Yubico OTP, or the browser's WebAuthn answer (JSON). */
  readonly value?: string;
  /** The WebAuthn challenge the answer is for. */
  readonly challenge?: string;
}

export interface EnrollOptions extends ChangeOptions {
  /** The WebAuthn relying party; unset parts come from the request, as in Proxmox. */
  readonly webauthn?: WebauthnSettings;
  readonly request?: { readonly protocol: string; readonly host: string | undefined };
}

/** What Proxmox answers: the new entry's id, recovery keys once, or a WebAuthn challenge. */
export interface Enrolled {
  readonly id: string | null;
  readonly recovery?: string[];
  readonly challenge?: string;
}

function checkDescription(description: string | undefined): void {
  // tfa.cfg is JSON, so nothing could be injected; control characters only confuse lists.
  if (description !== undefined && /\p{Cc}/u.test(description))
    throw parameterError({ description: 'control characters are not allowed' });
}

/** `POST /access/tfa/{userid}`: checks the new factor and adds it. */
export async function enrollTfa(
  ctx: ServiceContext,
  userid: UserId,
  input: Enrollment,
  options: EnrollOptions = {},
): Promise<Enrolled> {
  const change = draft('tfa', userid, 'create', {
    type: input.type,
    description: input.description,
    secret: input.totp !== undefined ? SECRET_SET : undefined,
  });
  return audited(ctx, change, async () => {
    const auth = await authorize(ctx);
    await mayChange(ctx, auth, userid, options);
    checkDescription(input.description);
    return enroll(ctx, auth, userid, input, options, change);
  });
}

async function enroll(
  ctx: ServiceContext,
  auth: Authorization,
  userid: UserId,
  input: Enrollment,
  options: EnrollOptions,
  change: ChangeDraft,
): Promise<Enrolled> {
  const { type } = input;
  const now = ctx.now();
  const required = (field: string, value: string | undefined): string => {
    if (value === undefined || value === '')
      throw parameterError({ [field]: `'${field}' is required for type ${type}` });
    return value;
  };
  const none = (...fields: ('totp' | 'value' | 'challenge' | 'description')[]): void => {
    const given = fields.filter((f) => input[f] !== undefined);
    if (given.length > 0)
      throw parameterError(
        Object.fromEntries(given.map((f) => [f, `not allowed for type ${type}`])),
      );
  };
  switch (type) {
    case 'recovery': {
      none('totp', 'value', 'challenge', 'description');
      return { id: 'recovery', recovery: await insertRecoveryKeys(ctx, userid, now, change) };
    }
    case 'totp': {
      none('challenge');
      const description = required('description', input.description);
      let totp;
      try {
        totp = parseTotpUri(required('totp', input.totp));
      } catch (err) {
        if (err instanceof TotpUriError) throw parameterError({ totp: err.message });
        throw err;
      }
      const check = checkTotp(totp, required('value', input.value), now, undefined);
      if (!check.ok)
        throw parameterError({
          value: 'the code does not match the secret: check the code and the device clock',
        });
      return {
        id: await insertEntry(
          ctx,
          userid,
          { type, description, totp, step: check.step },
          now,
          change,
        ),
      };
    }
    case 'yubico': {
      none('totp', 'challenge');
      const description = required('description', input.description);
      const otp = required('value', input.value);
      let realm;
      try {
        realm = realmTfa(auth.snapshot, userid);
      } catch (err) {
        throw badRequest((err as Error).message);
      }
      if (realm?.type !== 'yubico')
        throw parameterError({ type: 'realm is not setup for Yubico OTP' });
      const result = await verifyYubicoOtp(realm, otp);
      if (!result.ok) throw parameterError({ value: result.reason });
      return {
        id: await insertEntry(
          ctx,
          userid,
          { type, description, publicId: yubicoPublicId(otp) },
          now,
          change,
        ),
      };
    }
    case 'webauthn':
      return webauthn(ctx, auth, userid, input, options, change);
    case 'u2f': {
      // Proxmox's order of checks. Without datacenter.cfg's `u2f` (with an `appid`) Proxmox
      // has no U2F configuration; with one it hands out a U2F registration challenge.
      if (input.totp !== undefined) throw refuse("'totp' parameter is invalid for 'u2f' entries");
      if (input.challenge === undefined && (input.description ?? '') === '')
        throw refuse("'description' is required for new entries");
      const appId = auth.snapshot.datacenter?.u2f?.appid;
      if (appId === undefined) throw refuse('no u2f configuration available');
      if (input.challenge === undefined) {
        const challenge = randomBytes(32).toString('base64url');
        return { id: null, challenge: JSON.stringify({ challenge, version: 'U2F_V2', appId }) };
      }
      if (input.value === undefined)
        throw refuse("missing 'value' parameter (u2f challenge response missing)");
      // Browsers dropped the U2F API; the same keys register as WebAuthn.
      throw refuse('u2f registrations are not supported: register the key as WebAuthn');
    }
    default:
      throw parameterError({
        type: `value '${type}' does not have a value in the enumeration 'totp, u2f, webauthn, recovery, yubico'`,
      });
  }
}

/** The first request hands out a challenge; the second brings the browser's answer. */
async function webauthn(
  ctx: ServiceContext,
  auth: Authorization,
  userid: UserId,
  input: Enrollment,
  options: EnrollOptions,
  change: ChangeDraft,
): Promise<Enrolled> {
  const now = ctx.now();
  if (input.totp !== undefined) throw parameterError({ totp: 'not allowed for type webauthn' });
  if (input.challenge === undefined) {
    if (input.value !== undefined)
      throw parameterError({ challenge: "'challenge' is required with 'value'" });
    if (input.description === undefined || input.description === '')
      throw parameterError({ description: "'description' is required for new entries" });
    const rp = relyingParty(
      webauthnSettings(options.webauthn ?? {}, auth.snapshot.datacenter?.webauthn),
      options.request ?? { protocol: 'https', host: undefined },
    );
    if ('unavailable' in rp) throw badRequest(`WebAuthn is not available: ${rp.unavailable}`);
    const exclude = enabledCredentials(auth.snapshot.tfa.users.get(userid)).map((c) => c.id);
    const registration = await registrationOptions(rp, userid, exclude);
    await startWebauthnRegistration(ctx, {
      challenge: registration.challenge,
      userid,
      kind: 'register',
      created: now,
      rpId: rp.id,
      origin: rp.origin,
      ...(rp.subdomains === true ? { subdomains: true } : {}),
      description: input.description,
    });
    return { id: null, challenge: JSON.stringify({ publicKey: registration }) };
  }
  if (input.value === undefined)
    throw parameterError({ value: "'value' is required with 'challenge'" });
  const pending = await findChallenge(ctx, input.challenge);
  if (pending?.kind !== 'register' || pending.userid !== userid)
    throw parameterError({ challenge: 'no such challenge' });
  let response: unknown;
  try {
    response = JSON.parse(input.value);
  } catch {
    throw parameterError({ value: 'not JSON' });
  }
  let credential;
  try {
    credential = await verifyRegistration(pendingParty(pending), input.challenge, response);
  } catch (err) {
    if (!(err instanceof WebauthnError)) throw err;
    throw parameterError({ value: `${err.check.replace('_', ' ')} check failed: ${err.message}` });
  }
  try {
    return {
      id: await insertEntry(
        ctx,
        userid,
        { type: 'webauthn', challenge: input.challenge, credential },
        now,
        change,
      ),
    };
  } catch (err) {
    // Answered meanwhile through another node: the same answer as when seen used up.
    if (isTesseraError(err, 'rejected') && err.field === 'challenge')
      throw parameterError({ challenge: 'no such challenge' });
    throw err;
  }
}

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
  options: ChangeOptions = {},
): Promise<string> {
  const change = draft('tfa', userid, 'create', {
    type: entry.type,
    ...('description' in entry ? { description: entry.description } : {}),
    ...(entry.type === 'totp' ? { secret: SECRET_SET } : {}),
  });
  return audited(ctx, change, async () => {
    await mayChange(ctx, await authorize(ctx), userid, options);
    return insertEntry(ctx, userid, entry, now, change);
  });
}

function insertEntry(
  ctx: ServiceContext,
  userid: UserId,
  entry: NewEntry,
  now: number,
  change: ChangeDraft,
): Promise<string> {
  const add = (id: string): string => {
    change.fields['entry'] = id;
    return id;
  };
  return commit(
    ctx,
    'adding the second factor failed',
    (changes) => {
      needUser(changes, userid);
      const user = current(changes.snapshot, userid);
      if (entry.type === 'totp') {
        const added = {
          info: info(entry.description, now),
          totp: entry.totp,
          lastCount: entry.step,
        };
        save(changes, userid, { ...user, totp: [...user.totp, added] });
        return add(added.info.id);
      }
      if (entry.type === 'yubico') {
        const added = { info: info(entry.description, now), publicId: entry.publicId };
        save(changes, userid, { ...user, yubico: [...user.yubico, added] });
        return add(added.info.id);
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
      return add(added.info.id);
    },
    change,
  );
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
  options: ChangeOptions = {},
): Promise<string[]> {
  const change = draft('tfa', userid, 'create', { type: 'recovery' });
  return audited(ctx, change, async () => {
    await mayChange(ctx, await authorize(ctx), userid, options);
    return insertRecoveryKeys(ctx, userid, now, change);
  });
}

function insertRecoveryKeys(
  ctx: ServiceContext,
  userid: UserId,
  now: number,
  change: ChangeDraft,
): Promise<string[]> {
  return commit(
    ctx,
    'adding the second factor failed',
    (changes) => {
      needUser(changes, userid);
      const user = current(changes.snapshot, userid);
      if (user.recovery) throw refuse('user already has recovery keys', 'type');
      const { keys, stored } = generateRecoveryKeys(now);
      save(changes, userid, { ...user, recovery: stored });
      return keys;
    },
    change,
  );
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
  options: ChangeOptions = {},
): Promise<void> {
  const change = draft('tfa', userid, 'update', { entry: id, ...update });
  return audited(ctx, change, async () => {
    await mayChange(ctx, await authorize(ctx), userid, options);
    checkDescription(update.description);
    await commit(
      ctx,
      // Proxmox answers `no such entry` without a prefix.
      undefined,
      (changes) => {
        const user = changes.snapshot.tfa.users.get(userid);
        const found = user ? findEntry(user, id) : undefined;
        if (!user || !found) throw refuse('no such entry', 'id');
        const edit = <T extends { readonly info: TfaInfo }>(entries: readonly T[]): T[] =>
          entries.map((e) =>
            e.info.id === id
              ? {
                  ...e,
                  info: {
                    ...e.info,
                    ...(update.description !== undefined
                      ? { description: update.description }
                      : {}),
                    ...(update.enable !== undefined ? { enable: update.enable } : {}),
                  },
                }
              : e,
          );
        save(changes, userid, {
          ...user,
          totp: edit(user.totp),
          webauthn: edit(user.webauthn),
          yubico: edit(user.yubico),
          u2f: edit(user.u2f),
        });
      },
      change,
    );
  });
}

/** Deletes an entry (`recovery`: the key set); the last one also clears user.cfg's marker. */
export async function deleteTfaEntry(
  ctx: ServiceContext,
  userid: UserId,
  id: string,
  options: ChangeOptions = {},
): Promise<void> {
  const change = draft('tfa', userid, 'delete', { entry: id });
  return audited(ctx, change, async () => {
    await mayChange(ctx, await authorize(ctx), userid, options);
    await commit(
      ctx,
      // Proxmox answers `no such entry` without a prefix.
      undefined,
      (changes) => {
        const user = changes.snapshot.tfa.users.get(userid);
        if (!user) throw refuse('no such entry', 'id');
        let rest: TfaUser;
        if (id === 'recovery') {
          if (!user.recovery) throw refuse('no such entry', 'id');
          const without: { -readonly [K in keyof TfaUser]?: TfaUser[K] } & Omit<
            TfaUser,
            'recovery'
          > = { ...user };
          delete without.recovery;
          rest = without;
        } else {
          if (!findEntry(user, id)) throw refuse('no such entry', 'id');
          const keep = <T extends { readonly info: TfaInfo }>(entries: readonly T[]): T[] =>
            entries.filter((e) => e.info.id !== id);
          rest = {
            ...user,
            totp: keep(user.totp),
            webauthn: keep(user.webauthn),
            yubico: keep(user.yubico),
            u2f: keep(user.u2f),
          };
        }
        save(changes, userid, rest);
        // A reset: an administrator removing a factor, which may be lost or stolen. The user
        // removing their own, even the last, keeps the session they are doing it in.
        if (ctx.actor.userid !== userid) revokeSessions(changes, userid, ctx.now());
      },
      change,
    );
  });
}
