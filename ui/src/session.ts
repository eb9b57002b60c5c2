/**
 * The logged-in session: the ticket in its cookie (as Proxmox's UI keeps it), the CSRF token,
 * the user and its capabilities (`cap`), renewed before the ticket expires (2 hours) by
 * logging in again with the ticket as the password, as Proxmox does.
 */
import { api, setCsrfToken } from './api.js';

export type Capabilities = Readonly<Record<string, Readonly<Record<string, number>>>>;

export interface Session {
  readonly username: string;
  readonly ticket: string;
  readonly csrf: string;
  readonly cap: Capabilities;
}

export interface TicketAnswer {
  username: string;
  ticket: string;
  CSRFPreventionToken: string;
  cap?: Capabilities;
  NeedTFA?: number;
}

const STORAGE = 'tessera.session';
/** Renew at 15 minutes before the 2 hour lifetime. */
export const RENEW_AFTER_MS = 105 * 60 * 1000;

export function saveSession(session: Session): void {
  document.cookie = `PVEAuthCookie=${encodeURIComponent(session.ticket)}; path=/; SameSite=Strict${location.protocol === 'https:' ? '; Secure' : ''}`;
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
  document.cookie = 'PVEAuthCookie=; path=/; max-age=0; SameSite=Strict';
  setCsrfToken(undefined);
  sessionStorage.removeItem(STORAGE);
}

export function sessionFrom(answer: TicketAnswer): Session {
  return {
    username: answer.username,
    ticket: answer.ticket,
    csrf: answer.CSRFPreventionToken,
    cap: answer.cap ?? {},
  };
}

/** A fresh ticket for the current one. */
export async function renew(session: Session): Promise<Session> {
  const answer = await api<TicketAnswer>('POST', '/access/ticket', {
    username: session.username,
    password: session.ticket,
  });
  const next = sessionFrom(answer);
  saveSession(next);
  return next;
}

/** Whether `cap` grants `privilege` in `section` (access, vms, nodes, ...). */
export function can(session: Session, section: string, privilege: string): boolean {
  return session.username === 'root@pam' || session.cap[section]?.[privilege] === 1;
}
