/**
 * Proxmox VE's API schema for `/access`, `/pools`, `/nodes/{node}/tasks` and `/cluster/jobs`, read from the reference Perl modules
 * (`../shared/reference/src`) by `test/support/api-schema/dump-schema.pl` on the oracle's
 * stand-ins; `pool-oracle.pl` there answers pool calls as Proxmox would. Needs Perl and the oracle's Debian packages (the test command installs them).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './conformance.js';

export interface ProxmoxParameter {
  /** Absent where the schema states none. */
  readonly type?: string;
  readonly optional: boolean;
  readonly format?: unknown;
  readonly enum?: readonly string[];
  readonly default?: unknown;
  readonly maxLength?: number;
  readonly minLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly requires?: string;
  readonly description?: string;
  /** What pveum's help shows of the value (PVE::JSONSchema::schema_get_type_text). */
  readonly typetext?: string;
}

export interface ProxmoxMethod {
  /** With Proxmox's placeholders: `/access/users/{userid}`. */
  readonly path: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** The handler's name in the Perl module (`update_pool`). */
  readonly name: string;
  readonly parameters: Readonly<Record<string, ProxmoxParameter>>;
  readonly permissions: unknown;
  readonly returns: unknown;
  readonly allowtoken: boolean;
  readonly protected: boolean;
}

export const referenceRoot =
  process.env['TESSERA_REFERENCE_DIR'] ?? join(repoRoot, '..', 'shared', 'reference');

const scripts = join(repoRoot, 'test', 'support', 'api-schema');

/** Runs one of this folder's Perl scripts on the reference modules; its standard output. */
export function runReferencePerl(script: string, input = ''): string {
  const perl5lib = [
    join(scripts, 'stubs'),
    join(referenceRoot, 'oracle', 'stubs'),
    join(referenceRoot, 'src', 'pve-access-control', 'src'),
    join(referenceRoot, 'src', 'pve-common', 'src'),
    join(referenceRoot, 'src', 'pve-manager'),
  ].join(':');
  return execFileSync('perl', [join(scripts, script)], {
    input,
    env: { ...process.env, PERL5LIB: perl5lib, PERL_HASH_SEED: '0', PERL_PERTURB_KEYS: '0' },
    maxBuffer: 16 * 1024 * 1024,
  }).toString('utf8');
}

/** Every method of Proxmox's `/access` tree and of pve-manager's pools, tasks and jobs. */
export function proxmoxApiSchema(): readonly ProxmoxMethod[] {
  return JSON.parse(runReferencePerl('dump-schema.pl')) as ProxmoxMethod[];
}

/** Proxmox's `{userid}` as Fastify's `:userid`. */
export function fastifyPath(path: string): string {
  return path.replace(/\{([^}]+)\}/g, ':$1');
}

/** The reference oracle (`../shared/reference/oracle/run-oracle.sh`): one request, its answers. */
export function runOracle(request: unknown): unknown[] {
  const out = execFileSync(join(referenceRoot, 'oracle', 'run-oracle.sh'), {
    input: JSON.stringify(request),
    maxBuffer: 16 * 1024 * 1024,
  }).toString('utf8');
  return (JSON.parse(out) as { results: unknown[] }).results;
}
