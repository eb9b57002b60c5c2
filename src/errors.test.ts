import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AUTH_CAUSES,
  AuthFailure,
  ERROR_CODES,
  invalid,
  isTesseraError,
  TesseraError,
} from './errors.js';

describe('error registry', () => {
  it('pins every code, its status and its public message', () => {
    // Codes are a contract (docs/errors.md): renaming or reusing one must fail this test.
    assert.deepEqual(
      Object.fromEntries(
        Object.entries(ERROR_CODES).map(([code, e]) => [code, `${e.status} ${e.publicMessage}`]),
      ),
      {
        invalid_value: '400 Parameter verification failed.',
        config_invalid: '500 configuration is invalid',
        store_unavailable: '500 configuration store unavailable',
        store_read_only: '503 configuration store is read-only',
        permission_denied: '403 Permission check failed',
        not_found: '404 not found',
        conflict: '409 configuration changed concurrently, try again',
        rejected: '500 request refused',
        not_implemented: '501 not implemented',
        too_many_requests: '429 too many requests, try again later',
        bad_request: '400 bad request',
        usage: '400 invalid usage',
        internal: '500 internal error',
      },
    );
  });

  it('answers every authentication failure alike, whatever its cause', () => {
    assert.equal(new Set(AUTH_CAUSES).size, AUTH_CAUSES.length);
    for (const cause of AUTH_CAUSES) {
      const err = new AuthFailure(`detail of ${cause}`, cause);
      assert.equal(err.status, 401);
      assert.equal(err.publicMessage, 'authentication failure');
      assert.ok(isTesseraError(err, cause));
    }
    assert.equal(
      new AuthFailure('no ticket', 'no_credentials', 'No ticket').publicMessage,
      'No ticket',
    );
  });

  it('keeps the public message apart from the private detail', () => {
    const err = new TesseraError(
      'store_unavailable',
      'cannot read /etc/pve/priv/shadow.cfg: EACCES',
    );
    assert.equal(err.publicMessage, 'configuration store unavailable');
    assert.equal(err.detail, 'cannot read /etc/pve/priv/shadow.cfg: EACCES');
    assert.ok(isTesseraError(err, 'store_unavailable'));
    assert.ok(!isTesseraError(err, 'usage'));
  });

  it('names the field of a validation error', () => {
    const err = invalid('userid', "value 'x' does not look like a valid user name");
    assert.equal(err.field, 'userid');
    assert.equal(err.status, 400);
  });
});
