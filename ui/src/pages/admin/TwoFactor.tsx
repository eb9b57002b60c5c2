/**
 * Two Factor: the second factors of every user the caller may see (`GET /access/tfa`, which
 * lists the own user and those the caller holds User.Modify or Sys.Audit for), as Proxmox's
 * TFA panel shows them: user, type, description, when added, enabled (or locked). Disabling,
 * enabling and deleting ask for the current password (root@pam excepted), as the server
 * does; locked users can be unlocked (`PUT /access/users/{userid}/unlock-tfa`). Buttons show
 * where the session may act: the own factors, or with User.Modify; only root@pam touches
 * root@pam's. The server decides in the end (groups, and users holding more than the caller).
 */
import { useRef, useState, type ReactNode } from 'react';
import { api, itemPath } from '../../api.js';
import type { Column } from '../../components/Table.js';
import { can, type Session } from '../../session.js';
import { formatTime, tfaPath, typeName, type TfaEntry } from '../account/common.js';
import type { PageProps } from '../page.js';
import { RowButton } from './buttons.js';
import { yesNo } from './format.js';
import { ListPageView, useListPage } from './list-page.js';
import { PasswordConfirmButton } from './PasswordConfirm.js';
import { focusFilter, ofUser, ownersOf, UserFilter } from './user-filter.js';

/** One user of `GET /access/tfa`. */
interface TfaUser {
  readonly userid: string;
  readonly entries: readonly TfaEntry[];
  readonly 'totp-locked'?: boolean | number;
  readonly 'tfa-locked-until'?: number;
}

interface Lock {
  readonly userid: string;
  readonly totp: boolean;
  /** Unix time every factor is locked until. */
  readonly until?: number;
}

interface FactorRow extends TfaEntry {
  readonly userid: string;
  readonly locked: boolean;
}

const ROOT = 'root@pam';

function lockOf(user: TfaUser, now: number): Lock | undefined {
  const totp = user['totp-locked'] === true || user['totp-locked'] === 1;
  const until = user['tfa-locked-until'];
  const timed = until !== undefined && until > now;
  if (!totp && !timed) return undefined;
  return { userid: user.userid, totp, ...(timed ? { until } : {}) };
}

function rowsOf(users: readonly TfaUser[], locks: readonly Lock[]): FactorRow[] {
  return users.flatMap((u) => {
    const lock = locks.find((l) => l.userid === u.userid);
    return u.entries.map((e) => ({
      ...e,
      userid: u.userid,
      // As Proxmox's panel: a timed lock stops every factor, the TOTP lock only TOTP.
      locked: lock !== undefined && (lock.until !== undefined || (lock.totp && e.type === 'totp')),
    }));
  });
}

function enabled(e: FactorRow): boolean {
  return e.enable !== false && e.enable !== 0;
}

const COLUMNS: readonly Column<FactorRow>[] = [
  { key: 'userid', title: 'User', value: (e) => e.userid },
  { key: 'type', title: 'Type', value: (e) => typeName(e.type) },
  { key: 'description', title: 'Description', value: (e) => e.description ?? '' },
  {
    key: 'created',
    title: 'Added',
    value: (e) => e.created,
    render: (e) => formatTime(e.created),
  },
  {
    key: 'enable',
    title: 'Enabled',
    value: (e) => `${yesNo(enabled(e))}${e.locked ? ' (locked)' : ''}`,
  },
];

/** `TOTP app “phone” of bob@pve`: what a button and its dialog act on. */
function entryName(e: FactorRow): string {
  const described =
    e.description !== undefined && e.description !== ''
      ? `${typeName(e.type)} “${e.description}”`
      : typeName(e.type);
  return `${described} of ${e.userid}`;
}

/** Whose factors the session may change; only root@pam changes root@pam's. */
function mayChange(session: Session, userid: string): boolean {
  if (userid === ROOT) return session.username === ROOT;
  return userid === session.username || can(session, 'access', 'User.Modify');
}

