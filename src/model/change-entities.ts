/**
 * What a change event can be about: the filter the audit trail offers, in the server, the
 * command line and the web interface alike.
 */
export const CHANGE_ENTITIES = [
  'user',
  'group',
  'role',
  'acl',
  'pool',
  'token',
  'realm',
  'password',
  'tfa',
  'config',
  'job',
] as const;

export type ChangeEntity = (typeof CHANGE_ENTITIES)[number];

export function isChangeEntity(value: string): value is ChangeEntity {
  return (CHANGE_ENTITIES as readonly string[]).includes(value);
}
