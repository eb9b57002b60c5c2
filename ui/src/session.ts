/**
 * The logged-in session: the CSRF token, the user and its capabilities (`cap`). The ticket is
 * in a cookie the server sets `HttpOnly` (see src/api/session-cookie.ts): this code never
 * holds it. Before it expires (2 hours) it is renewed by logging in with an empty password,
 * which the server takes as the cookie's ticket (Proxmox's renewal with the ticket as the
 * password); logging out asks the server to drop the cookie.
 */
import { api, setCsrfToken } from './api.js';

export type Capabilities = Readonly<Record<string, Readonly<Record<string, number>>>>;

export interface Session {
  readonly username: string;
  readonly csrf: string;
  readonly cap: Capabilities;
}

export interface TicketAnswer {
  username: string;
  /** Only a partial ticket (second factor pending): a full one goes into the cookie. */
  ticket?: string;
  CSRFPreventionToken: string;
  cap?: Capabilities;
  NeedTFA?: number;
}

const STORAGE = 'tessera.session';
/** Renew at 15 minutes before the 2 hour lifetime. */
export const RENEW_AFTER_MS = 105 * 60 * 1000;

export function saveSession(session: Session): void {
  setCsrfToken(session.csrf);
  sessionStorage.setItem(STORAGE, JSON.stringify({ ...session, at: Date.now() }));
}

export function loadSession(): (Session & { at: number }) | undefined {
  const text = sessionStorage.getItem(STORAGE);
  if (text === null) return undefined;
  try {
    const session = JSON.parse(text) as Session & { at: number };
    setCsrfToken(session.csrf);
    return session;
  } catch {
    return undefined;
  }
}

export function clearSession(): void {
  void api('DELETE', '/access/ticket').catch(() => undefined);
  setCsrfToken(undefined);
  sessionStorage.removeItem(STORAGE);
}

export function sessionFrom(answer: TicketAnswer): Session {
  return {
    username: answer.username,
    csrf: answer.CSRFPreventionToken,
    cap: answer.cap ?? {},
  };
}

/** A fresh ticket for the current one. */
export async function renew(session: Session): Promise<Session> {
  const answer = await api<TicketAnswer>('POST', '/access/ticket', {
    username: session.username,
    password: '',
  });
  const next = sessionFrom(answer);
  saveSession(next);
  return next;
}

/** Whether `cap` grants `privilege` in `section` (access, vms, nodes, ...). */
export function can(session: Session, section: string, privilege: string): boolean {
  return session.username === 'root@pam' || session.cap[section]?.[privilege] === 1;
}
