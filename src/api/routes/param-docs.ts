/**
 * What help says of the parameters several methods share (ids, comments, lists), written
 * once so that `user add` and `user modify` cannot describe the same thing two ways. Type
 * texts and defaults are Proxmox's, as pveum's help shows them; the conformance test
 * (test/conformance/api-schema.test.ts) holds them to Proxmox's schema.
 */
import type { ParamDoc } from '../params.js';

export const USERID_DOC = {
  description: 'The user, as name@realm (for example alice@pve).',
} as const satisfies ParamDoc;

/** Proxmox's type text of an API token's name is the Perl form of its pattern. */
export const TOKENID_DOC = {
  description: "The token's name, unique for its user; the token id is user@realm!name.",
  typetext: '(?^:[A-Za-z][A-Za-z0-9\\.\\-_]+)',
} as const satisfies ParamDoc;

export const GROUPID_DOC = {
  description: 'The group name: letters, digits, dot, dash and underscore.',
} as const satisfies ParamDoc;

export const ROLEID_DOC = {
  description: 'The role name. Built-in roles (PVEAdmin, PVEAuditor, ...) cannot be changed.',
} as const satisfies ParamDoc;

export const POOLID_DOC = {
  description: 'The resource pool, by name.',
} as const satisfies ParamDoc;

export const COMMENT_DOC = {
  description: 'A free-text note for administrators; it has no effect on access.',
} as const satisfies ParamDoc;

export const EXPIRE_DOC = {
  description: 'When the account stops working, in seconds since the epoch; 0 never expires.',
} as const satisfies ParamDoc;

export const TOKEN_EXPIRE_DOC = {
  description:
    'When the token stops working, in seconds since the epoch; 0 never expires. ' +
    "Left out, the token expires with its user's account.",
  default: 'same as user',
} as const satisfies ParamDoc;

export const PRIVSEP_DOC = {
  description:
    "1: the token has only the permissions granted to it by ACL entries, within its user's; " +
    "0: the token has all of its user's permissions.",
  default: 1,
} as const satisfies ParamDoc;

export const APPEND_DOC = {
  description: 'Add the given values to the existing ones instead of replacing them.',
} as const satisfies ParamDoc;

export const DELETE_SETTINGS_DOC = {
  description: 'Settings to remove (reset to their default), comma-separated.',
  list: true,
} as const satisfies ParamDoc;
