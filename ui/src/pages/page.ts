/**
 * What the shell hands every page. Its own module so that the pages and the shell that lists
 * them (App.tsx) both depend on it, not on each other.
 */
import type { Session } from '../session.js';

export interface PageProps {
  readonly session: Session;
}
