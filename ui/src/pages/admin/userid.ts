/** Proxmox user ids (`name@realm`), as the forms check them before asking. */

/** The realm of `name@realm` (after the last `@`). */
export function realmOf(userid: string): string {
  const at = userid.lastIndexOf('@');
  return at < 0 ? '' : userid.slice(at + 1);
}

/** Proxmox's user id: a name without whitespace, `:` or `/`, then `@realm`. */
export function userIdProblem(userid: string): string | undefined {
  if (userid.length < 3) return `user name '${userid}' is too short`;
  if (userid.length > 64) return `user name '${userid}' is too long`;
  if (!/^[^\s:/]+@[A-Za-z][A-Za-z0-9._-]+$/.test(userid))
    return `value '${userid}' does not look like a valid user name (name@realm)`;
  return undefined;
}
