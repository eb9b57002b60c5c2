/**
 * Every command of `tessera`: its words, arguments, options and help, and how to load it.
 * The implementations are imported only when their command runs, so that a query such as
 * `tessera user permissions` does not pay for loading the server, Fastify or the realms.
 */
import type { CompletionTable } from './commands/complete.js';
import type { CommandContext } from './context.js';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** The placeholder of the value in help, as in `--listen <host:port>`. */
  readonly value?: string;
  readonly description: string;
}

export type CommandRun = (ctx: CommandContext) => Promise<number>;

export interface CommandSpec {
  readonly words: readonly string[];
  /** Positional arguments as help shows them, as in `<userid>` or `[<userid>]`. */
  readonly args: readonly string[];
  /** One sentence for the command list. */
  readonly summary: string;
  /** More, for the command's own help. */
  readonly details?: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly load: () => Promise<CommandRun>;
}

export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  store: {
    type: 'string',
    value: 'url',
    description:
      'Where the configuration is: sqlite:<file> (default: sqlite:$TESSERA_DATA_DIR/tessera.db, ' +
      './data when unset), etcd://host:port[,host:port...], memory:, or pve-dir:<dir> ' +
      '(a Proxmox directory such as /etc/pve, read and written live beside pveum; ' +
      "Tessera's own state in $TESSERA_DATA_DIR/pve-state.db, or in <file> with ?state=<file>).",
  },
  'output-format': {
    type: 'string',
    value: 'format',
    description: 'text (default), json, json-pretty or yaml.',
  },
  // The booleans below may be followed by 0/1 (output-options.ts reads them).
  noborder: { type: 'boolean', description: "Do not draw borders (for 'text' format)." },
  noheader: { type: 'boolean', description: "Do not show column headers (for 'text' format)." },
  quiet: { type: 'boolean', description: 'Suppress printing results.' },
  'human-readable': {
    type: 'boolean',
    description:
      'Call output rendering functions to produce human readable text (default 1; 0 turns it off).',
  },
  help: { type: 'boolean', description: 'Help: of tessera, or of the command it follows.' },
};

const cert: OptionSpec = {
  type: 'string',
  value: 'file',
  description:
    'The HTTPS certificate (PEM); without it, the self-signed one in the data directory.',
};
const webauthnRpId: OptionSpec = {
  type: 'string',
  value: 'host',
  description:
    "The WebAuthn relying party id; overrides datacenter.cfg's webauthn id (default: the host name the browser used).",
};
const webauthnOrigin: OptionSpec = {
  type: 'string',
  value: 'url',
  description:
    "The origin browsers use, as in https://pve.example.com:8006; overrides datacenter.cfg's webauthn origin.",
};
const nodeName: OptionSpec = {
  type: 'string',
  value: 'name',
  description: "This node's name in heartbeats and events (default: the host name).",
};

