// Resource identifiers in AWS's formats: `vpc-` plus 17 hex digits, `r-...`, and
// ElastiCache's rules for user-chosen names.

import { randomBytes } from 'node:crypto';

/** A new EC2-style id: prefix, dash, 17 lowercase hex digits (vpc-0a1b2c3d4e5f60718). */
export function newId(prefix: string): string {
  return `${prefix}-${randomBytes(9).toString('hex').slice(0, 17)}`;
}

/** A locally administered unicast MAC address for an ENI. */
export function newMac(): string {
  const b = randomBytes(6);
  b[0] = (b[0] & 0xfc) | 0x02;
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/**
 * ElastiCache identifiers (cluster ids, subnet group names): AWS lower-cases them and
 * requires 1-40 (cluster) or 1-255 (subnet group) letters, digits or hyphens, starting
 * with a letter, with no two consecutive hyphens and no trailing hyphen. Returns the
 * lower-cased id or an error message.
 */
export function checkCacheId(raw: string, what: string, maxLen: number): { id: string } | { error: string } {
  const id = raw.toLowerCase();
  if (id.length < 1 || id.length > maxLen) {
    return { error: `${what} must contain from 1 to ${maxLen} alphanumeric characters or hyphens.` };
  }
  if (!/^[a-z]/.test(id)) return { error: `${what} must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.` };
  if (!/^[a-z0-9-]+$/.test(id) || id.endsWith('-') || id.includes('--')) {
    return { error: `${what} must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.` };
  }
  return { id };
}
