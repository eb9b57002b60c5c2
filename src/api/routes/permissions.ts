/** `GET /access/permissions`: effective permissions, as Proxmox computes them. */
import { permissionsFor } from '../../permissions/effective.js';
import type { PermissionEngine } from '../../permissions/engine.js';
import type { Authid } from '../../model/ids.js';
import { RawJson } from '../http.js';
import type { OperationRegistry } from '../operation.js';

/**
 * Answers of `GET /access/permissions`, kept serialised per compiled engine and caller:
 * clients poll it (the UI on every page), and it only changes with the configuration. A
 * caller asking for one path of its own, the usual question, is found by the path alone.
 */
class PermissionAnswers {
  private static readonly LIMIT = 10_000;
  private size = 0;
  private readonly byCaller = new Map<Authid, Map<string, RawJson>>();

  answer(caller: Authid, question: PermissionQuestion, make: () => RawJson): RawJson {
    const key =
      question.userid === undefined && question.path !== undefined
        ? question.path
        : // A user id holds no newline, and `*` or `=` tells "every path" from one path.
          `\n${question.userid ?? ''}\n${question.path === undefined ? '*' : `=${question.path}`}`;
    let answers = this.byCaller.get(caller);
    const known = answers?.get(key);
    if (known) return known;
    const made = make();
    if (this.size >= PermissionAnswers.LIMIT) {
      this.byCaller.clear();
      this.size = 0;
      answers = undefined;
    }
    if (!answers) this.byCaller.set(caller, (answers = new Map<string, RawJson>()));
    answers.set(key, made);
    this.size++;
    return made;
  }
}

interface PermissionQuestion {
  readonly userid: string | undefined;
  readonly path: string | undefined;
}

const permissionAnswers = new WeakMap<PermissionEngine, PermissionAnswers>();

export function permissionOperations(api: OperationRegistry): void {
  api.operation(
    'GET',
    '/access/permissions',
    {
      userid: {
        type: 'string',
        optional: true,
        // Proxmox's type text is the Perl form of its pattern for a user or token id.
        typetext:
          '(?^:^(?^:[^\\s:/]+)\\@(?^:[A-Za-z][A-Za-z0-9\\.\\-_]+)(?:!(?^:[A-Za-z][A-Za-z0-9\\.\\-_]+))?$)',
        description:
          'Whose permissions: a user (user@realm) or an API token (user@realm!name); ' +
          'left out, the caller.',
      },
      path: {
        type: 'string',
        optional: true,
        description: 'Show only this path instead of every path with permissions.',
      },
    },
    ({ params, engine, caller }) => {
      let answers = permissionAnswers.get(engine);
      if (!answers) permissionAnswers.set(engine, (answers = new PermissionAnswers()));
      return answers.answer(
        caller.authid,
        params,
        () =>
          new RawJson(
            JSON.stringify(
              permissionsFor(engine, caller.authid, {
                ...(params.userid !== undefined ? { userid: params.userid } : {}),
                ...(params.path !== undefined ? { path: params.path } : {}),
              }),
            ),
          ),
      );
    },
    {
      name: 'permissions',
      description: 'Effective permissions of the caller, or of another user or token.',
      returns: { type: 'object' },
    },
  );
}
