import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDiagnostic } from './diagnostics.js';
import { parseDatacenterCfg, serializeDatacenterCfg } from './datacenter-cfg.js';

const consent = Buffer.from('Authorised use only.\nÜberwacht.', 'utf8').toString('base64');

// In the shape Proxmox writes it: the description as `#` lines, a blank line, sorted keys.
const FILE =
  '#Lab cluster%0A\n#second line\n\n' +
  `consent-text: ${consent}\n` +
  'console: xtermjs\n' +
  'crs: ha=static\n' +
  'http_proxy: http://proxy.example.com:3128/\n' +
  'keyboard: de\n' +
  'tag-style: color-map=prod:ff0000;dev:00ff00,shape=full\n' +
  'u2f: appid=https://pve.example.com:8006\n' +
  'webauthn: allow-subdomains=0,id=example.com,origin=https://pve.example.com:8006,rp=Lab\n';

function messages(text: string): string[] {
  return parseDatacenterCfg(text).diagnostics.map(formatDiagnostic);
}

describe('datacenter.cfg', () => {
  it('reads the authentication settings and writes the file back byte for byte', () => {
    const parsed = parseDatacenterCfg(FILE);
    assert.deepEqual(parsed.diagnostics, []);
    assert.deepEqual(parsed.value.webauthn, {
      rp: 'Lab',
      origin: 'https://pve.example.com:8006',
      id: 'example.com',
      allowSubdomains: false,
    });
    assert.deepEqual(parsed.value.u2f, { appid: 'https://pve.example.com:8006' });
    assert.equal(parsed.value.httpProxy, 'http://proxy.example.com:3128/');
    assert.equal(parsed.value.consentText, consent);
    assert.equal(serializeDatacenterCfg(parsed.value), FILE);
  });

  it('keeps lines Proxmox ignores, with a warning, and reads the rest', () => {
    const text = 'frobnicate: 1\nnot a key line\n  webauthn:   rp=x,id=localhost  \n';
    const parsed = parseDatacenterCfg(text);
    assert.deepEqual(parsed.value.webauthn, { rp: 'x', id: 'localhost' });
    assert.equal(serializeDatacenterCfg(parsed.value), text);
    assert.deepEqual(messages(text), [
      "datacenter.cfg:1: warning: key 'frobnicate' is not in Proxmox VE's schema: Proxmox ignores it; kept",
      'datacenter.cfg:2: warning: ignore config line: not a key line (Proxmox ignores it too; kept)',
    ]);
  });

  it('refuses bad authentication settings, naming line and key', () => {
    const text = [
      'keyboard: en-us',
      'webauthn: rp=Lab,origin=pve.example.com,id=example.com',
      'u2f: appid=x,origin=https://a.example',
      'http_proxy: https://proxy:3128',
      'consent-text: not base64!',
    ].join('\n');
    const parsed = parseDatacenterCfg(text);
    assert.equal(parsed.value.webauthn, undefined);
    assert.equal(parsed.value.u2f, undefined);
    assert.equal(parsed.value.httpProxy, undefined);
    assert.equal(parsed.value.consentText, undefined);
    assert.deepEqual(messages(text), [
      "datacenter.cfg:2: error: webauthn: 'origin' must be a URL such as https://pve.example.com:8006, not 'pve.example.com'; the setting is not used",
      "datacenter.cfg:3: error: u2f: 'appid' must be a URL such as https://pve.example.com:8006, not 'x'; the setting is not used",
      'datacenter.cfg:4: error: http_proxy: must be an http:// URL such as http://user:password@proxy.example.com:3128/; the setting is not used',
      "datacenter.cfg:5: error: consent-text: is not base64-encoded UTF-8 text (Proxmox's web interface stores it so; encode it with `base64 -w0`); the setting is not used",
    ]);
  });

  it('checks WebAuthn property strings as Proxmox does, and the id against the origin', () => {
    const cases: [string, string][] = [
      ['rp=a,rp=b,id=x.org', "duplicate key 'rp'"],
      ['rp=a,name=b', "unknown key 'name' (expected one of rp, origin, id, allow-subdomains)"],
      ['rp=a,id=', "'id=' has no value"],
      ['lab', "'lab' has no key (expected one of rp, origin, id, allow-subdomains)"],
      ['rp=a,id=x.org,allow-subdomains=maybe', "'allow-subdomains' must be a boolean"],
      ['rp=a,id=other.org,origin=https://pve.example.com', "'id' 'other.org' is neither"],
      ['rp=a,id=10.0.0.1', "'id' must be a domain name"],
      ['rp=a,id=x.org,origin=http://pve.x.org', "'origin' must be an https:// URL"],
      ['rp=a,id=x.org,origin=https://pve.x.org/login', "'origin' must be an origin"],
    ];
    for (const [value, expected] of cases) {
      const [first] = messages(`webauthn: ${value}\n`);
      assert.ok(first?.startsWith(`datacenter.cfg:1: error: webauthn: ${expected}`), first);
    }
    assert.deepEqual(
      parseDatacenterCfg(
        'webauthn: rp=a,,id=localhost,origin=http://localhost:8006/,allow-subdomains=YES',
      ).value.webauthn,
      { rp: 'a', id: 'localhost', origin: 'http://localhost:8006', allowSubdomains: true },
    );
  });

  it('warns where Proxmox would offer no WebAuthn, and about repeated and empty keys', () => {
    assert.deepEqual(messages('webauthn: origin=https://pve.example.com\nwebauthn:\n'), [
      "datacenter.cfg:2: warning: key 'webauthn' repeats line 1: the last one counts",
      "datacenter.cfg:2: warning: key 'webauthn' is empty: ignored, as Proxmox does",
    ]);
    assert.deepEqual(messages('webauthn: origin=https://pve.example.com\n'), [
      "datacenter.cfg:1: warning: webauthn: without 'rp' and 'id' Proxmox offers no WebAuthn; Tessera takes the missing parts from the origin's host name",
    ]);
  });

  it('never repeats a proxy password in a diagnostic', () => {
    const all = messages(
      'http_proxy http://user:s3cret@proxy:3128\nhttp_proxy: http://user:s3cret@proxy:3128/path\n',
    ).join('\n');
    assert.ok(!all.includes('s3cret'), all);
    assert.match(all, /datacenter\.cfg:2: error: http_proxy: must name only the proxy/);
  });

  it('bounds the consent text as Proxmox does', () => {
    const long = Buffer.alloc(49_200, 'a').toString('base64');
    assert.ok(long.length > 64 * 1024);
    assert.match(messages(`consent-text: ${long}`)[0] ?? '', /more than the 65536 Proxmox allows/);
  });
});
