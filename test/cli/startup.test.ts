/**
 * What a query command loads: the modules that pveum's commands and `tessera config check`
 * import when they start (everything but the imports a module makes lazily, with
 * `import()`), read off the build. A query must not pay for the server, Fastify, the realms or
 * the etcd client, which made every command take a second.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../support/conformance.js';

const dist = join(repoRoot, 'dist', 'src');
const STATIC_IMPORT = /^import (?!type\b)[^;]*?from '([^']+)';/gms;

/** The modules of ours and the packages that loading `entries` loads at once. */
function eagerClosure(entries: readonly string[]): { modules: Set<string>; packages: Set<string> } {
  const modules = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (modules.has(file)) return;
    modules.add(file);
    for (const [, specifier = ''] of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) {
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier));
      else if (!specifier.startsWith('node:')) packages.add(specifier);
    }
  };
  for (const entry of entries) visit(join(dist, entry));
  return { modules, packages };
}

describe('command line start-up', () => {
  it('loads neither the server nor the realms nor etcd for a query on SQLite', () => {
    const queries: Record<string, readonly string[]> = {
      'config check': ['cli/commands/config.js'],
      // pveum's commands: the runner, the local mode and the one module of their operation.
      'user permissions': ['cli/pveum/run.js', 'cli/pveum/local.js', 'api/routes/permissions.js'],
      'user list': ['cli/pveum/run.js', 'cli/pveum/local.js', 'api/routes/users.js'],
      'realm add': ['cli/pveum/run.js', 'cli/pveum/local.js', 'api/routes/domains.js'],
      'user tfa unlock': ['cli/pveum/run.js', 'cli/pveum/local.js', 'api/routes/tfa.js'],
    };
    for (const [command, entries] of Object.entries(queries)) {
      const { modules, packages } = eagerClosure(['cli/run.js', ...entries, 'store/sqlite.js']);
      const ours = [...modules].map((file) => relative(dist, file));
      assert.deepEqual(
        ours.filter(
          (file) =>
            /^(realms|diagnostics)\//.test(file) ||
            ['api/app.js', 'api/server.js', 'tfa/webauthn.js', 'cli/commands/serve.js'].includes(
              file,
            ),
        ),
        [],
        command,
      );
      assert.deepEqual(
        [...packages].filter((p) => !['better-sqlite3', '@node-rs/argon2', 'otpauth'].includes(p)),
        [],
        command,
      );
    }
  });

  it('loads no command module before the command is known', () => {
    const { modules } = eagerClosure(['cli/run.js']);
    assert.deepEqual(
      [...modules]
        .map((file) => relative(dist, file))
        .filter((file) => file.startsWith('cli/commands/')),
      [],
    );
  });
});
