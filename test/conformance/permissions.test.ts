/**
 * The permission engine against Proxmox: the upstream perm-test1..8 assertions, about 4,100
 * answers computed by the real Perl code (permission-matrix.json), and the
 * GET /access/permissions authorisation matrix (api-get-permissions.json).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTesseraError } from '../../src/errors.js';
import { parseUserCfg } from '../../src/formats/user-cfg.js';
import { PRIVILEGES } from '../../src/model/privileges.js';
import {
  capabilities,
  effectivePermissions,
  permissionsFor,
} from '../../src/permissions/effective.js';
import { PermissionEngine, resultToObject } from '../../src/permissions/engine.js';
import { explain, roles } from '../../src/permissions/explain.js';
import { readConformanceJson } from '../support/conformance.js';
// Proxmox's fixtures name ids and paths as its own tests write them: they are read as such.
import type { AclPath } from '../../src/model/acl-path.js';
import type { Authid } from '../../src/model/ids.js';

function engineFor(configText: string): PermissionEngine {
  return PermissionEngine.compile(parseUserCfg(configText).value);
}

function rolesAsObject(engine: PermissionEngine, authid: Authid, path: AclPath): unknown {
  const result = roles(engine, authid, path);
  if (typeof result === 'string') return result;
  return Object.fromEntries([...result].map(([r, p]) => [r, p ? 1 : 0]));
}

interface PermTestFile {
  config: string;
  config_text: string;
  cases: { op: 'roles' | 'permissions'; authid: Authid; path: AclPath; expected: string[] }[];
}

describe('perm-tests.json (Proxmox src/test/perm-test1..8.pl)', () => {
  const data = readConformanceJson<{ files: PermTestFile[] }>(
    'pve-access-control',
    'perm-tests.json',
  );
  for (const file of data.files) {
    const engine = engineFor(file.config_text);
    file.cases.forEach((c, i) => {
      it(`${file.config} #${i + 1}: ${c.op}(${c.authid}, ${c.path})`, () => {
        const actual =
          c.op === 'roles'
            ? [...(roles(engine, c.authid, c.path) as ReadonlyMap<string, boolean>).keys()].sort()
            : [...engine.privileges(c.authid, c.path).keys()].sort();
        assert.deepEqual(actual, c.expected);
        // Asked twice, as upstream does, to exercise the cache.
        if (c.op === 'permissions')
          assert.deepEqual([...engine.privileges(c.authid, c.path).keys()].sort(), c.expected);
      });
    });
  }
});

interface MatrixConfig {
  config: string;
  config_text: string;
  cases: (
    | { op: 'roles'; authid: Authid; path: AclPath; expected: Record<string, number> | string }
    | { op: 'permissions'; authid: Authid; path: AclPath; expected: Record<string, number> }
    | { op: 'effective' | 'api_permission'; authid: Authid; expected: Record<string, unknown> }
  )[];
}

describe('permission-matrix.json (answers of the upstream Perl code)', () => {
  const data = readConformanceJson<{ configs: MatrixConfig[] }>(
    'pve-access-control',
    'generated',
    'permission-matrix.json',
  );
  for (const config of data.configs) {
    const ops = ['roles', 'permissions', 'effective', 'api_permission'] as const;
    for (const op of ops) {
      const cases = config.cases.filter((c) => c.op === op);
      it(`${config.config}: ${op} (${cases.length} answers)`, () => {
        const engine = engineFor(config.config_text);
        for (const c of cases) {
          let actual: unknown;
          if (c.op === 'roles') actual = rolesAsObject(engine, c.authid, c.path);
          else if (c.op === 'permissions') actual = resultToObject(engine.result(c.authid, c.path));
          else if (c.op === 'effective') actual = effectivePermissions(engine, c.authid);
          else actual = capabilities(engine, c.authid);
          assert.deepEqual(
            actual,
            c.expected,
            `${c.op}(${c.authid}${'path' in c ? `, ${c.path}` : ''})`,
          );
        }
      });
    }

    it(`${config.config}: explain agrees with can() for every principal, path and privilege`, () => {
      const engine = engineFor(config.config_text);
      const principals = new Set(config.cases.map((c) => c.authid));
      const paths = new Set(config.cases.flatMap((c) => ('path' in c ? [c.path] : [])));
      for (const authid of principals) {
        for (const path of paths) {
          for (const privilege of PRIVILEGES) {
            const explanation = explain(engine, authid, path, privilege);
            assert.equal(
              explanation.granted,
              engine.can(authid, path, privilege),
              `${authid} ${path} ${privilege}: ${explanation.summary}`,
            );
          }
        }
      }
    });
  }
});

interface ApiCase {
  authid: Authid;
  description: string;
  params: { userid?: string; path?: string };
  should_fail: boolean;
  result?: Record<string, Record<string, number>>;
  error?: string;
  status?: number;
}

describe('api-get-permissions.json (Proxmox src/test/api-get-permissions-test.pl)', () => {
  const data = readConformanceJson<{ config_text: string; cases: ApiCase[] }>(
    'pve-access-control',
    'api-get-permissions.json',
  );
  const engine = engineFor(data.config_text);
  for (const c of data.cases) {
    it(`${c.authid}: ${c.description}`, () => {
      if (c.should_fail) {
        assert.throws(
          () => permissionsFor(engine, c.authid, c.params),
          (err: unknown) =>
            isTesseraError(err, 'permission_denied') &&
            err.status === c.status &&
            `${err.publicMessage}\n` === c.error,
        );
      } else {
        assert.deepEqual(permissionsFor(engine, c.authid, c.params), c.result);
      }
    });
  }
});