function lockText(lock: Lock): string {
  const parts: string[] = [];
  if (lock.totp) parts.push('TOTP locked after too many wrong codes');
  if (lock.until !== undefined)
    parts.push(`every second factor locked until ${formatTime(lock.until)}`);
  return parts.join('; ');
}

export function AdminTwoFactor({ session }: PageProps): ReactNode {
  const [locks, setLocks] = useState<readonly Lock[]>([]);
  const page = useListPage<FactorRow, never>('tfa', async () => {
    const users = await api<TfaUser[]>('GET', '/access/tfa');
    const now = Date.now() / 1000;
    const found = users.flatMap((u) => lockOf(u, now) ?? []);
    setLocks(found);
    return rowsOf(users, found);
  });
  const [owner, setOwner] = useState('');
  const filterBox = useRef<HTMLDivElement>(null);
  const rows = page.list.data;
  const modify = can(session, 'access', 'User.Modify');
  const shownLocks = locks.filter((l) => owner === '' || l.userid === owner);

  const actions = (e: FactorRow): ReactNode => {
    if (!mayChange(session, e.userid)) return null;
    const path = itemPath(tfaPath(e.userid), e.id);
    const on = enabled(e);
    return (
      <>
        {e.type !== 'recovery' ? (
          <PasswordConfirmButton
            session={session}
            text={on ? 'Disable' : 'Enable'}
            name={`${on ? 'Disable' : 'Enable'} ${entryName(e)}`}
            question={`${on ? 'Disable' : 'Enable'} ${entryName(e)}?`}
            detail={
              on
                ? 'The login no longer asks for it; without another enabled factor the password alone logs in.'
                : 'The login asks for it again.'
            }
            confirm={on ? 'Disable' : 'Enable'}
            disabled={page.busy}
            change={(password) => api('PUT', path, { enable: !on, password })}
            onDone={() => {
              page.finish(`${entryName(e)} ${on ? 'disabled' : 'enabled'}.`);
            }}
          />
        ) : null}
        <PasswordConfirmButton
          session={session}
          text="Delete"
          name={`Delete ${entryName(e)}`}
          question={`Delete ${entryName(e)}?`}
          detail={
            e.type === 'recovery'
              ? 'All remaining recovery keys stop working.'
              : 'It cannot be used to log in any more.'
          }
          confirm="Delete"
          danger
          disabled={page.busy}
          change={(password) => api('DELETE', path, { password })}
          onDone={() => {
            focusFilter(filterBox);
            page.finish(`${entryName(e)} deleted.`);
          }}
        />
      </>
    );
  };

  return (
    <ListPageView
      page={{ ...page, list: { ...page.list, data: rows ? ofUser(rows, owner) : undefined } }}
      intro={
        <>
          <p className="hint">
            Second factors of the users you may see. Your own you also manage, and add, on My
            account. A disabled factor is not asked for at login.
          </p>
          <UserFilter
            users={ownersOf(rows ?? [])}
            value={owner}
            onChange={setOwner}
            boxRef={filterBox}
          />
        </>
      }
      notice={
        shownLocks.length > 0 ? (
          <section className="panel" aria-labelledby="tfa-locked">
            <h2 id="tfa-locked">Locked users</h2>
            <ul>
              {shownLocks.map((l) => (
                <li key={l.userid}>
                  {l.userid}: {lockText(l)}.{' '}
                  {modify ? (
                    <RowButton
                      text="Unlock"
                      name={`Unlock second factors of ${l.userid}`}
                      disabled={page.busy}
                      onClick={() => {
                        page.act(`Second factors of ${l.userid} unlocked.`, async () => {
                          await api('PUT', `${itemPath('/access/users', l.userid)}/unlock-tfa`);
                          focusFilter(filterBox);
                        });
                      }}
                    />
                  ) : null}
                </li>
              ))}
            </ul>
          </section>
        ) : null
      }
      form={() => null}
      caption="Second factors"
      columns={COLUMNS}
      rowKey={(e) => `${e.userid}/${e.id}`}
      actions={actions}
      empty={owner === '' ? 'No second factors.' : `No second factors of ${owner}.`}
    />
  );
}
