/**
 * ACL paths: Proxmox's normalisation (applied wherever a path enters the system) and the
 * whitelist of paths that new ACL entries may use.
 */
import { invalid } from '../errors.js';
import { compareCodePoints } from './compare.js';
import { show } from './ids.js';

declare const brand: unique symbol;
/** A normalised ACL path such as `/` or `/vms/100`. */
export type AclPath = string & { readonly [brand]: 'AclPath' };

// Unicode-aware like Perl's [[:alnum:]] on character strings: letters, marks and decimal
// digits. `:` (a user.cfg separator), whitespace and control characters can never pass, and
// unlike Perl's `$`, the end anchor here does not accept a trailing newline.
const PATH_CHARS = /^[\p{Alphabetic}\p{Nd}._\-/]+$/u;

/**
 * Proxmox's `normalize_path`: collapse `//`, drop one trailing `/`, prefix `/`. Returns
 * `undefined` for an empty or otherwise invalid path. Dots are not interpreted.
 */
export function normalizeAclPath(input: string | undefined): AclPath | undefined {
  // Perl's truth: "" and "0" are false, so both count as "no path".
  if (input === undefined || input === '' || input === '0') return undefined;
  let path = input.replace(/\/+/g, '/').replace(/\/$/, '');
  if (path === '' || path === '0') path = '/';
  if (!path.startsWith('/')) path = '/' + path;
  return PATH_CHARS.test(path) ? (path as AclPath) : undefined;
}

/**
 * A path a request names, as Proxmox checks it: neither normalised nor validated (its
 * permission walk splits the text as Perl's `split` does, so `/vms/100/` is `/vms/100`).
 * The one place where text becomes an {@link AclPath} without `normalizeAclPath`.
 */
/** The root of the tree, `/`. */
export const ROOT_ACL_PATH = '/' as AclPath;

export function requestedAclPath(input: string): AclPath {
  return input as AclPath;
}

export function parseAclPath(input: string, field = 'path'): AclPath {
  const path = normalizeAclPath(input);
  if (path === undefined) throw invalid(field, `invalid ACL path '${show(input)}'`);
  return path;
}

const ID = '[\\p{Alphabetic}\\p{Nd}._-]+';
const SDN_ID = '[\\p{Alphabetic}\\p{Nd}_-]+';
const SDN_PLAIN = '[\\p{Alphabetic}\\p{Nd}]+';

// The paths PUT /access/acl accepts for new entries (Proxmox's `check_path`). The
// permission engine itself works on any path: imported files may hold others.
const CHECK_PATH = new RegExp(
  '^(?:' +
    [
      '/',
      '/access',
      '/access/groups',
      `/access/groups/${ID}`,
      '/access/realm',
      `/access/realm/${ID}`,
      '/nodes',
      `/nodes/${ID}`,
      '/pool',
      `/pool/${ID}(?:/${ID}){0,2}`,
      '/storage',
      `/storage/${ID}`,
      '/vms',
      // VM ids start at 100 and have no leading zero.
      '/vms/[1-9][0-9]{2,}',
      '/sdn',
      `/sdn/controllers(?:/${SDN_ID})?`,
      `/sdn/dns(?:/${SDN_PLAIN})?`,
      `/sdn/fabrics(?:/${SDN_PLAIN})?`,
      `/sdn/ipams(?:/${SDN_PLAIN})?`,
      `/sdn/prefix-lists(?:/${SDN_PLAIN})?`,
      `/sdn/route-maps(?:/${SDN_PLAIN})?`,
      `/sdn/zones(?:/${ID}(?:/${ID}(?:/[1-9][0-9]{0,3})?)?)?`,
      '/mapping',
      `/mapping/${ID}`,
      `/mapping/${ID}/${ID}`,
    ].join('|') +
    ')$',
  'u',
);

/** Whether a (normalised) path may receive new ACL entries. */
export function isAssignableAclPath(path: string): boolean {
  return CHECK_PATH.test(path);
}

/** The path's segments below the root: `/vms/100` gives `["vms", "100"]`, `/` gives `[]`. */
export function aclPathSegments(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

/** ACL paths in tree pre-order: the root first, children by name. */
export function sortAclPaths(paths: Iterable<AclPath>): AclPath[] {
  const keyed = [...paths].map((path) => ({ path, segments: aclPathSegments(path) }));
  keyed.sort((a, b) => {
    const n = Math.min(a.segments.length, b.segments.length);
    for (let i = 0; i < n; i++) {
      const c = compareCodePoints(a.segments[i] ?? '', b.segments[i] ?? '');
      if (c !== 0) return c;
    }
    return a.segments.length - b.segments.length;
  });
  return keyed.map((k) => k.path);
}
