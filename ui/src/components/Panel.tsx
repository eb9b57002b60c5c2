/** A section of a page: a region named by its heading. */
import { useEffect, useId, useRef, type ReactNode } from 'react';

/**
 * `focus`: the heading takes the focus when the panel appears (an edit form, a secret), so
 * keyboard and screen-reader users land on what just opened.
 */
export function Panel(props: {
  readonly title: string;
  readonly children: ReactNode;
  readonly focus?: boolean;
  readonly className?: string;
}): ReactNode {
  const heading = useRef<HTMLHeadingElement>(null);
  const id = useId();
  useEffect(() => {
    if (props.focus === true) heading.current?.focus();
  }, [props.focus]);
  return (
    <section
      className={`panel${props.className !== undefined ? ` ${props.className}` : ''}`}
      aria-labelledby={id}
    >
      <h2 id={id} ref={heading} tabIndex={props.focus === true ? -1 : undefined}>
        {props.title}
      </h2>
      {props.children}
    </section>
  );
}
