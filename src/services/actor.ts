/**
 * Who asks for a change: the authenticated identity (a user, or an API token and its owner)
 * and where the request came from. Every service that changes the configuration decides with
 * it and records it in the audit event.
 */
import { ROOT_USERID, type Authid, type TokenId, type UserId } from '../model/ids.js';

export interface Actor {
  /** The identity whose privileges count: the user, or the token. */
  readonly authid: Authid;
  /** The user, or the token's owner. */
  readonly userid: UserId;
  readonly token?: TokenId;
  /** The client address, or `cli` for the node's own command line. */
  readonly address: string;
}

/**
 * The node's own command line: like Proxmox's `pveum`, which runs as root on the node, it
 * acts as `root@pam`. Whoever can run it can read the store's file anyway.
 */
export const NODE_ACTOR: Actor = Object.freeze({
  authid: ROOT_USERID,
  userid: ROOT_USERID,
  address: 'cli',
});
