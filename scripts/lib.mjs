// Shared by `npm start`, `npm test`, `npm run bench` and bin/tessera: make sure the
// dependencies are installed and the TypeScript build is current, so that each of them
// works on a fresh clone with nothing but Node.js. Plain JavaScript with no dependencies.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = dirname(dirname(fileURLToPath(import.meta.url)));
const stamp = join(root, 'dist', '.build-stamp');

function run(command, args, what) {
  // Tool output goes to stderr so that a command's own output (JSON, say) stays clean.
  const result = spawnSync(command, args, { cwd: root, stdio: ['ignore', 2, 2] });
  if (result.status !== 0) {
    console.error(`tessera: ${what} failed (${command} ${args.join(' ')})`);
    process.exit(result.status ?? 1);
  }
}

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function newestIn(dir) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestIn(path) : mtime(path));
  }
  return newest;
}

/** Runs `npm ci` when node_modules is missing or older than package-lock.json. */
export function ensureDependencies() {
  const installed = join(root, 'node_modules', '.package-lock.json');
  if (existsSync(installed) && mtime(installed) >= mtime(join(root, 'package-lock.json'))) return;
  console.error('tessera: installing npm dependencies (npm ci)...');
  run('npm', ['ci', '--no-audit', '--no-fund'], 'installing dependencies');
}

/**
 * Installs the Debian packages of the commands that are missing from PATH, for tests that run
 * real servers. `packages` is a list of `{ command, package }` or `{ test, package }`.
 */
export function ensureSystemPackages(packages) {
  // An entry names a command that must be on PATH, or a shell test that must succeed.
  const found = ({ command, test }) =>
    (command !== undefined
      ? spawnSync('sh', ['-c', 'command -v "$1"', 'sh', command])
      : spawnSync('sh', ['-c', test], { stdio: 'ignore' })
    ).status === 0;
  const missing = packages.filter((entry) => !found(entry));
  if (missing.length === 0) return;
  const names = [...new Set(missing.map((entry) => entry.package))];
  const what = `installing the Debian packages ${names.join(' ')} (needed by the tests)`;
  // Through env(1) because sudo drops DEBIAN_FRONTEND from the environment.
  const sudo = process.getuid() === 0 ? [] : ['sudo', '-n'];
  const aptGet = (...args) => {
    const argv = [...sudo, 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', ...args];
    run(argv[0], argv.slice(1), what);
  };
  console.error(`tessera: ${what}...`);
  aptGet('update');
  aptGet('install', '-y', '-q', '--no-install-recommends', ...names);
  const still = missing.filter((entry) => !found(entry));
  if (still.length > 0) {
    console.error(
      `tessera: ${what}: still missing: ${still.map((e) => e.command ?? e.test).join(', ')}`,
    );
    process.exit(1);
  }
}

/**
 * node-linux-pam is optional (it needs libpam0g-dev to build, and npm leaves it out when the
 * build fails); when the headers arrived after the install, install again.
 */
export function ensurePamBinding() {
  const loads = spawnSync(process.execPath, ['-e', "require('node-linux-pam')"], { cwd: root });
  if (loads.status === 0) return;
  console.error('tessera: building the PAM binding (npm ci)...');
  run('npm', ['ci', '--no-audit', '--no-fund'], 'building the PAM binding');
}

/** Compiles TypeScript when any source is newer than the last build. */
/** Builds the web interface (Vite) when any of its sources is newer than the build. */
export function ensureUiBuilt() {
  const built = join(root, 'dist', 'ui', 'index.html');
  const sources = Math.max(newestIn(join(root, 'ui')), mtime(join(root, 'package-lock.json')));
  if (mtime(built) >= sources) return;
  run(
    process.execPath,
    [
      join(root, 'node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      '--config',
      join(root, 'ui', 'vite.config.mjs'),
    ],
    'build of the web interface',
  );
}

export function ensureBuilt() {
  const sources = Math.max(
    newestIn(join(root, 'src')),
    newestIn(join(root, 'test')),
    newestIn(join(root, 'bench')),
    mtime(join(root, 'tsconfig.json')),
    mtime(join(root, 'package-lock.json')),
  );
  ensureUiBuilt();
  if (mtime(stamp) >= sources) return;
  run(
    process.execPath,
    [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'],
    'build',
  );
  writeFileSync(stamp, new Date().toISOString() + '\n');
}
