/**
 * The realms on the login page: which one is chosen first (the last one used, as Proxmox's UI
 * remembers it, else the `default` realm), how each is shown, and what a typed name means:
 * `user@realm` overrides the choice, `root` belongs to Linux PAM, an unknown realm after `@`
 * is part of the name.
 */
import { api } from '../../api.js';

export interface Realm {
  readonly realm: string;
  readonly type: string;
  readonly comment?: string;
  readonly default?: number;
  readonly tfa?: string;
}

const LAST_REALM = 'tessera.login-realm';

export function loadRealms(): Promise<Realm[]> {
  return api<Realm[]>('GET', '/access/domains');
}

/** Realms a password logs in to (OpenID realms have their own buttons). */
export function passwordRealms(realms: readonly Realm[]): Realm[] {
  return realms.filter((r) => r.type !== 'openid');
}

export function openidRealms(realms: readonly Realm[]): Realm[] {
  return realms.filter((r) => r.type === 'openid');
}

export function rememberRealm(realm: string): void {
  try {
    localStorage.setItem(LAST_REALM, realm);
  } catch {
    // Storage disabled: the default realm next time.
  }
}

function lastRealm(): string | null {
  try {
    return localStorage.getItem(LAST_REALM);
  } catch {
    return null;
  }
}

/** The realm chosen when the page opens. */
export function initialRealm(realms: readonly Realm[]): string {
  const choices = passwordRealms(realms);
  const last = lastRealm();
  if (last !== null && choices.some((r) => r.realm === last)) return last;
  return (
    (choices.find((r) => r.default === 1) ?? choices.find((r) => r.realm === 'pam') ?? choices[0])
      ?.realm ?? 'pam'
  );
}

export function realmLabel(realm: Realm): string {
  return realm.comment !== undefined && realm.comment !== ''
    ? `${realm.comment} (${realm.realm})`
    : realm.realm;
}

export interface NameNote {
  readonly kind: 'info' | 'warning';
  readonly text: string;
}

export interface LoginTarget {
  /** The parameters for `POST /access/ticket`. */
  readonly username: string;
  readonly realm?: string;
  /** What the form tells the user about the name. */
  readonly notes: readonly NameNote[];
}

/** What a typed name and the chosen realm log in as. */
export function loginTarget(
  typed: string,
  selected: string,
  realms: readonly Realm[],
): LoginTarget {
  const name = typed.trim();
  const at = name.lastIndexOf('@');
  if (at > 0 && at < name.length - 1) {
    const realmId = name.slice(at + 1);
    const realm = realms.find((r) => r.realm === realmId);
    if (realm?.type === 'openid')
      return {
        username: name,
        notes: [
          {
            kind: 'warning',
            text: `${realmId} is an OpenID realm: use the “Log in with ${realmId}” button, it takes no password here.`,
          },
        ],
      };
    if (realm)
      return {
        username: name,
        notes: [
          {
            kind: 'info',
            text: `Logging in to realm ${realmId}, as typed in the name (the Realm choice is not used).`,
          },
        ],
      };
    if (realms.length > 0)
      return {
        username: name,
        realm: selected,
        notes: [
          {
            kind: 'warning',
            text: `There is no realm ${realmId}: the name is sent as it is with the realm chosen below, as ${name}@${selected}.`,
          },
        ],
      };
  }
  const chosen = realms.find((r) => r.realm === selected);
  const notes: NameNote[] =
    name === 'root' && chosen !== undefined && chosen.type !== 'pam'
      ? [{ kind: 'warning', text: 'root is usually root@pam: choose Linux PAM.' }]
      : [];
  return { username: name, ...(selected !== '' ? { realm: selected } : {}), notes };
}

/** `5 minutes`, `45 seconds`, `3 hours`: a clock difference in words. */
export function describeDuration(ms: number): string {
  const seconds = Math.round(Math.abs(ms) / 1000);
  const unit = (n: number, word: string): string => `${String(n)} ${word}${n === 1 ? '' : 's'}`;
  if (seconds < 90) return unit(seconds, 'second');
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return unit(minutes, 'minute');
  const hours = Math.round(minutes / 60);
  if (hours < 36) return unit(hours, 'hour');
  return unit(Math.round(hours / 24), 'day');
}

/** More than this between the browser's clock and the server's earns a warning. */
export const CLOCK_TOLERANCE_MS = 30_000;

/** How far the browser's clock is ahead of the server's (negative: behind), if known. */
export function clockSkew(
  serverDate: Date | undefined,
  now: number = Date.now(),
): number | undefined {
  if (serverDate === undefined || Number.isNaN(serverDate.getTime())) return undefined;
  // The Date header has whole seconds: the server's clock is up to a second later than it says.
  const server = serverDate.getTime() + 500;
  return now - server;
}
