/**
 * What the listing methods return, as Proxmox's API schema declares it: the property names,
 * types and which are optional. pveum's tables take their columns from these (required
 * properties first, then the optional ones, each sorted), so they are part of the interface;
 * test/conformance/api-schema.test.ts holds them to Proxmox's.
 */
import type { ReturnsSchema } from '../operation.js';

const string = { type: 'string' } as const;
const optionalString = { type: 'string', optional: 1 } as const;
const optionalInteger = { type: 'integer', optional: 1 } as const;
const optionalBoolean = { type: 'boolean', optional: 1 } as const;

const objectOf = (properties: Readonly<Record<string, ReturnsSchema>>) =>
  ({ type: 'object', properties }) as const;

const listOf = (properties: Readonly<Record<string, ReturnsSchema>>) =>
  ({ type: 'array', items: objectOf(properties) }) as const;

const TOKEN_FIELDS = {
  comment: optionalString,
  expire: optionalInteger,
  privsep: optionalBoolean,
} as const;

export const TOKEN_LIST = listOf({ tokenid: string, ...TOKEN_FIELDS });

export const USER_LIST = listOf({
  userid: string,
  comment: optionalString,
  email: optionalString,
  enable: optionalBoolean,
  expire: optionalInteger,
  firstname: optionalString,
  lastname: optionalString,
  groups: optionalString,
  keys: optionalString,
  'realm-type': optionalString,
  'tfa-locked-until': optionalInteger,
  tokens: { type: 'array', optional: 1, items: TOKEN_LIST.items },
  'totp-locked': optionalBoolean,
});

export const GENERATED_TOKEN: ReturnsSchema = {
  type: 'object',
  properties: {
    'full-tokenid': string,
    info: { type: 'object', properties: TOKEN_FIELDS },
    value: string,
  },
};

export const TOKEN_INFO: ReturnsSchema = {
  type: 'object',
  properties: {
    ...TOKEN_FIELDS,
    'full-tokenid': optionalString,
    value: optionalString,
  },
};

export const GROUP_LIST = listOf({
  groupid: string,
  comment: optionalString,
  users: optionalString,
});

export const ROLE_LIST = listOf({
  roleid: string,
  privs: optionalString,
  special: optionalBoolean,
});

export const ACL_LIST = listOf({
  path: string,
  propagate: optionalBoolean,
  roleid: string,
  type: string,
  ugid: string,
});

export const DOMAIN_LIST = listOf({
  realm: string,
  type: string,
  comment: optionalString,
  tfa: optionalString,
});

export const POOL_LIST = listOf({
  poolid: string,
  comment: optionalString,
  members: {
    type: 'array',
    optional: 1,
    items: {
      type: 'object',
      properties: {
        id: string,
        node: string,
        storage: optionalString,
        type: string,
        vmid: optionalInteger,
      },
    },
  },
});
