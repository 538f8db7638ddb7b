// The gateway's certificates (src/gateway/x509.ts, tls.ts): a CA made with node:crypto
// alone and a server certificate for an IP address, accepted by Node's TLS client
// (and therefore by OpenSSL's verification) when the CA is trusted, refused otherwise.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { TlsStore } from '../../src/gateway/tls.js';

function handshake(port: number, ca?: string): Promise<{ authorized: boolean; error?: string }> {
  return new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port, ca, rejectUnauthorized: false }, () => {
      resolve({ authorized: s.authorized, error: s.authorizationError ? String(s.authorizationError) : undefined });
      s.destroy();
    });
    s.on('error', (e) => resolve({ authorized: false, error: e.message }));
  });
}

test('a server certificate for an IP address verifies against the CA in the data dir, and only against it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cove-tls-'));
  const store = new TlsStore(path.join(dir, 'tls'));
  const creds = store.serverCredentials('127.0.0.1');
  const ca = store.caCert();
  const x = new X509Certificate(creds.cert);
  assert.equal(x.subjectAltName, 'IP Address:127.0.0.1');
  assert.ok(x.checkIssued(new X509Certificate(ca)));
  assert.equal(new X509Certificate(ca).ca, true);
  assert.equal(x.ca, false);
  assert.equal(fs.statSync(path.join(dir, 'tls', 'ca.key')).mode & 0o777, 0o600);
  // Issued once, then reused.
  assert.equal(store.serverCredentials('127.0.0.1').cert, creds.cert);
  const server = tls.createServer({ key: creds.key, cert: creds.cert }, (s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  try {
    assert.deepEqual(await handshake(port, ca), { authorized: true, error: undefined });
    const untrusted = await handshake(port);
    assert.equal(untrusted.authorized, false);
    assert.match(untrusted.error!, /UNABLE_TO_VERIFY_LEAF_SIGNATURE|self.signed|unable to/i);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