export const COMMANDS: readonly CommandSpec[] = [
  {
    words: ['serve'],
    args: [],
    summary: 'Runs the HTTPS API and the web interface.',
    details:
      'On an empty store it first creates the realms pam and pve and the bootstrap ' +
      'administrator admin@pve, whose password it prints once and writes to ' +
      '$TESSERA_DATA_DIR/admin-password. It stops on SIGTERM or SIGINT.',
    options: {
      listen: {
        type: 'string',
        value: 'host:port',
        description: 'Where to listen (default 0.0.0.0:8006).',
      },
      cert: { ...cert, description: 'The certificate (PEM), with --key.' },
      key: { type: 'string', value: 'file', description: "The certificate's private key (PEM)." },
      http: {
        type: 'boolean',
        description: 'Plain HTTP, only on a loopback address (behind a local TLS proxy).',
      },
      'acme-domain': {
        type: 'string',
        value: 'name,...',
        description:
          'Get and renew the certificate for these names by ACME (HTTP-01), kept in the data directory.',
      },
      'acme-directory': {
        type: 'string',
        value: 'url',
        description: "The ACME server's directory (default Let's Encrypt's).",
      },
      'acme-email': {
        type: 'string',
        value: 'address',
        description: 'The contact of the ACME account (expiry notices).',
      },
      'acme-http': {
        type: 'string',
        value: 'host:port',
        description: 'Where the HTTP-01 responder listens (default 0.0.0.0:80).',
      },
      'acme-ca': {
        type: 'string',
        value: 'file',
        description:
          "The CA (PEM) of the ACME server's own HTTPS certificate, for a private ACME server.",
      },
      'acme-renew-days': {
        type: 'string',
        value: 'days',
        description:
          'Renew this many days before expiry (default 30, or a third of the lifetime if shorter).',
      },
      'trusted-proxy': {
        type: 'string',
        value: 'cidr,...',
        description: 'Proxies whose X-Forwarded-For names the client.',
      },
      throttle: {
        type: 'string',
        value: 'off|n/window/ban',
        description:
          'Failed-login throttle: failures per client and user name, window and ban in ' +
          'seconds (default 5/60/300; five times as many ban the client address).',
      },
      'login-delay': {
        type: 'string',
        value: 's',
        description: 'How long a failed login waits before it answers (default 3).',
      },
      'auth-log': {
        type: 'string',
        value: 'file',
        description: 'Also write failed logins to this file, in the format fail2ban reads.',
      },
      'audit-log': {
        type: 'string',
        value: 'file',
        description:
          'Also write refused logins and requests to this file, one JSON object a line, with the cause code.',
      },
      'access-log': {
        type: 'string',
        value: 'file',
        description:
          "Write one line per request to this file, in pveproxy's access-log format (reopened on SIGUSR1 and SIGHUP).",
      },
      'pam-service': {
        type: 'string',
        value: 'name',
        description: 'The PAM service of the pam realm (default tessera).',
      },
      'webauthn-rp-id': webauthnRpId,
      'webauthn-origin': webauthnOrigin,
      'totp-failure-limit': {
        type: 'string',
        value: 'n',
        description: 'Wrong TOTP codes before TOTP locks (default 8).',
      },
      'tfa-failure-limit': {
        type: 'string',
        value: 'n',
        description: 'Wrong second factors before the user is locked out (default 100).',
      },
      'tfa-lock-time': {
        type: 'string',
        value: 's',
        description: 'How long a second-factor lockout lasts (default 3600).',
      },
      'node-name': nodeName,
      'event-retention': {
        type: 'string',
        value: 'count/days',
        description: 'Authentication events to keep in the store (default 20000/30).',
      },
      'pve-keys': {
        type: 'string',
        value: 'dir',
        description:
          'Share tickets with a Proxmox VE cluster: sign and verify with its keys in dir ' +
          '(priv/authkey.key, authkey.pub, authkey.pub.old, pve-www.key; /etc/pve on a node), ' +
          're-read when they change; Tessera then never rotates the keys itself.',
      },
      'pve-keys-poll': {
        type: 'string',
        value: 's',
        description: 'How often --pve-keys checks the files for a rotation (default 5).',
      },
      'metrics-listen': {
        type: 'string',
        value: 'host:port',
        description:
          'Serve Prometheus metrics at /metrics on this address, plain HTTP (docs/monitoring.md).',
      },
      'metrics-token-file': {
        type: 'string',
        value: 'file',
        description:
          'Serve /metrics on the API port (or --metrics-listen) only with this bearer token.',
      },
    },
    load: async () => (await import('./commands/serve.js')).serveCommand,
  },
  {
    words: ['passwd'],
    args: ['<userid>'],
    summary:
      "Sets a pve user's password on the node, without the current one (a forgotten administrator password).",
    details:
      'Asks for the new password twice on a terminal, without echo; from a script, reads the ' +
      'first line of standard input. Acts as root@pam, recorded in the audit trail; tickets ' +
      'issued to the user before are refused from then on. Users of other realms change ' +
      "their password where the realm keeps it (root@pam: the node's passwd).",
    options: {},
    load: async () => (await import('./commands/passwd.js')).passwd,
  },
  {
    words: ['ticket'],
    args: ['<username>'],
    summary: "Logs in on the node and prints the ticket (pveum's ticket).",
    details:
      'The password is asked once on a terminal, without echo; from a script, the first line ' +
      'of standard input; never an argument. A user with a second factor gets the partial ' +
      'ticket: run again with --tfa-challenge <it> and the answer as the password. A failed ' +
      "login prints Proxmox's '401 authentication failure' and exits with 255; the cause is " +
      "in 'tessera explain logins'.",
    options: {
      realm: {
        type: 'string',
        value: 'realm',
        description: 'The realm, when the user name has none (<username>@<realm>).',
      },
      otp: {
        type: 'string',
        value: 'code',
        description: 'A second-factor code (TOTP, Yubico or recovery key) with the password.',
      },
      'tfa-challenge': {
        type: 'string',
        value: 'ticket',
        description: 'The partial ticket to answer; the password is then the second factor.',
      },
      path: {
        type: 'string',
        value: 'path',
        description: "With --privs: check the user's privileges on path; prints no ticket.",
      },
      privs: {
        type: 'string',
        value: 'priv,...',
        description: 'With --path: the privileges to check.',
      },
      'new-format': {
        type: 'boolean',
        description: 'Ignored, as in Proxmox (always the new format).',
      },
      'pam-service': {
        type: 'string',
        value: 'name',
        description: 'The PAM service of the pam realm (default tessera).',
      },
    },
    load: async () => (await import('./commands/ticket.js')).ticket,
  },
  {
    words: ['bashcomplete'],
    args: [],
    summary: "Completion for bash: complete -o default -C 'tessera bashcomplete' tessera.",
    details:
      'Bash calls it with COMP_LINE and COMP_POINT set; it prints the candidates: command ' +
      'words, options, user and token ids, groups, roles, realms, ACL paths and privileges ' +
      'from the configuration. contrib/bash-completion/tessera installs it.',
    options: {},
    load: async () => {
      const { bashComplete } = await import('./commands/complete.js');
      const table = await completionTable();
      return (ctx) => bashComplete(table, ctx);
    },
  },
  {
    words: ['user', 'logout'],
    args: ['<userid>'],
    summary: 'Logs a user out everywhere: every ticket issued so far is refused, on every node.',
    details:
      'For a password that may be known to others, a lost device or a departing user. ' +
      'API tokens are not affected (delete or regenerate them). Recorded in the audit trail.',
    options: {},
    load: async () => (await import('./commands/logout.js')).userLogout,
  },
  {
    words: ['user', 'tfa', 'list'],
    args: ['[<userid>]'],
    summary: "Second factors of all users or of one: each factor's type, id and description.",
    options: {},
    load: async () => (await import('./commands/tfa.js')).tfaList,
  },
  {
    words: ['user', 'tfa', 'delete'],
    args: ['<userid>'],
    summary: "Deletes one second factor, or all of the user's.",
    options: {
      id: { type: 'string', value: 'id', description: 'The factor to delete (default: all).' },
    },
    load: async () => (await import('./commands/tfa.js')).tfaDelete,
  },
  {
    words: ['explain'],
    args: ['<userid>'],
    summary: "Why a user's recent logins failed, with the next step.",
    options: {
      since: {
        type: 'string',
        value: 'when',
        description: '30m, 2h, 7d or an ISO date (default 24h).',
      },
    },
    load: async () => (await import('./commands/explain.js')).explainLogins,
  },
  {
    words: ['changes'],
    args: [],
    summary: 'Who changed what: the audit trail of configuration changes.',
    details:
      'Every change of users, groups, roles, ACLs, pools, tokens, realms, passwords and ' +
      'second factors, accepted, refused or failed, with who asked, from where and which ' +
      'fields; secrets appear only as (set) or (changed). Oldest first.',
    options: {
      user: {
        type: 'string',
        value: 'userid',
        description: 'Changes made by this user or to it (its account, tokens, factors, ACLs).',
      },
      entity: {
        type: 'string',
        value: 'entity',
        description: 'user, group, role, acl, pool, token, realm, password, tfa or config.',
      },
      id: { type: 'string', value: 'id', description: 'The entity id, as in /vms/100.' },
      since: {
        type: 'string',
        value: 'when',
        description: '30m, 2h, 7d or an ISO date (default 7d).',
      },
      limit: {
        type: 'string',
        value: 'n',
        description: 'At most this many, the newest (default 200, at most 5000).',
      },
    },
    load: async () => (await import('./commands/changes.js')).changesCommand,
  },
  {
    words: ['realm', 'sync'],
    args: ['<realm>'],
    summary: 'Users and groups from a directory realm.',
    options: {
      scope: { type: 'string', value: 'users|groups|both', description: 'What to sync.' },
      'remove-vanished': {
        type: 'string',
        value: 'acl;entry;properties|none',
        description: 'What to remove of users and groups the directory no longer has.',
      },
      'enable-new': {
        type: 'string',
        value: '0|1',
        description: 'Whether new users are enabled.',
      },
      full: {
        type: 'string',
        value: '0|1',
        description: "Deprecated (Proxmox's): remove-vanished entry;properties.",
      },
      purge: {
        type: 'string',
        value: '0|1',
        description: "Deprecated (Proxmox's): remove-vanished acl.",
      },
      'dry-run': { type: 'boolean', description: 'Print the changes without making them.' },
      force: {
        type: 'boolean',
        description: 'Remove vanished entries even when the directory returned none at all.',
      },
    },
    load: async () => (await import('./commands/realm.js')).realmSync,
  },
  {
    words: ['acl', 'explain'],
    args: ['<userid|tokenid>', '<path>', '<privilege>'],
    summary: 'Which ACL entry, role, group or pool grants or denies a privilege.',
    options: {},
    load: async () => (await import('./commands/acl.js')).aclExplain,
  },
  {
    words: ['config', 'show'],
    args: ['<file>'],
    summary: 'A configuration file as Proxmox would write it back.',
    details:
      'The file is one of user.cfg, domains.cfg, priv/shadow.cfg, priv/token.cfg, priv/tfa.cfg.',
    options: {},
    load: async () => (await import('./commands/config.js')).configShow,
  },
  {
    words: ['config', 'check'],
    args: [],
    summary: 'Every error and warning in the configuration, with file and line.',
    options: {},
    load: async () => (await import('./commands/config.js')).configCheck,
  },
  {
    words: ['config', 'get'],
    args: ['[<name>]'],
    summary: "Tessera's own settings for the whole deployment, or one of them.",
    details: 'password-hash: the hash new pve passwords get, argon2id (default) or sha512-crypt.',
    options: {},
    load: async () => (await import('./commands/settings.js')).configGet,
  },
  {
    words: ['config', 'set'],
    args: ['<name>', '<value>'],
    summary: "Changes one of Tessera's own settings, for every node of the store.",
    details:
      'password-hash argon2id|sha512-crypt: the hash new pve passwords get, and the one a ' +
      'login turns a hash of the other kind into. sha512-crypt ($6$rounds=50000$) is what ' +
      'Proxmox can verify: choose it to export to Proxmox or to run next to a cluster. ' +
      'Hashes already stored change only as their users log in or get new passwords.',
    options: {},
    load: async () => (await import('./commands/settings.js')).configSet,
  },
  {
    words: ['import'],
    args: [],
    summary: 'Loads a Proxmox configuration directory into the store, in one transaction.',
    details:
      'Into an empty store, or one that holds only what the first start of serve created, ' +
      'the import needs no --replace; the bootstrap administrator admin@pve stays unless the ' +
      "imported configuration has its own admin@pve. When the directory holds the cluster's " +
      'ticket keys (priv/authkey.key, authkey.pub, authkey.pub.old, pve-www.key), they replace ' +
      "Tessera's own: tickets are then shared with the cluster (see serve --pve-keys).",
    options: {
      'pve-dir': {
        type: 'string',
        value: 'dir',
        description: 'The directory, laid out like /etc/pve.',
      },
      replace: { type: 'boolean', description: 'Replace a configuration the store holds.' },
    },
    load: async () => (await import('./commands/transfer.js')).importCommand,
  },
  {
    words: ['backup'],
    args: ['<file>'],
    summary: 'Copies the store at one revision into a new file (secrets stay sealed).',
    details:
      "SQLite stores are copied with SQLite's online backup while serve goes on writing; etcd " +
      'stores are read at one revision into a text file with the revision, the key count and a ' +
      'SHA-256. The file is owner-only (0600). Secrets in it stay sealed with the store key: ' +
      'restoring, here or on another machine, needs that key too (docs/backup.md).',
    options: {
      force: { type: 'boolean', description: 'Replace the file if it exists.' },
    },
    load: async () => (await import('./commands/backup.js')).backupCommand,
  },
  {
    words: ['restore'],
    args: ['<file>'],
    summary: 'Puts the store back from a backup, after checking it whole.',
    details:
      'The backup is checked first (SQLite integrity, format, checksum, key count, every value ' +
      'decoded, every sealed secret opened with the store key this store uses); a damaged copy or ' +
      'another key writes nothing. A SQLite store must not be open in another process (stop ' +
      'serve first); an etcd store is replaced in one transaction.',
    options: {
      force: {
        type: 'boolean',
        description: 'Replace a store that holds a configuration.',
      },
    },
    load: async () => (await import('./commands/backup.js')).restoreCommand,
  },
  {
    words: ['export'],
    args: [],
    summary: 'Writes the configuration as Proxmox files (token secrets stay behind).',
    details:
      'It refuses to write password hashes Proxmox cannot verify (argon2id) and names their ' +
      "users: set 'config set password-hash sha512-crypt' and have them log in or set new " +
      'passwords first. API tokens need new secrets on the Proxmox side (the warning names ' +
      'them with the pveum commands).',
    options: {
      'pve-dir': { type: 'string', value: 'dir', description: 'Where to write the files.' },
      force: { type: 'boolean', description: 'Overwrite files that exist.' },
      'allow-lockout': {
        type: 'boolean',
        description:
          'Export even password hashes Proxmox cannot verify: their users cannot log in to Proxmox.',
      },
    },
    load: async () => (await import('./commands/transfer.js')).exportCommand,
  },
  {
    words: ['audit'],
    args: [],
    summary: 'Hardening findings; exit 1 if any is medium or worse.',
    options: { cert },
    load: async () => (await import('./commands/audit.js')).auditCommand,
  },
  {
    words: ['doctor'],
    args: [],
    summary:
      'Checks clocks, store, realms, certificate, WebAuthn, a way in and failure spikes; ' +
      'exit 0 ok, 1 warn, 2 fail.',
    details: "It takes the options of serve that matter, so serve's command line can be checked.",
    options: {
      cert,
      key: { type: 'string', value: 'file', description: "The certificate's private key." },
      http: { type: 'boolean', description: 'serve runs with --http (a proxy terminates TLS).' },
      url: {
        type: 'string',
        value: 'url',
        description: "The URL clients use, checked against the certificate's names.",
      },
      'webauthn-rp-id': webauthnRpId,
      'webauthn-origin': webauthnOrigin,
      node: nodeName,
      'node-name': { ...nodeName, description: 'The same as --node.' },
      'skip-network': {
        type: 'boolean',
        description: 'Leave out the connections to directories and OpenID providers.',
      },
    },
    load: async () => (await import('./commands/doctor.js')).doctorCommand,
  },
];

/** The longest run of words that names a command, or `undefined`. */
export function findCommand(positionals: readonly string[]): CommandSpec | undefined {
  let found: CommandSpec | undefined;
  for (const command of COMMANDS) {
    if (
      command.words.every((word, i) => positionals[i] === word) &&
      command.words.length > (found?.words.length ?? 0)
    )
      found = command;
  }
  return found;
}

/** Every command for completion: Tessera's own and pveum's (with their operations' options). */
export async function completionTable(): Promise<CompletionTable> {
  const { pveumCompletionSpecs } = await import('./pveum/describe.js');
  const commands = [...COMMANDS, ...(await pveumCompletionSpecs())];
  return {
    commands,
    globalOptions: GLOBAL_OPTIONS,
    find: (positionals) => {
      let found: (typeof commands)[number] | undefined;
      for (const command of commands)
        if (
          command.words.every((word, i) => positionals[i] === word) &&
          command.words.length > (found?.words.length ?? 0)
        )
          found = command;
      return found;
    },
  };
}
