/**
 * Every cause code in plain words, with the next step an administrator should take: the
 * troubleshooting playbooks of the field, one line each. `explain` prints them next to the
 * event's own precise reason (which names the server, the realm, the clock difference).
 */
import type { AuthCause } from '../errors.js';
import { PAM_BINDING_FIX } from '../realms/pam.js';

export interface Advice {
  readonly words: string;
  readonly next: string;
}

export const ADVICE: Readonly<Record<AuthCause, Advice>> = {
  unknown_user: {
    words: 'no such user',
    next: 'check the spelling; the user must exist in Tessera (create it, or sync the realm)',
  },
  invalid_username: { words: 'not a valid user name', next: 'use name@realm' },
  user_disabled: { words: 'the account is disabled', next: 'enable the user if it should log in' },
  user_expired: {
    words: 'the account has expired',
    next: "extend or clear the user's expiry date",
  },
  unknown_realm: {
    words: 'the realm does not exist',
    next: 'choose an existing realm in the login form (the form remembers the last one)',
  },
  realm_mismatch_suspected: {
    words: 'the user exists, but in another realm',
    next: 'log in with the realm named in the reason (root logs in as root@pam, realm Linux PAM)',
  },
  wrong_password: { words: 'wrong password', next: 'retype the password; reset it if forgotten' },
  password_too_long: {
    words:
      'the password is longer than any password Tessera checks (1024 bytes): refused without hashing',
    next: 'look for a client sending something else than the password (a file, a flood)',
  },
  pam_error: {
    words: 'Linux PAM refused the login',
    next: "check the node's PAM configuration (/etc/pam.d/tessera) and the system account",
  },
  pam_unavailable: {
    words: 'PAM support is not installed on this node',
    next: PAM_BINDING_FIX,
  },
  realm_unavailable: {
    words: 'the realm cannot check passwords',
    next: 'OpenID users log in with the "Log in with" button, not with a password',
  },
  ldap_unreachable: {
    words: 'the directory server did not answer',
    next: 'check server1/server2, the port and the firewall; `tessera doctor` tests the connection',
  },
  ldap_tls: {
    words: 'the TLS connection to the directory failed (certificate not trusted or wrong host)',
    next: "check the realm's capath (the CA) and that the server certificate names the host in server1",
  },
  ldap_bind_rejected: {
    words: "the directory rejected the realm's bind (its service account, or an anonymous bind)",
    next: 'check bind_dn and its password (it may have expired or been changed); without bind_dn, the directory must allow anonymous binds and searches',
  },
  ldap_user_not_found: {
    words: 'the directory has no entry for this user',
    next: 'check the name, base_dn and user_attr; the user may have been removed from the directory',
  },
  // Logins no longer apply the filter (Proxmox applies it to a sync only); events stored
  // before still name this cause.
  ldap_filter_excluded: {
    words: "the user existed in the directory but the realm's filter excluded it",
    next: 'nothing to change: logins no longer apply the filter, which limits a sync only',
  },
  ldap_account_disabled: {
    words: 'the directory account is disabled, locked or restricted',
    next: 'ask the directory administrator to enable or unlock the account',
  },
  ldap_password_expired: {
    words: 'the directory password has expired',
    next: 'change the password in the directory first',
  },
  ldap_error: {
    words: 'the directory answered with an error',
    next: 'read the reason; check the realm settings',
  },
  oidc_discovery_failed: {
    words: 'the OpenID provider could not be reached or described',
    next: "check the realm's issuer-url and that the provider answers over HTTPS",
  },
  oidc_state_mismatch: {
    words: 'the OpenID answer did not match a login in progress (state unknown, used or expired)',
    next: 'start the login again from the login page; a replayed or forged callback also ends here',
  },
  oidc_nonce_mismatch: {
    words: "the OpenID provider's ID token did not match the login (nonce)",
    next: 'start the login again; repeated failures point at a misbehaving proxy or provider',
  },
  oidc_code_rejected: {
    words: 'the OpenID provider refused the code',
    next: 'check the client id and key, and that redirect-url is registered at the provider',
  },
  oidc_claim_missing: {
    words: 'the OpenID answer lacks the user name claim, or the user does not exist',
    next: 'check username-claim and scopes, or turn on autocreate',
  },
  oidc_error: { words: 'the OpenID login failed', next: 'read the reason' },
  tfa_required: {
    words: 'a second factor is required but not set up or not usable here',
    next: "enroll a second factor for the user (the realm requires one), or answer with the realm's kind",
  },
  tfa_wrong_code: {
    words: 'wrong second-factor answer',
    next: "check the device's clock (TOTP codes depend on it) or use a recovery key",
  },
  tfa_challenge_invalid: {
    words: 'the second-factor step was not for this login (expired or forged)',
    next: 'log in again from the start',
  },
  tfa_locked: {
    words: 'too many wrong second-factor answers: locked for an hour',
    next: 'wait, or unlock with `tessera user tfa unlock <user>`',
  },
  totp_locked: {
    words: 'too many wrong TOTP codes: TOTP is locked',
    next: 'log in with a recovery key, or unlock with `tessera user tfa unlock <user>`',
  },
  tfa_unsupported: {
    words: 'an answer of an unknown kind',
    next: 'use the login page or a current client',
  },
  webauthn_failed: {
    words: 'the security key answer failed a check',
    next: 'the reason names the check: origin and rp id must match --webauthn-origin/--webauthn-rp-id',
  },
  webauthn_counter: {
    words: "the security key's counter went backwards: possibly a cloned key",
    next: 'investigate; remove the key and register it again if it is genuine',
  },
  yubico_unreachable: {
    words: 'the Yubico validation server did not answer',
    next: "check the realm's url and the network; this does not count against the user",
  },
  yubico_bad_signature: {
    words: "the Yubico validation server's answer was not signed with the realm's key",
    next: "check the realm's id and key",
  },
  yubico_rejected: {
    words: 'the Yubico OTP was rejected (replayed or invalid)',
    next: 'press the key again',
  },
  yubico_mismatch: {
    words: 'the Yubico validation answer was for another request',
    next: 'check for a proxy between Tessera and the validation server',
  },
  yubico_bad_otp: { words: 'not a Yubico OTP', next: 'press the key again' },
  store_read_only: {
    words: 'the configuration store has no quorum: changes cannot be recorded',
    next: 'bring the etcd members back (most of them must be up); `tessera doctor` shows which answer',
  },
  throttled: {
    words: 'too many failed logins from this address for this name',
    next: 'wait a few minutes; look for a script or device with an old password',
  },
  login_overloaded: {
    words: 'too many password checks were waiting; this source had used more than others',
    next: 'retry; if it lasts, look for the addresses flooding logins (the auth log) and block them',
  },
  no_permission: {
    words: 'logged in, but without the requested privilege',
    next: 'grant the privilege',
  },
  server_not_ready: { words: 'the server keys were not ready', next: 'retry in a moment' },
  no_credentials: { words: 'no ticket or token was sent', next: 'log in first' },
  ticket_invalid: {
    words: 'the ticket is not valid (forged, damaged or signed by a key no longer known)',
    next: 'log in again',
  },
  ticket_expired: {
    words: 'the ticket has expired (2 hours)',
    next: 'log in again; clients must renew tickets',
  },
  ticket_not_yet_valid: {
    words: "the ticket was issued in the future: the issuing node's clock is ahead",
    next: 'synchronise the clocks of all nodes (chrony or systemd-timesyncd); `tessera doctor` names the node',
  },
  ticket_revoked: {
    words:
      "the ticket was issued before the user's sessions were revoked (password change, disable, delete, second-factor reset or log out everywhere)",
    next: 'log in again',
  },
  csrf_missing: {
    words: 'a change was sent with the ticket cookie but without the CSRFPreventionToken header',
    next: 'the client must send the CSRF token it got at login',
  },
  csrf_invalid: { words: 'the CSRF token does not belong to this ticket', next: 'log in again' },
  token_invalid: {
    words: 'the API token secret is wrong',
    next: 'check the secret; regenerate the token if lost',
  },
  token_unknown: { words: 'no such API token', next: 'check the token id (user@realm!name)' },
  token_expired: {
    words: 'the API token has expired',
    next: "extend the token's expiry or create a new one",
  },
};

export function adviceFor(cause: AuthCause | undefined): Advice | undefined {
  return cause === undefined ? undefined : ADVICE[cause];
}
