/** The API's answers that more than one administration page reads. */
import { api } from '../../api.js';

export interface UserRow {
  readonly userid: string;
  readonly enable?: number;
  readonly expire?: number;
  readonly firstname?: string;
  readonly lastname?: string;
  readonly email?: string;
  readonly comment?: string;
  readonly 'realm-type'?: string;
  readonly groups?: string;
  readonly tokens?: readonly { readonly tokenid: string }[] | null;
  readonly 'totp-locked'?: number;
  readonly 'tfa-locked-until'?: number;
}

export interface GroupRow {
  readonly groupid: string;
  readonly comment?: string;
  readonly users?: string;
}

export interface RoleRow {
  readonly roleid: string;
  readonly privs: string;
  readonly special: number;
}

export interface RealmRow {
  readonly realm: string;
  readonly type: string;
  readonly comment?: string;
  readonly default?: number;
  readonly tfa?: string;
}

export const DOMAINS = '/access/domains';

/** A realm's options (`GET /access/domains/{realm}`); `digest` guards a change against a race. */
export type RealmConfig = Readonly<Record<string, string | number>> & { readonly digest?: string };

/** The users with their details and token names (`full=1`). */
export function loadUsers(): Promise<UserRow[]> {
  return api<UserRow[]>('GET', '/access/users', { full: 1 });
}

/** The groups of a user, from the list's comma-separated `groups`. */
export function groupsOf(user: UserRow): string[] {
  return (user.groups ?? '').split(',').filter((g) => g !== '');
}

/** The ids of a user's API tokens: `bob@pve!ci`. */
export function tokenIdsOf(user: UserRow): string[] {
  return (user.tokens ?? []).map((t) => `${user.userid}!${t.tokenid}`);
}
