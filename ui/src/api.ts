/**
 * The only way the interface talks to Tessera: the `/api2/json` API, as Proxmox's own UI
 * does. Form-encoded bodies, the ticket in the `PVEAuthCookie` cookie (set `HttpOnly` by the
 * server: the header `X-Tessera-UI` asks for that), the CSRF token in the
 * `CSRFPreventionToken` header. Errors carry the status, the message and the field errors
 * the server named, so forms can show them next to their fields.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

export type Params = Readonly<Record<string, string | number | boolean | undefined>>;

let csrf: string | undefined;

export function setCsrfToken(token: string | undefined): void {
  csrf = token;
}

/**
 * What the server answers when a request's ticket is no longer accepted (expired, or revoked
 * by "log out everywhere" or a password change elsewhere). A wrong password re-entered for a
 * change is a 401 too, but `authentication failure`: the session goes on.
 */
const SESSION_REFUSED: ReadonlySet<string> = new Set(['Authentication failed!', 'No ticket']);

let sessionEnded: (() => void) | undefined;

/** Who hears that the server no longer accepts the session (the shell: back to the login). */
export function onSessionEnded(handler: (() => void) | undefined): void {
  sessionEnded = handler;
}

/** The server's clock as its last answer told it, for the clock-skew warning. */
export let lastServerDate: Date | undefined;

function form(params: Params): URLSearchParams {
  const body = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    body.set(key, typeof value === 'boolean' ? (value ? '1' : '0') : String(value));
  }
  return body;
}

export async function api<T = unknown>(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  params: Params = {},
): Promise<T> {
  const url = `/api2/json${path}`;
  const headers: Record<string, string> = { 'X-Tessera-UI': '1' };
  if (method !== 'GET' && csrf !== undefined) headers['CSRFPreventionToken'] = csrf;
  let response: Response;
  const body = form(params);
  // DELETE parameters go in the body: some of them are passwords, and URLs end up in logs.
  if (method === 'GET') {
    const query = body.toString();
    response = await fetch(query === '' ? url : `${url}?${query}`, {
      method,
      headers,
      credentials: 'same-origin',
    });
  } else {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    response = await fetch(url, { method, headers, body, credentials: 'same-origin' });
  }
  const date = response.headers.get('Date');
  if (date !== null) lastServerDate = new Date(date);
  let json: { data?: unknown; message?: string; errors?: Record<string, string> } = {};
  try {
    json = (await response.json()) as typeof json;
  } catch {
    // A proxy's error page, say: the status tells enough.
  }
  // A refused session is answered as pveproxy does: a status line without a body.
  const message = (json.message ?? response.statusText).trim();
  if (response.status === 401 && SESSION_REFUSED.has(message)) sessionEnded?.();
  if (!response.ok)
    throw new ApiError(
      response.status,
      message || `HTTP ${String(response.status)}`,
      json.errors ?? {},
    );
  return json.data as T;
}

/** A user-facing sentence for any error. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    const fields = Object.entries(err.errors).map(([field, text]) => `${field}: ${text.trim()}`);
    return fields.length > 0 ? `${err.message} (${fields.join('; ')})` : err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

/** A check the browser makes before asking: shown next to its field like the server's. */
export function fieldError(field: string, message: string): ApiError {
  return new ApiError(400, 'Parameter verification failed.', { [field]: message });
}

/** The path of one item of the list at `base`: `/access/users/bob%40pve`. */
export function itemPath(base: string, id: string): string {
  return `${base}/${encodeURIComponent(id)}`;
}
