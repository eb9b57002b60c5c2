/** The buttons of the administration pages: the page's main one, and those in table rows. */
import { useId, useRef, type ReactNode } from 'react';

/**
 * A button that asks first, in a modal dialog: "Delete user bob@pve?" with the action and
 * Cancel. `name` is the button's accessible name (visible text first, then what it acts on).
 */
export function ConfirmButton(props: {
  readonly text: string;
  readonly name: string;
  readonly question: string;
  readonly confirm: string;
  readonly onConfirm: () => void;
  readonly disabled?: boolean | undefined;
}): ReactNode {
  const dialog = useRef<HTMLDialogElement>(null);
  const id = useId();
  return (
    <>
      <button
        type="button"
        className="danger"
        aria-label={props.name}
        disabled={props.disabled}
        onClick={() => {
          dialog.current?.showModal();
        }}
      >
        {props.text}
      </button>
      <dialog ref={dialog} aria-labelledby={`${id}-q`}>
        <p id={`${id}-q`}>{props.question}</p>
        <div className="row">
          <button
            type="button"
            className="primary danger-fill"
            onClick={() => {
              dialog.current?.close();
              props.onConfirm();
            }}
          >
            {props.confirm}
          </button>
          <button
            type="button"
            autoFocus
            onClick={() => {
              dialog.current?.close();
            }}
          >
            Cancel
          </button>
        </div>
      </dialog>
    </>
  );
}

/** The page's main button ("Add user"), above the list. */
export function AddButton(props: {
  readonly text: string;
  readonly onClick: () => void;
}): ReactNode {
  return (
    <div className="buttons">
      <button
        type="button"
        className="primary"
        onClick={() => {
          props.onClick();
        }}
      >
        {props.text}
      </button>
    </div>
  );
}

/** A button in a table row: `text` on screen, `name` (the text and its row) for readers. */
export function RowButton(props: {
  readonly text: string;
  readonly name: string;
  readonly onClick: () => void;
  readonly disabled?: boolean;
}): ReactNode {
  return (
    <button
      type="button"
      aria-label={props.name}
      disabled={props.disabled}
      onClick={() => {
        props.onClick();
      }}
    >
      {props.text}
    </button>
  );
}

/** "Edit" in the row of `id`. */
export function EditButton(props: {
  readonly id: string;
  readonly onClick: () => void;
}): ReactNode {
  return <RowButton text="Edit" name={`Edit ${props.id}`} onClick={props.onClick} />;
}
