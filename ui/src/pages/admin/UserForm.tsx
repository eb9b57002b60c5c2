/** The form of a user: names, email, expiry, enabled, groups. */
import { useState, type ReactNode } from 'react';
import { api, ApiError, fieldError, itemPath, type Params } from '../../api.js';
import { Checkbox, CheckList, Input, useSubmit } from '../../components/Form.js';
import { CommentInput, ExpiryInput } from './fields.js';
import { dateOfEpoch, epochOfDate } from './format.js';
import { addOrEdit, FormPanel, type FormEvents } from './FormPanel.js';
import { groupsOf, type RealmRow, type UserRow } from './resources.js';
import { realmOf, userIdProblem } from './userid.js';

const TEXT_FIELDS = ['email', 'firstname', 'lastname', 'comment'] as const;

/** Adding a user (its id, and a password in the pve realm) or editing one. */
export function UserForm(
  props: FormEvents & {
    readonly user: UserRow | undefined;
    readonly groups: readonly string[];
    readonly realms: readonly RealmRow[];
    /** Follows the form, apart from it: the separate "Set password". */
    readonly after?: ReactNode;
  },
): ReactNode {
  const { user } = props;
  const [userid, setUserid] = useState(user?.userid ?? '');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [text, setText] = useState<Record<(typeof TEXT_FIELDS)[number], string>>({
    email: user?.email ?? '',
    firstname: user?.firstname ?? '',
    lastname: user?.lastname ?? '',
    comment: user?.comment ?? '',
  });
  const [expire, setExpire] = useState(dateOfEpoch(user?.expire));
  const [enable, setEnable] = useState(user ? user.enable !== 0 : true);
  const [groups, setGroups] = useState<string[]>(user ? groupsOf(user) : []);
  const submit = useSubmit();

  const realm = realmOf(userid);
  const realmType = props.realms.find((r) => r.realm === realm)?.type;
  const pve = user === undefined && realmType === 'pve';
  const set =
    (name: (typeof TEXT_FIELDS)[number]) =>
    (value: string): void => {
      setText((t) => ({ ...t, [name]: value }));
    };
  // Groups the user is in but the caller cannot see stay listed, so saving keeps them.
  const groupChoices = [...new Set([...props.groups, ...(user ? groupsOf(user) : [])])].sort();

  const save = async (): Promise<void> => {
    const fields: Record<string, string | number | boolean | undefined> = {};
    for (const name of TEXT_FIELDS) if (text[name].trim() !== '') fields[name] = text[name].trim();
    fields['expire'] = epochOfDate(expire);
    fields['enable'] = enable;
    if (user === undefined) {
      const id = userid.trim();
      const problem = userIdProblem(id);
      if (problem !== undefined) throw fieldError('userid', problem);
      if (props.realms.length > 0 && realmType === undefined)
        throw fieldError(
          'userid',
          `there is no realm '${realmOf(id)}' (realms: ${props.realms.map((r) => r.realm).join(', ')})`,
        );
      if (pve && password !== repeat) throw fieldError('repeat', 'the passwords differ');
      const params: Params = {
        userid: id,
        ...fields,
        ...(pve && password !== '' ? { password } : {}),
        ...(groups.length > 0 ? { groups: groups.join(',') } : {}),
      };
      try {
        await api('POST', '/access/users', params);
      } catch (err) {
        // Proxmox refuses a bad or taken user id with a plain message: show it at the id.
        if (
          err instanceof ApiError &&
          Object.keys(err.errors).length === 0 &&
          err.message.includes(id)
        )
          throw new ApiError(err.status, err.message, { userid: err.message });
        throw err;
      }
      props.onDone(`User ${id} created.`);
    } else {
      const cleared = TEXT_FIELDS.filter(
        (name) => text[name].trim() === '' && user[name] !== undefined,
      );
      await api('PUT', itemPath('/access/users', user.userid), {
        ...fields,
        groups: groups.join(','),
        ...(cleared.length > 0 ? { delete: cleared.join(',') } : {}),
      });
      props.onDone(`User ${user.userid} saved.`);
    }
  };

  return (
    <FormPanel
      {...addOrEdit('user', user?.userid)}
      submit={submit}
      onCancel={props.onCancel}
      onSubmit={save}
      after={props.after}
    >
      {user === undefined ? (
        <div className="row">
          <Input
            label="User ID"
            name="userid"
            value={userid}
            onChange={setUserid}
            errors={submit.errors}
            required
            hint={`name@realm, for example alice@pve${props.realms.length > 0 ? ` (realms: ${props.realms.map((r) => r.realm).join(', ')})` : ''}`}
          />
        </div>
      ) : null}
      {pve ? (
        <div className="row">
          <Input
            label="Password"
            name="password"
            type="password"
            autoComplete="new-password"
            value={password}
            onChange={setPassword}
            errors={submit.errors}
            hint="At least 8 characters. Users of other realms log in with their realm's password."
          />
          <Input
            label="Repeat password"
            name="repeat"
            type="password"
            autoComplete="new-password"
            value={repeat}
            onChange={setRepeat}
            errors={submit.errors}
          />
        </div>
      ) : null}
      <div className="row">
        <Input
          label="First name"
          name="firstname"
          value={text.firstname}
          onChange={set('firstname')}
          errors={submit.errors}
        />
        <Input
          label="Last name"
          name="lastname"
          value={text.lastname}
          onChange={set('lastname')}
          errors={submit.errors}
        />
      </div>
      <div className="row">
        <Input
          label="Email"
          name="email"
          type="email"
          autoComplete="off"
          value={text.email}
          onChange={set('email')}
          errors={submit.errors}
        />
        <ExpiryInput
          value={expire}
          onChange={setExpire}
          errors={submit.errors}
          hint="The account stops working at the start of this day. Empty: never."
        />
      </div>
      <CommentInput value={text.comment} onChange={set('comment')} errors={submit.errors} />
      <Checkbox label="Enabled" checked={enable} onChange={setEnable} />
      <CheckList
        label="Groups"
        name="groups"
        choices={groupChoices}
        selected={groups}
        onChange={setGroups}
        errors={submit.errors}
        empty="There are no groups yet."
      />
    </FormPanel>
  );
}
