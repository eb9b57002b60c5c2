/** The realm form's required second factor: none, OATH (TOTP) or Yubico, with its settings. */
import type { ReactNode } from 'react';
import { Input, Select } from '../../components/Form.js';
import { tfaField, type TfaChoice, type TfaMode } from './realm-tfa.js';

const MODES: readonly { value: TfaMode; label: string }[] = [
  { value: 'none', label: 'None' },
  { value: 'oath', label: 'OATH (TOTP)' },
  { value: 'yubico', label: 'Yubico OTP' },
];

function isMode(value: string): value is TfaMode {
  return value === 'none' || value === 'oath' || value === 'yubico' || value === 'keep';
}

export function RealmTfaFields(props: {
  readonly choice: TfaChoice;
  readonly onChange: (choice: TfaChoice) => void;
  /** The stored value the form cannot show, and why. */
  readonly kept: { readonly value: string; readonly reason: string } | undefined;
  readonly errors: Readonly<Record<string, string>>;
}): ReactNode {
  const { choice, kept, errors } = props;
  const set = (setting: keyof TfaChoice) => (value: string) => {
    props.onChange({ ...choice, [setting]: value });
  };
  const modes = kept
    ? [{ value: 'keep' as const, label: 'Keep the current setting' }, ...MODES]
    : MODES;
  return (
    <fieldset className="checklist">
      <legend>Required second factor</legend>
      <div className="row">
        <Select
          label="Second factor every user of the realm must use"
          name="tfa"
          value={choice.mode}
          onChange={(value) => {
            if (isMode(value)) props.onChange({ ...choice, mode: value });
          }}
          errors={errors}
          choices={modes}
          hint={
            kept ? (
              <>
                Current setting <code>{kept.value}</code>: the form cannot show it ({kept.reason}
                ); kept unless you choose another.
              </>
            ) : undefined
          }
        />
      </div>
      {choice.mode === 'oath' ? (
        <div className="row">
          <Input
            label="Time step (seconds)"
            name={tfaField('step')}
            inputMode="numeric"
            value={choice.step}
            onChange={set('step')}
            errors={errors}
            hint="At least 10; empty: 30."
          />
          <Input
            label="Digits"
            name={tfaField('digits')}
            inputMode="numeric"
            value={choice.digits}
            onChange={set('digits')}
            errors={errors}
            hint="6 to 8; empty: 6."
          />
        </div>
      ) : null}
      {choice.mode === 'yubico' ? (
        <div className="row">
          <Input
            label="Yubico API ID (required)"
            name={tfaField('id')}
            value={choice.id}
            onChange={set('id')}
            errors={errors}
            required
          />
          <Input
            label="Yubico API key (required)"
            name={tfaField('key')}
            value={choice.key}
            onChange={set('key')}
            errors={errors}
            required
          />
          <Input
            label="Yubico API URL"
            name={tfaField('url')}
            value={choice.url}
            onChange={set('url')}
            errors={errors}
            hint="Empty: Yubico's own servers."
          />
        </div>
      ) : null}
    </fieldset>
  );
}
