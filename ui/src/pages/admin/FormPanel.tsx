/** The add and edit forms of the list pages: a panel that takes the focus, then the form. */
import type { ReactNode } from 'react';
import { Message, type Submit } from '../../components/Form.js';
import { Panel } from '../../components/Panel.js';
import { SubmitButton, SubmitForm } from '../../components/SubmitForm.js';
import './admin.css';

/** What a list page's form reports: cancelled, or done with what to say above the list. */
export interface FormEvents {
  readonly onCancel: () => void;
  readonly onDone: (message: string) => void;
}

/** The title and submit text of a form that adds a `noun` or, given its `id`, edits one. */
export function addOrEdit(
  noun: string,
  id: string | undefined,
): { readonly title: string; readonly submitText: string } {
  return id === undefined
    ? { title: `Add ${noun}`, submitText: `Create ${noun}` }
    : { title: `Edit ${noun} ${id}`, submitText: 'Save' };
}

/**
 * A form in a panel that takes the focus: the form's error above its fields, then the submit
 * button and Cancel (`cancel` names it otherwise); `after` follows the form.
 */
export function FormPanel(props: {
  readonly title: string;
  readonly submit: Submit;
  readonly onSubmit: () => Promise<void>;
  readonly submitText: string;
  readonly onCancel: () => void;
  readonly cancel?: string;
  readonly children: ReactNode;
  readonly after?: ReactNode;
}): ReactNode {
  const { submit } = props;
  return (
    <Panel title={props.title} focus>
      <SubmitForm submit={submit} onSubmit={props.onSubmit}>
        <Message text={submit.message} />
        {props.children}
        <div className="buttons">
          <SubmitButton submit={submit}>{props.submitText}</SubmitButton>
          <button type="button" onClick={props.onCancel}>
            {props.cancel ?? 'Cancel'}
          </button>
        </div>
      </SubmitForm>
      {props.after}
    </Panel>
  );
}
