/**
 * The `tessera` command line: one command tree, shaped like Proxmox's `pveum`.
 */
import { parseArgs } from 'node:util';
import { isTesseraError } from '../errors.js';
import { aclExplain } from './commands/acl.js';
import { auditCommand } from './commands/audit.js';
import { configCheck, configShow } from './commands/config.js';
import { doctorCommand } from './commands/doctor.js';
import { explainLogins } from './commands/explain.js';
import { realmSync } from './commands/realm.js';
import { serveCommand } from './commands/serve.js';
import { exportCommand, importCommand } from './commands/transfer.js';
import { tfaDelete, tfaList, tfaUnlock } from './commands/tfa.js';
import { userPermissions } from './commands/user.js';
import type { CommandContext } from './context.js';
import { parseOutputFormat, processIo, type Io } from './output.js';

interface Command {
  readonly words: readonly string[];
  readonly usage: string;
  readonly summary: string;
  /** Options the command accepts besides the global ones. */
  readonly options: readonly string[];
  readonly run: (ctx: CommandContext) => Promise<number>;
}

const COMMANDS: readonly Command[] = [
  {
    words: ['serve'],
    usage:
      'serve [--listen <host:port>] [--cert <file> --key <file>] [--trusted-proxy <cidr,...>] [--throttle off|<n>/<window>/<ban>] [--auth-log <file>] [--pam-service <name>] [--login-delay <s>] [--audit-log <file>] [--webauthn-rp-id <host>] [--webauthn-origin <url>] [--http] [--totp-failure-limit <n>] [--tfa-failure-limit <n>] [--tfa-lock-time <s>] [--node-name <name>] [--event-retention <count>/<days>]',
    summary: 'The HTTPS API (default 0.0.0.0:8006, self-signed certificate in the data directory).',
    options: [
      'listen',
      'cert',
      'key',
      'trusted-proxy',
      'throttle',
      'auth-log',
      'pam-service',
      'login-delay',
      'audit-log',
      'webauthn-rp-id',
      'webauthn-origin',
      'http',
      'totp-failure-limit',
      'tfa-failure-limit',
      'tfa-lock-time',
      'node-name',
      'event-retention',
    ],
    run: serveCommand,
  },
  {
    words: ['user', 'permissions'],
    usage: 'user permissions <userid|tokenid> [--path <path>]',
    summary: 'Effective permissions of a user or API token (GET /access/permissions).',
    options: ['path'],
    run: userPermissions,
  },
  {
    words: ['user', 'tfa', 'list'],
    usage: 'user tfa list [<userid>]',
    summary: 'Second factors of all users or of one, with locks and recovery keys left.',
    options: [],
    run: tfaList,
  },
  {
    words: ['user', 'tfa', 'delete'],
    usage: 'user tfa delete <userid> [--id <id>]',
    summary: "Deletes one second factor, or all of the user's.",
    options: ['id'],
    run: tfaDelete,
  },
  {
    words: ['user', 'tfa', 'unlock'],
    usage: 'user tfa unlock <userid>',
    summary: 'Lifts TOTP and second-factor lockouts.',
    options: [],
    run: tfaUnlock,
  },
  {
    words: ['explain'],
    usage: 'explain <userid> [--since 30m|2h|7d|<ISO date>]',
    summary: "Why a user's recent logins failed, with the next step (default: the last 24 h).",
    options: ['since'],
    run: explainLogins,
  },
  {
    words: ['realm', 'sync'],
    usage:
      'realm sync <realm> [--scope users|groups|both] [--remove-vanished acl;entry;properties|none] [--enable-new 0|1] [--dry-run] [--force]',
    summary:
      'Users and groups from a directory realm (force: remove even if the directory returned none).',
    options: ['scope', 'remove-vanished', 'enable-new', 'dry-run', 'force'],
    run: realmSync,
  },
  {
    words: ['acl', 'explain'],
    usage: 'acl explain <userid|tokenid> <path> <privilege>',
    summary: 'Which ACL entry, role, group or pool grants or denies a privilege.',
    options: [],
    run: aclExplain,
  },
  {
    words: ['config', 'show'],
    usage: 'config show <user.cfg|domains.cfg|priv/shadow.cfg|priv/token.cfg|priv/tfa.cfg>',
    summary: 'A configuration file as Proxmox would write it back.',
    options: [],
    run: configShow,
  },
  {
    words: ['import'],
    usage: 'import --pve-dir <dir> [--replace]',
    summary: 'Load a Proxmox configuration directory into the store, in one transaction.',
    options: ['pve-dir', 'replace'],
    run: importCommand,
  },
  {
    words: ['export'],
    usage: 'export --pve-dir <dir> [--force]',
    summary: 'Write the configuration as Proxmox files (token secrets stay behind).',
    options: ['pve-dir', 'force'],
    run: exportCommand,
  },
  {
    words: ['config', 'check'],
    usage: 'config check',
    summary: 'Every error and warning in the configuration, with file and line.',
    options: [],
    run: configCheck,
  },
  {
    words: ['audit'],
    usage: 'audit [--cert <file>]',
    summary:
      'Hardening findings (certificate: --cert, else the one serve made); exit 1 if any is medium or worse.',
    options: ['cert'],
    run: auditCommand,
  },
  {
    words: ['doctor'],
    usage:
      'doctor [--cert <file> [--key <file>] | --http] [--url <url>] [--webauthn-rp-id <host>] [--webauthn-origin <url>] [--node <name>] [--skip-network]',
    summary:
      'Checks clocks, store, realms, certificate, WebAuthn, a way in and failure spikes; exit 0 ok, 1 warn, 2 fail.',
    options: [
      'cert',
      'key',
      'http',
      'url',
      'webauthn-rp-id',
      'webauthn-origin',
      'node',
      'node-name',
      'skip-network',
    ],
    run: doctorCommand,
  },
];

