// Commands whose effect depends on the primary's clock or arithmetic are sent to
// replicas in an absolute, recomputation-free form, as Redis rewrites them:
//
//   SET k v EX|PX|EXAT …, SETEX, PSETEX   → SET k v PXAT <ms>
//   EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT  → PEXPIREAT k <ms>
//   GETEX k EX|PX|EXAT|PXAT …             → PEXPIREAT k <ms>;  GETEX k PERSIST → PERSIST k
//   GETDEL k                              → DEL k
//   INCRBYFLOAT k n                       → SET k <result> KEEPTTL
//   RESTORE k <ttl> payload …             → RESTORE k <ms> payload … ABSTTL
//   any of these that left the key gone   → DEL k (an expire time already past)
//
// Each of these outcomes is fully determined by the key's state right after the
// command, so the rewrite is derived here, from the dataset, at propagation time;
// the command handlers stay unaware of replication. Rewrites that need what only
// the handler knows (which members SPOP picked, which key a BLPOP served, the IDs
// XADD generated) are set by the handlers themselves through ctx.propagateAs.
// Every rewrite is idempotent, so a command already rewritten passes unchanged.

import type { Argv } from '../protocol/resp/argv.js';
import type { Store } from '../engine/store.js';
import { ValueType } from '../engine/keyspace.js';

export type Parts = (string | Buffer)[];

function keyId(store: Store, db: number, argv: Argv, i: number): number {
  return store.dbs[db].find(argv.buf, argv.starts[i], argv.ends[i]);
}

/** PEXPIREAT key <at>, or DEL key when the command left it gone (or without a TTL). */
function absoluteExpire(store: Store, db: number, argv: Argv): Parts[] {
  const key = argv.copy(1);
  const id = keyId(store, db, argv, 1);
  if (id === -1) return [['DEL', key]];
  const at = store.dbs[db].expireAt(id);
  if (at === 0) return [['PERSIST', key]];
  return [['PEXPIREAT', key, String(at)]];
}

function hasAnyToken(argv: Argv, from: number, tokens: string[]): boolean {
  for (let i = from; i < argv.count; i++) {
    for (const t of tokens) if (argv.is(i, t)) return true;
  }
  return false;
}

/** SET key value PXAT <at> for a string key that now has an expire time; DEL if it is gone. */
function setWithAbsoluteExpire(store: Store, db: number, argv: Argv, keyArg: number): Parts[] {
  const key = argv.copy(keyArg);
  const id = keyId(store, db, argv, keyArg);
  const ks = store.dbs[db];
  if (id === -1 || ks.type(id) !== ValueType.String) return [['DEL', key]];
  const at = ks.expireAt(id);
  if (at === 0) return [['SET', key, ks.valueCopy(id)]];
  return [['SET', key, ks.valueCopy(id), 'PXAT', String(at)]];
}

/**
 * What to send replicas for `argv`, run on `db`, judged from the state it left; null
 * means the command goes as it came.
 */
export function rewriteForReplicas(store: Store, db: number, argv: Argv, name: string): Parts[] | null {
  switch (name) {
    case 'set':
      return hasAnyToken(argv, 3, ['ex', 'px', 'exat']) || (hasAnyToken(argv, 3, ['pxat']) && keyId(store, db, argv, 1) === -1)
        ? setWithAbsoluteExpire(store, db, argv, 1)
        : null;
    case 'setex':
    case 'psetex':
      return setWithAbsoluteExpire(store, db, argv, 1);
    case 'expire':
    case 'pexpire':
    case 'expireat':
    case 'pexpireat':
      return absoluteExpire(store, db, argv);
    case 'getex':
      if (hasAnyToken(argv, 2, ['persist'])) return [['PERSIST', argv.copy(1)]];
      return hasAnyToken(argv, 2, ['ex', 'px', 'exat', 'pxat']) ? absoluteExpire(store, db, argv) : null;
    case 'getdel':
      return [['DEL', argv.copy(1)]];
    case 'restore': {
      const ttl = argv.int(2);
      if (ttl === null || ttl === 0 || hasAnyToken(argv, 4, ['absttl'])) return null;
      const id = keyId(store, db, argv, 1);
      if (id === -1) return [['DEL', argv.copy(1)]];
      const parts: Parts = [];
      for (let i = 0; i < argv.count; i++) parts.push(i === 2 ? String(store.dbs[db].expireAt(id)) : argv.copy(i));
      parts.push('ABSTTL');
      return [parts];
    }
    case 'incrbyfloat': {
      const id = keyId(store, db, argv, 1);
      if (id === -1) return [['DEL', argv.copy(1)]];
      return [['SET', argv.copy(1), store.dbs[db].valueCopy(id), 'KEEPTTL']];
    }
    default:
      return null;
  }
}
