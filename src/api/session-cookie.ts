/**
 * The web interface's ticket lives in a cookie only the server sets: `HttpOnly` (no script
 * reads it, so a script injected into the page cannot carry it away), `SameSite=Strict`,
 * and `Secure` over HTTPS. The interface says it wants this by sending the header
 * `X-Tessera-UI: 1` with its logins; no other page can send that header to Tessera (a
 * custom header across origins needs a CORS preflight, which Tessera never grants). For such
 * a login the answer carries no ticket, and an empty password renews the cookie's ticket.
 * Every other client (proxmoxer, proxmox-api, curl) gets the ticket in the JSON, as from
 * Proxmox, and sets the cookie itself.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

export const UI_HEADER = 'x-tessera-ui';
export const TICKET_COOKIE = 'PVEAuthCookie';

/** Whether the request comes from Tessera's web interface. */
export function fromWebInterface(request: FastifyRequest): boolean {
  return request.headers[UI_HEADER] === '1';
}

function attributes(request: FastifyRequest): string {
  return `Path=/; HttpOnly; SameSite=Strict${request.protocol === 'https' ? '; Secure' : ''}`;
}

/** The password of a login: for the web interface, an empty one is its cookie's ticket. */
export function loginPassword(
  request: FastifyRequest,
  password: string,
  cookieTicket: (request: FastifyRequest) => string | undefined,
): string {
  if (password !== '' || !fromWebInterface(request)) return password;
  return cookieTicket(request) ?? '';
}

/**
 * A login's answer as the caller gets it: for the web interface, the ticket goes into the
 * cookie and out of the answer (a partial ticket, which only a second factor completes,
 * stays in it).
 */
export function answerLogin(
  request: FastifyRequest,
  reply: FastifyReply,
  answer: Readonly<Record<string, unknown>>,
): Readonly<Record<string, unknown>> {
  const ticket = answer['ticket'];
  if (!fromWebInterface(request) || typeof ticket !== 'string' || answer['NeedTFA'] === 1)
    return answer;
  void reply.header(
    'set-cookie',
    `${TICKET_COOKIE}=${encodeURIComponent(ticket)}; ${attributes(request)}`,
  );
  return Object.fromEntries(Object.entries(answer).filter(([name]) => name !== 'ticket'));
}

/** Logging out of the web interface: the cookie goes (tickets stay valid until they expire). */
export function clearTicketCookie(request: FastifyRequest, reply: FastifyReply): void {
  void reply.header('set-cookie', `${TICKET_COOKIE}=; Max-Age=0; ${attributes(request)}`);
}
