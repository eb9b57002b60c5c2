/**
 * Second factors a realm requires (`tfa=type=oath|yubico` in domains.cfg), and the user's
 * factors as a login sees them: the tfa.cfg entries plus, in such a realm, the legacy keys of
 * user.cfg's `keys` field turned into entries, as Proxmox does at every login.
 */
import { decodeLegacyOathKey } from '../formats/tfa-cfg.js';
import { parsePropertyString, SchemaError, TFA_FORMAT } from '../formats/schema.js';
import { splitUserId, type UserId } from '../model/ids.js';
import { splitList } from '../model/text.js';
import type { TfaInfo, TfaUser } from '../model/tfa.js';
import type { AccessSnapshot } from '../store/snapshot.js';
import type { YubicoRealmSettings } from './yubico.js';

export type RealmTfa =
  | { readonly type: 'oath'; readonly digits: number; readonly step: number }
  | ({ readonly type: 'yubico' } & YubicoRealmSettings);

/** The realm's requirement; `undefined` when it has none, an error when it is unreadable. */
export function realmTfa(snapshot: AccessSnapshot, userid: UserId): RealmTfa | undefined {
  const realm = snapshot.domains.realms.get(splitUserId(userid).realm);
  const option = realm?.options.get('tfa');
  if (typeof option !== 'string' || option === '') return undefined;
  let parsed;
  try {
    parsed = parsePropertyString(TFA_FORMAT, option);
  } catch (err) {
    if (err instanceof SchemaError)
      throw new Error(
        `realm '${realm?.realm ?? ''}' tfa option is invalid: ${err.message.trim()}`,
        {
          cause: err,
        },
      );
    throw err;
  }
  if (parsed['type'] === 'yubico') {
    const { id, key, url } = parsed;
    if (typeof id !== 'string' || typeof key !== 'string')
      throw new Error(
        `realm '${realm?.realm ?? ''}' requires Yubico OTP but has no 'id' and 'key'`,
      );
    return { type: 'yubico', id, key, ...(typeof url === 'string' ? { url } : {}) };
  }
  return {
    type: 'oath',
    digits: typeof parsed['digits'] === 'number' ? parsed['digits'] : 6,
    step: typeof parsed['step'] === 'number' ? parsed['step'] : 30,
  };
}

/** user.cfg `keys` of `x` or `x!...` only marks "has entries in tfa.cfg". */
function legacyKeys(snapshot: AccessSnapshot, userid: UserId): string[] {
  const keys = snapshot.users.users.get(userid)?.keys ?? '';
  if (keys === '' || /^x(?:!.*)?$/.test(keys)) return [];
  return splitList(keys);
}

const EMPTY: TfaUser = { totp: [], u2f: [], webauthn: [], yubico: [], totpLocked: false };

/**
 * The user's second factors for a login: tfa.cfg's, plus legacy user.cfg keys in a realm
 * that requires a second factor. Converted entries have stable ids (`legacy-<n>`), so the
 * last used TOTP step is kept once a login has written them.
 */
export function loginFactors(
  snapshot: AccessSnapshot,
  userid: UserId,
  realm: RealmTfa | undefined,
): TfaUser | undefined {
  const stored = snapshot.tfa.users.get(userid);
  if (!realm) return stored;
  const keys = legacyKeys(snapshot, userid);
  if (keys.length === 0) return stored;
  const user = stored ?? EMPTY;
  const info = (n: number): TfaInfo => ({
    id: `legacy-${String(n)}`,
    description: `<old userconfig key ${String(n)}>`,
    created: 0,
    enable: true,
  });
  const known = (id: string): boolean =>
    user.totp.some((t) => t.info.id === id) || user.yubico.some((y) => y.info.id === id);
  if (realm.type === 'yubico') {
    const yubico = keys.flatMap((publicId, n) =>
      known(info(n).id) ? [] : [{ info: info(n), publicId }],
    );
    return { ...user, yubico: [...user.yubico, ...yubico] };
  }
  const totp = keys.flatMap((key, n) => {
    const secret = decodeLegacyOathKey(key);
    if (!secret || known(info(n).id)) return [];
    return [
      {
        info: info(n),
        totp: {
          secret,
          digits: realm.digits,
          period: realm.step,
          algorithm: 'SHA1' as const,
          issuer: 'Proxmox VE',
          account: `Old key for ${userid}`,
        },
      },
    ];
  });
  return { ...user, totp: [...user.totp, ...totp] };
}

/**
 * The user's factors with the realm's legacy keys, where a broken realm `tfa` option counts
 * as none: the first login step reports it, changes and answers need not fail on it again.
 */
export function userFactors(snapshot: AccessSnapshot, userid: UserId): TfaUser | undefined {
  let realm: RealmTfa | undefined;
  try {
    realm = realmTfa(snapshot, userid);
  } catch {
    realm = undefined;
  }
  return loginFactors(snapshot, userid, realm);
}
