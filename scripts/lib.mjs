// Shared by `npm start`, `npm test`, `npm run bench` and bin/tessera: make sure the
// dependencies are installed and the build is current, so that each of them works on a fresh
// clone with nothing but Node.js. Plain JavaScript with no dependencies. Everything it runs
// says what it is doing and about how long it takes; the output goes to stderr, so that a
// command's own output (JSON, say) stays clean.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = join(root, 'dist');
/** Written after a build of the server (src/ without its tests) and after a full build. */
const serverStamp = join(dist, '.build-stamp-server');
const fullStamp = join(dist, '.build-stamp');
const TICK_MS = 30_000;

function say(text) {
  process.stderr.write(`tessera: ${text}\n`);
}

function seconds(ms) {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

/**
 * Runs a tool to its end, saying every 30 s that it is still at work. SIGINT and SIGTERM go
 * to the tool too, so that stopping `npm start` during an install stops the install.
 */
async function run(command, args, what) {
  const started = Date.now();
  const child = spawn(command, args, { cwd: root, stdio: ['ignore', 2, 2] });
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const ticker = setInterval(
    () => say(`still ${what} (${seconds(Date.now() - started)})...`),
    TICK_MS,
  );
  const [code, signal] = await new Promise((resolve) => {
    child.on('error', (err) => {
      say(`${what}: cannot run ${command}: ${err.message}`);
      resolve([127, null]);
    });
    child.on('exit', (exitCode, exitSignal) => resolve([exitCode, exitSignal]));
  });
  clearInterval(ticker);
  process.off('SIGINT', forward);
  process.off('SIGTERM', forward);
  if (signal !== null) {
    say(`${what}: stopped by ${signal}`);
    process.exit(1);
  }
  if (code !== 0) {
    say(`${what} failed (${command} ${args.join(' ')})`);
    process.exit(code ?? 1);
  }
  return Date.now() - started;
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
export async function ensureDependencies() {
  const installed = join(root, 'node_modules', '.package-lock.json');
  if (existsSync(installed) && mtime(installed) >= mtime(join(root, 'package-lock.json'))) return;
  say(
    'installing the npm dependencies with npm ci: about 2 minutes on 2 cores, most of it ' +
      'compiling better-sqlite3 (once only)...',
  );
  const took = await run('npm', ['ci', '--no-audit', '--no-fund'], 'installing dependencies');
  say(`dependencies installed in ${seconds(took)}`);
  if (!pamBindingLoads())
    say(
      'note: without the PAM headers the binding for Linux PAM logins (realm pam) was left ' +
        'out; everything else works. For PAM logins: apt-get install libpam0g-dev, then ' +
        'npm install',
    );
}

function pamBindingLoads() {
  const probe = spawnSync(process.execPath, ['-e', "require('node-linux-pam')"], { cwd: root });
  return probe.status === 0;
}

/**
 * node-linux-pam is optional (it needs libpam0g-dev to build, and npm leaves it out when the
 * build fails); the tests need it, so when the headers arrived after the install, `npm
 * install` adds what the first install left out.
 */
export async function ensurePamBinding() {
  if (pamBindingLoads()) return;
  say('building the binding for Linux PAM (npm install, a few seconds)...');
  await run('npm', ['install', '--no-audit', '--no-fund'], 'building the PAM binding');
}

/** Installs the Debian packages of the commands that are missing from PATH. */
export async function ensureSystemPackages(packages) {
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
    return run(argv[0], argv.slice(1), what);
  };
  say(`${what}, about a minute...`);
  await aptGet('update');
  await aptGet('install', '-y', '-q', '--no-install-recommends', ...names);
  const still = missing.filter((entry) => !found(entry));
  if (still.length > 0) {
    say(`${what}: still missing: ${still.map((e) => e.command ?? e.test).join(', ')}`);
    process.exit(1);
  }
}

/** Builds the web interface (Vite) when any of its sources is newer than the build. */
async function ensureUiBuilt() {
  const built = join(dist, 'ui', 'index.html');
  const sources = Math.max(newestIn(join(root, 'ui')), mtime(join(root, 'package-lock.json')));
  if (mtime(built) >= sources) return;
  say('building the web interface (Vite, a few seconds)...');
  await run(
    process.execPath,
    [
      join(root, 'node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      '--config',
      join(root, 'ui', 'vite.config.mjs'),
    ],
    'building the web interface',
  );
}

/** Compiles with `tsc -p <config>` when a source is newer than the stamp of the last build. */
async function compile(config, stamps, sources, what) {
  if (Math.max(...stamps.map(mtime)) >= sources) return;
  say(`compiling ${what} (TypeScript, about 10 s)...`);
  // The stamp takes the time the build started: a file saved during the build is newer.
  const started = new Date();
  await run(
    process.execPath,
    [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', config],
    `compiling ${what}`,
  );
  writeFileSync(stamps[0], `${started.toISOString()}\n`);
  utimesSync(stamps[0], started, started);
}

const buildInputs = () =>
  Math.max(
    mtime(join(root, 'tsconfig.json')),
    mtime(join(root, 'tsconfig.build.json')),
    mtime(join(root, 'package-lock.json')),
  );

/** What the server and the command line need: src/ without its tests, and the web interface. */
export async function ensureServerBuilt() {
  await ensureUiBuilt();
  // A full build holds the server too.
  await compile(
    'tsconfig.build.json',
    [serverStamp, fullStamp],
    Math.max(newestIn(join(root, 'src')), buildInputs()),
    'Tessera',
  );
}

/** Everything, with the tests and the benchmarks. */
export async function ensureAllBuilt() {
  await ensureUiBuilt();
  const sources = Math.max(
    newestIn(join(root, 'src')),
    newestIn(join(root, 'test')),
    newestIn(join(root, 'bench')),
    buildInputs(),
  );
  await compile('tsconfig.json', [fullStamp], sources, 'Tessera with its tests and benchmarks');
}

/** Dependencies and the server build: what bin/tessera and `npm start` need. */
export async function ensureServer() {
  await ensureDependencies();
  await ensureServerBuilt();
}
