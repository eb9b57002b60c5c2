import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_CODES, invalid, isTesseraError, TesseraError } from './errors.js';

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
        store_read_only: '500 configuration store is read-only',
        permission_denied: '403 Permission check failed',
        not_found: '404 not found',
        conflict: '409 configuration changed concurrently, try again',
        rejected: '500 request refused',
        usage: '400 invalid usage',
      },
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