const GLOBAL_OPTIONS = ['store', 'output-format', 'help'];

function helpText(): string {
  const width = Math.max(...COMMANDS.map((c) => c.usage.length));
  return [
    'Usage: tessera [--store <url>] [--output-format text|json|json-pretty] <command> ...',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`),
    `  ${'help'.padEnd(width)}  This text.`,
    '',
    'Options:',
    '  --store <url>            Where the configuration is: sqlite:<file> (default: sqlite:$TESSERA_DATA_DIR/tessera.db,',
    '                           ./data when unset), etcd://host:port[,host:port...], memory:, or pve-dir:<dir>',
    '                           (a Proxmox directory such as /etc/pve, read-only).',
    '  --output-format <fmt>    text (default), json or json-pretty.',
    '',
  ].join('\n');
}

/** Runs the command line; returns the exit status (0 ok, 1 failed, 2 usage error). */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        store: { type: 'string' },
        'output-format': { type: 'string' },
        path: { type: 'string' },
        id: { type: 'string' },
        scope: { type: 'string' },
        since: { type: 'string' },
        'remove-vanished': { type: 'string' },
        'enable-new': { type: 'string' },
        'dry-run': { type: 'boolean' },
        'pve-dir': { type: 'string' },
        replace: { type: 'boolean' },
        force: { type: 'boolean' },
        listen: { type: 'string' },
        cert: { type: 'string' },
        key: { type: 'string' },
        'trusted-proxy': { type: 'string' },
        throttle: { type: 'string' },
        'auth-log': { type: 'string' },
        'pam-service': { type: 'string' },
        'login-delay': { type: 'string' },
        'audit-log': { type: 'string' },
        'webauthn-rp-id': { type: 'string' },
        'webauthn-origin': { type: 'string' },
        http: { type: 'boolean' },
        'totp-failure-limit': { type: 'string' },
        'tfa-failure-limit': { type: 'string' },
        'tfa-lock-time': { type: 'string' },
        'node-name': { type: 'string' },
        'event-retention': { type: 'string' },
        node: { type: 'string' },
        url: { type: 'string' },
        'skip-network': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help === true || positionals.length === 0 || positionals[0] === 'help') {
      io.out(helpText());
      return positionals.length === 0 && values.help !== true ? 2 : 0;
    }
    const command = COMMANDS.find((c) => c.words.every((w, i) => positionals[i] === w));
    if (!command) {
      io.err(`tessera: unknown command '${positionals.join(' ')}'\n\n${helpText()}`);
      return 2;
    }
    for (const name of Object.keys(values)) {
      if (!GLOBAL_OPTIONS.includes(name) && !command.options.includes(name)) {
        io.err(
          `tessera: option '--${name}' is not valid for '${command.words.join(' ')}'\nusage: tessera ${command.usage}\n`,
        );
        return 2;
      }
    }
    return await command.run({
      io,
      format: parseOutputFormat(values['output-format']),
      args: positionals.slice(command.words.length),
      options: values,
      storeUrl: values.store,
    });
  } catch (err) {
    if (isTesseraError(err)) {
      io.err(`tessera: ${err.field !== undefined ? `${err.field}: ` : ''}${err.detail}\n`);
      return err.code === 'usage' || err.code === 'invalid_value' ? 2 : 1;
    }
    if (
      err instanceof TypeError &&
      'code' in err &&
      String(err.code).startsWith('ERR_PARSE_ARGS')
    ) {
      io.err(`tessera: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
