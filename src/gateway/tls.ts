// The NAT gateway's certificates, kept in the data dir (tls/, mode 0700): one CA,
// created on first use (`cove nat ca` prints it for clients to trust), and one
// server certificate per Elastic IP, issued by that CA for the IP address. Only the
// public side (client → Elastic IP) is encrypted; the hop to the node stays inside.

import fs from 'node:fs';
import path from 'node:path';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { createCa, issueServer } from './x509.js';

export const CA_SUBJECT = 'Cove NAT gateway CA';

export class TlsStore {
  constructor(readonly dir: string) {}

  private file(name: string): string {
    return path.join(this.dir, name);
  }

  /** The CA certificate (PEM), created if there is none yet. */
  caCert(): string {
    this.ensureCa();
    return fs.readFileSync(this.file('ca.pem'), 'utf8');
  }

  private ensureCa(): void {
    if (fs.existsSync(this.file('ca.pem')) && fs.existsSync(this.file('ca.key'))) return;
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const ca = createCa(CA_SUBJECT);
    fs.writeFileSync(this.file('ca.key'), ca.key, { mode: 0o600 });
    fs.writeFileSync(this.file('ca.pem'), ca.cert, { mode: 0o644 });
  }

  /** Key and certificate chain for a public address, issued once and reused while valid. */
  serverCredentials(ip: string): { key: string; cert: string } {
    this.ensureCa();
    const certFile = this.file(`${ip}.pem`);
    const keyFile = this.file(`${ip}.key`);
    try {
      const cert = fs.readFileSync(certFile, 'utf8');
      const key = fs.readFileSync(keyFile, 'utf8');
      const x = new X509Certificate(cert);
      const ca = new X509Certificate(fs.readFileSync(this.file('ca.pem'), 'utf8'));
      if (Date.parse(x.validTo) > Date.now() + 86400_000 && x.checkIssued(ca) && x.verify(ca.publicKey)) return { key, cert };
    } catch {
      // not issued yet, or unreadable: issue again
    }
    const caKey = createPrivateKey(fs.readFileSync(this.file('ca.key'), 'utf8'));
    const issued = issueServer({ cert: this.caCert(), key: caKey, publicKey: createPublicKey(caKey), subject: CA_SUBJECT }, [ip]);
    fs.writeFileSync(keyFile, issued.key, { mode: 0o600 });
    fs.writeFileSync(certFile, issued.cert, { mode: 0o644 });
    return issued;
  }
}
