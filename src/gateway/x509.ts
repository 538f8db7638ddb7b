// Just enough X.509 to give the NAT gateway's public ports TLS without any tool
// outside Node: a DER encoder for the few ASN.1 types a certificate uses, and
// certificates (a CA, and server certificates for IP addresses) signed with ECDSA
// P-256 / SHA-256 by node:crypto. Certificates are v3 with basicConstraints,
// keyUsage, extKeyUsage, subjectAltName and key identifiers, which is what
// OpenSSL-based clients (Node's tls, redis-cli --tls) check.

import { createHash, generateKeyPairSync, KeyObject, randomBytes, sign } from 'node:crypto';

// ---- DER --------------------------------------------------------------------------------

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  while (n > 0) {
    bytes.unshift(n & 0xff);
    n >>>= 8;
  }
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), len(content.length), content]);
}

const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const explicit = (n: number, inner: Buffer) => tlv(0xa0 | n, inner);
const octets = (b: Buffer) => tlv(0x04, b);
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0]));

function integer(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0 && (b[i + 1] & 0x80) === 0) i++;
  let body = b.subarray(i);
  if (body[0] & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
  return tlv(0x02, body);
}

function bitString(b: Buffer, unusedBits = 0): Buffer {
  return tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), b]));
}

function oid(text: string): Buffer {
  const parts = text.split('.').map(Number);
  const out = [parts[0] * 40 + parts[1]];
  for (const p of parts.slice(2)) {
    const stack = [p & 0x7f];
    let v = p >>> 7;
    while (v > 0) {
      stack.unshift((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    out.push(...stack);
  }
  return tlv(0x06, Buffer.from(out));
}

function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z'; // YYYYMMDDHHMMSSZ
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2), 'ascii')) : tlv(0x18, Buffer.from(iso, 'ascii'));
}

// ---- certificates ----------------------------------------------------------------------

const OID = {
  ecdsaSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
};

function name(cn: string): Buffer {
  return seq(set(seq(oid(OID.organization), utf8('Cove'))), set(seq(oid(OID.commonName), utf8(cn))));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? seq(oid(id), bool(true), octets(value)) : seq(oid(id), octets(value));
}

/** The key identifier: SHA-1 of the subjectPublicKey bits (RFC 5280 §4.2.1.2, method 1). */
function keyId(spki: Buffer): Buffer {
  // spki = SEQUENCE { AlgorithmIdentifier, BIT STRING }: the key bits follow the algorithm.
  const point = spki.subarray(spki.length - 65);
  return createHash('sha1').update(point).digest();
}

export interface Issued {
  /** PEM certificate. */
  cert: string;
  /** PEM PKCS#8 private key. */
  key: string;
}

function pem(kind: string, der: Buffer): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${kind}-----\n${b64}\n-----END ${kind}-----\n`;
}

interface CertOptions {
  subject: string;
  issuer: string;
  publicKey: KeyObject;
  signingKey: KeyObject;
  issuerSpki?: Buffer;
  ca: boolean;
  ips?: string[];
  dns?: string[];
  days: number;
}

function certificate(o: CertOptions): Buffer {
  const spki = o.publicKey.export({ type: 'spki', format: 'der' });
  const algorithm = seq(oid(OID.ecdsaSha256));
  const now = Date.now();
  const exts: Buffer[] = [
    extension(OID.basicConstraints, true, o.ca ? seq(bool(true)) : seq()),
    // keyCertSign + cRLSign (bits 5, 6) for the CA; digitalSignature (bit 0) for a server.
    extension(OID.keyUsage, true, o.ca ? bitString(Buffer.from([0x06]), 1) : bitString(Buffer.from([0x80]), 7)),
    extension(OID.subjectKeyId, false, octets(keyId(spki))),
  ];
  if (o.issuerSpki) exts.push(extension(OID.authorityKeyId, false, seq(tlv(0x80, keyId(o.issuerSpki)))));
  if (!o.ca) {
    exts.push(extension(OID.extKeyUsage, false, seq(oid(OID.serverAuth))));
    const names: Buffer[] = [];
    for (const ip of o.ips ?? []) names.push(tlv(0x87, Buffer.from(ip.split('.').map(Number))));
    for (const d of o.dns ?? []) names.push(tlv(0x82, Buffer.from(d, 'ascii')));
    if (names.length) exts.push(extension(OID.subjectAltName, false, seq(...names)));
  }
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))),
    integer(Buffer.concat([Buffer.from([0x01]), randomBytes(15)])),
    algorithm,
    name(o.issuer),
    seq(time(new Date(now - 3600_000)), time(new Date(now + o.days * 86400_000))),
    name(o.subject),
    spki,
    explicit(3, seq(...exts)),
  );
  const signature = sign('sha256', tbs, o.signingKey);
  return seq(tbs, algorithm, bitString(signature));
}

/** A new self-signed CA. */
export function createCa(commonName = 'Cove NAT gateway CA'): Issued {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const der = certificate({ subject: commonName, issuer: commonName, publicKey, signingKey: privateKey, ca: true, days: 3650 });
  return { cert: pem('CERTIFICATE', der), key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}

/** A server certificate for IP addresses (and names), signed by `ca`. */
export function issueServer(ca: { cert: string; key: KeyObject; publicKey: KeyObject; subject: string }, ips: string[], dns: string[] = []): Issued {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const der = certificate({
    subject: ips[0] ?? dns[0] ?? 'cove',
    issuer: ca.subject,
    publicKey,
    signingKey: ca.key,
    issuerSpki: ca.publicKey.export({ type: 'spki', format: 'der' }),
    ca: false,
    ips,
    dns,
    days: 825,
  });
  return { cert: pem('CERTIFICATE', der), key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}
