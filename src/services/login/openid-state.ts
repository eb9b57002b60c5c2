/**
 * The configuration side of OpenID logins: the login state kept in the store between the
 * redirect to the provider and the way back (so any node may take the answer; usable once),
 * and what a successful login changes: the user created (`autocreate`) and its groups set
 * from the groups claim (`groups-claim`, `groups-autocreate`, `groups-overwrite`), as Proxmox
 * does it, in one transaction.
 */
import { asGroupId, asUserId, type GroupId, type UserId } from '../../model/ids.js';
import { OIDC_STATE_SECONDS, type PendingOidcLogin } from '../../model/realm.js';
import type { Group } from '../../model/user-config.js';
import { AuthFailure } from '../../errors.js';
import type { OpenidSettings } from '../../realms/openid.js';
import { encodeGroup, encodeOidcState, encodeUser, KEYS } from '../../store/codec.js';
import { commit, sweepExpired, type ServiceContext } from '../context.js';

export async function storeOidcState(
  ctx: ServiceContext,
  pending: PendingOidcLogin,
): Promise<void> {
  await commit(ctx, 'starting the OpenID login failed', (changes) => {
    changes.put(KEYS.oidcState(pending.state), encodeOidcState(pending));
    sweepExpired(
      changes,
      changes.snapshot.oidcStates,
      KEYS.oidcState,
      pending.created - OIDC_STATE_SECONDS,
    );
  });
}

/** Takes the login state out of the store: a state answers one login only. */
export async function takeOidcState(
  ctx: ServiceContext,
  state: string,
  now: number,
): Promise<PendingOidcLogin> {
  const pending = await commit(ctx, 'OpenID login failed', (changes) => {
    const found = changes.snapshot.oidcStates.get(state);
    if (found) changes.delete(KEYS.oidcState(state));
    return found;
  });
  if (!pending)
    throw new AuthFailure('unknown or already used OpenID login state', 'oidc_state_mismatch');
  if (pending.created + OIDC_STATE_SECONDS < now)
    throw new AuthFailure('the OpenID login state has expired', 'oidc_state_mismatch');
  return pending;
}

function claimText(claims: Record<string, unknown>, name: string): string | undefined {
  const value = claims[name];
  return typeof value === 'string' && value !== '' && !/\p{Cc}/u.test(value) ? value : undefined;
}

export interface OidcLoginResult {
  readonly userid: UserId;
  readonly created: boolean;
  readonly warnings: readonly string[];
}

/** The user of a login's claims, created and put in its groups as the realm says. */
export async function applyOidcLogin(
  ctx: ServiceContext,
  settings: OpenidSettings,
  claims: Record<string, unknown>,
): Promise<OidcLoginResult> {
  const name = claimText(claims, settings.usernameClaim);
  if (name === undefined)
    throw new AuthFailure(
      `the provider's answer has no '${settings.usernameClaim}' claim to name the user`,
      'oidc_claim_missing',
    );
  const userid = asUserId(`${name}@${settings.realm}`);
  if (userid === undefined)
    throw new AuthFailure(
      `claim '${settings.usernameClaim}' ('${name}') is not a valid user name`,
      'oidc_claim_missing',
    );

  const warnings: string[] = [];
  let wanted: GroupId[] | undefined;
  if (settings.groupsClaim !== undefined) {
    const list = claims[settings.groupsClaim];
    if (Array.isArray(list)) {
      wanted = [];
      for (const group of list) {
        const groupid =
          typeof group === 'string' ? asGroupId(`${group}-${settings.realm}`) : undefined;
        if (groupid === undefined) warnings.push(`skipping invalid group '${String(group)}'`);
        else wanted.push(groupid);
      }
    } else {
      warnings.push(
        list === undefined
          ? `groups claim '${settings.groupsClaim}' not found; groups not updated`
          : `groups claim '${settings.groupsClaim}' is not a list; groups not updated`,
      );
    }
  }

  const created = await commit(ctx, 'OpenID login failed', (changes) => {
    const { snapshot } = changes;
    const exists = snapshot.users.users.has(userid);
    if (!exists) {
      if (!settings.autocreate)
        throw new AuthFailure(
          `user '${userid}' does not exist (autocreate is off)`,
          'oidc_claim_missing',
        );
      const email = claimText(claims, 'email');
      const firstname = claimText(claims, 'given_name');
      const lastname = claimText(claims, 'family_name');
      changes.put(
        KEYS.user(userid),
        encodeUser({
          userid,
          enable: true,
          expire: 0,
          ...(email !== undefined ? { email } : {}),
          ...(firstname !== undefined ? { firstname } : {}),
          ...(lastname !== undefined ? { lastname } : {}),
        }),
      );
    }
    if (wanted === undefined) return !exists;
    const target = new Set(wanted);
    const next = new Map<GroupId, Group>();
    for (const group of snapshot.users.groups.values()) {
      const member = group.members.has(userid);
      const shouldBe = target.has(group.groupid) || (member && !settings.groupsOverwrite);
      if (member === shouldBe) continue;
      const members = new Set(group.members);
      if (shouldBe) members.add(userid);
      else members.delete(userid);
      next.set(group.groupid, { ...group, members });
    }
    for (const groupid of target) {
      if (snapshot.users.groups.has(groupid)) continue;
      if (settings.groupsAutocreate) next.set(groupid, { groupid, members: new Set([userid]) });
      else warnings.push(`group '${groupid}' does not exist (groups-autocreate is off)`);
    }
    for (const group of next.values()) changes.put(KEYS.group(group.groupid), encodeGroup(group));
    return !exists;
  });
  return { userid, created, warnings };
}
