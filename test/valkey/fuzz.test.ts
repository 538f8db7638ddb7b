// Fuzzing the node over real sockets: at least 100,000 frames (COVE_FUZZ_ITERATIONS for
// more) — well-formed commands with hostile arguments, inline lines, the same frames
// mutated (bytes flipped, cut, repeated, spliced with garbage) and plain random bytes —
// sent from several connections at once, in random-sized writes. Meanwhile a second
// client checks exact answers to an atomic write-and-read and to ECHO. The node must not
// throw (an uncaught exception ends this process), must not hit an internal error in a
// handler, and must keep answering: every connection closes once its input is
// consumed, and every check gets its reply.
//
// Commands that would change the server for everyone (CONFIG SET, CLIENT PAUSE/KILL, ACL
// SETUSER, DEBUG, SHUTDOWN, REPLICAOF) and ones that allocate by an argument's value
// (SETRANGE/SETBIT offsets) are left out of the generator; a mutation could still
// produce them, which would be a finding too.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startNode, RawClient, resp } from '../support/valkey.js';

const ITERATIONS = Math.max(100000, Number(process.env.COVE_FUZZ_ITERATIONS ?? 0) || 0);
const CONNECTIONS = 4;
/**
 * A batch is sent on its own connection: well-formed frames first, then a few mutated or
 * random ones, which may end the connection with a protocol error or leave the parser
 * inside a frame (so they go last, or the frames after them would mostly go unread).
 * Every tenth batch is garbage from start to end.
 */
const FRAMES_PER_BATCH = 30;
const MUTATED_PER_BATCH = 3;
/** How long a batch may take before the node counts as hung. */
const HANG_MS = 20000;

/** A small deterministic PRNG, so that a failure can be replayed with COVE_FUZZ_SEED. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

const SEED = Number(process.env.COVE_FUZZ_SEED ?? Date.now() % 1000000);
const rand = prng(SEED);
const int = (n: number) => Math.floor(rand() * n);
const pick = <T>(xs: T[]): T => xs[int(xs.length)];

const TEMPLATES: string[][] = [
  ['GET', 'K'], ['SET', 'K', 'V'], ['SET', 'K', 'V', 'EX', 'N'], ['SET', 'K', 'V', 'NX', 'GET'], ['SET', 'K', 'V', 'PXAT', 'N', 'KEEPTTL'],
  ['GETEX', 'K', 'PERSIST'], ['GETDEL', 'K'], ['MSET', 'K', 'V', 'K', 'V'], ['MGET', 'K', 'K', 'K'], ['APPEND', 'K', 'V'],
  ['INCR', 'K'], ['INCRBY', 'K', 'N'], ['DECRBY', 'K', 'N'], ['INCRBYFLOAT', 'K', 'F'], ['GETRANGE', 'K', 'I', 'I'], ['STRLEN', 'K'],
  ['LCS', 'K', 'K', 'IDX', 'MINMATCHLEN', 'I', 'WITHMATCHLEN'], ['GETBIT', 'K', 'I'], ['BITCOUNT', 'K', 'I', 'I', 'BIT'], ['BITPOS', 'K', 'I'],
  ['BITOP', 'AND', 'K', 'K', 'K'], ['BITFIELD_RO', 'K', 'GET', 'u8', 'I'],
  ['LPUSH', 'K', 'V', 'V'], ['RPUSH', 'K', 'V'], ['LPOP', 'K', 'I'], ['RPOP', 'K'], ['LRANGE', 'K', 'I', 'I'], ['LINDEX', 'K', 'I'],
  ['LSET', 'K', 'I', 'V'], ['LINSERT', 'K', 'BEFORE', 'V', 'V'], ['LREM', 'K', 'I', 'V'], ['LTRIM', 'K', 'I', 'I'], ['LPOS', 'K', 'V', 'RANK', 'I'],
  ['LMOVE', 'K', 'K', 'LEFT', 'RIGHT'], ['LMPOP', '2', 'K', 'K', 'LEFT', 'COUNT', 'N'], ['LLEN', 'K'],
  ['HSET', 'K', 'V', 'V'], ['HGET', 'K', 'V'], ['HGETALL', 'K'], ['HDEL', 'K', 'V'], ['HINCRBY', 'K', 'V', 'N'], ['HINCRBYFLOAT', 'K', 'V', 'F'],
  ['HRANDFIELD', 'K', 'I', 'WITHVALUES'], ['HSCAN', 'K', 'I', 'MATCH', 'V'], ['HKEYS', 'K'],
  ['SADD', 'K', 'V', 'V'], ['SREM', 'K', 'V'], ['SMEMBERS', 'K'], ['SPOP', 'K', 'I'], ['SRANDMEMBER', 'K', 'I'], ['SINTER', 'K', 'K'],
  ['SUNIONSTORE', 'K', 'K', 'K'], ['SINTERCARD', '2', 'K', 'K', 'LIMIT', 'I'], ['SMOVE', 'K', 'K', 'V'], ['SSCAN', 'K', 'I', 'COUNT', 'N'],
  ['ZADD', 'K', 'F', 'V'], ['ZADD', 'K', 'GT', 'CH', 'INCR', 'F', 'V'], ['ZINCRBY', 'K', 'F', 'V'], ['ZRANGE', 'K', 'I', 'I', 'WITHSCORES'],
  ['ZRANGE', 'K', '(F', 'F', 'BYSCORE', 'REV', 'LIMIT', 'I', 'I'], ['ZRANGEBYLEX', 'K', '[V', '+'], ['ZREMRANGEBYSCORE', 'K', 'F', 'F'],
  ['ZRANK', 'K', 'V', 'WITHSCORE'], ['ZPOPMIN', 'K', 'I'], ['ZRANDMEMBER', 'K', 'I', 'WITHSCORES'], ['ZUNIONSTORE', 'K', '2', 'K', 'K', 'WEIGHTS', 'F', 'F'],
  ['ZINTER', '2', 'K', 'K', 'AGGREGATE', 'MAX'], ['ZMPOP', '1', 'K', 'MIN'], ['ZSCAN', 'K', 'I'], ['ZCOUNT', 'K', 'F', 'F'],
  ['PFADD', 'K', 'V', 'V'], ['PFCOUNT', 'K', 'K'], ['PFMERGE', 'K', 'K'],
  ['DEL', 'K', 'K'], ['UNLINK', 'K'], ['EXISTS', 'K', 'K'], ['TYPE', 'K'], ['EXPIRE', 'K', 'N', 'GT'], ['PEXPIRE', 'K', 'N'], ['TTL', 'K'],
  ['PERSIST', 'K'], ['RENAME', 'K', 'K'], ['RENAMENX', 'K', 'K'], ['COPY', 'K', 'K', 'REPLACE'], ['MOVE', 'K', 'D'], ['TOUCH', 'K'],
  ['SCAN', 'I', 'MATCH', 'V', 'COUNT', 'N', 'TYPE', 'V'], ['KEYS', 'V'], ['RANDOMKEY'], ['DBSIZE'], ['OBJECT', 'ENCODING', 'K'],
  ['OBJECT', 'FREQ', 'K'], ['SORT', 'K', 'LIMIT', 'I', 'I', 'ALPHA', 'DESC'], ['SORT_RO', 'K', 'BY', 'V'], ['FLUSHDB'], ['SWAPDB', 'D', 'D'],
  ['MULTI'], ['EXEC'], ['DISCARD'], ['WATCH', 'K'], ['UNWATCH'], ['SELECT', 'D'], ['PING'], ['PING', 'V'], ['ECHO', 'V'], ['QUIT'], ['RESET'],
  ['HELLO', 'I'], ['HELLO', '3', 'SETNAME', 'V'], ['AUTH', 'V'], ['AUTH', 'V', 'V'], ['CLIENT', 'ID'], ['CLIENT', 'INFO'], ['CLIENT', 'SETNAME', 'V'],
  ['CLIENT', 'GETNAME'], ['CLIENT', 'NO-EVICT', 'V'], ['PUBLISH', 'V', 'V'], ['SUBSCRIBE', 'V'], ['PSUBSCRIBE', 'V'], ['UNSUBSCRIBE'],
  ['PUBSUB', 'NUMSUB', 'V'], ['INFO', 'V'], ['INFO'], ['TIME'], ['LASTSAVE'], ['CONFIG', 'GET', 'V'], ['COMMAND', 'INFO', 'V'], ['COMMAND', 'COUNT'],
  ['COMMAND', 'GETKEYS', 'SET', 'K', 'V'], ['COMMAND', 'DOCS', 'V'], ['SLOWLOG', 'GET', 'I'], ['LATENCY', 'LATEST'], ['LATENCY', 'HISTOGRAM', 'V'],
  ['MEMORY', 'USAGE', 'K'], ['MEMORY', 'STATS'], ['ACL', 'WHOAMI'], ['ACL', 'CAT', 'V'], ['ACL', 'GETUSER', 'V'], ['ACL', 'LOG', 'I'],
  ['ACL', 'DRYRUN', 'default', 'GET', 'K'], ['WAIT', 'I', 'I'], ['EVAL', 'return 1', '0'], ['V', 'V'], ['V'],
];

const KEYS = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', '{k}0', '{k}1'];
const NUMBERS = ['0', '1', '-1', '2', '10', '100', '-100', '9223372036854775807', '-9223372036854775808', '9223372036854775808', 'abc', '', '1.5', '3000000000', '00'];
const FLOATS = ['0', '1.5', '-2.5', 'inf', '-inf', '+inf', 'nan', '1e308', '-1e308', '1e-320', 'abc', '', '(1', '0x10', '3'];

function randomBytes(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(int(256));
  return s;
}

function value(): string {
  switch (int(6)) {
    case 0:
      return '';
    case 1:
      return randomBytes(int(20));
    case 2:
      return pick(['*', '?', '[a-z]*', '\\', '"', "'", ' ', '\r\n', 'default', 'k*']);
    default:
      return 'v' + int(1000);
  }
}

function argument(slot: string): string {
  switch (slot) {
    case 'K':
      return rand() < 0.9 ? pick(KEYS) : value();
    case 'V':
      return value();
    case 'N':
      return pick(NUMBERS);
    case 'F':
      return pick(FLOATS);
    case 'I':
      return String(int(21) - 10);
    case 'D':
      return String(int(18));
    case '(F':
      return '(' + pick(FLOATS);
    case '[V':
      return '[' + value();
    default:
      return slot;
  }
}

function command(): string[] {
  const t = pick(TEMPLATES);
  const args = t.map(argument);
  if (rand() < 0.1) args.push(...Array.from({ length: int(5) }, value)); // extra arguments
  if (rand() < 0.05) args.length = Math.max(1, int(args.length)); // missing arguments
  return args;
}

function encode(args: string[]): Buffer {
  return resp(...args);
}

function inline(args: string[]): Buffer {
  const quoted = args.map((a) => (/[\s"'\\]/.test(a) || a === '' ? `"${a.replace(/["\\]/g, (c) => '\\' + c).replace(/\r/g, '\\r').replace(/\n/g, '\\n')}"` : a));
  return Buffer.from(quoted.join(' ') + (rand() < 0.5 ? '\r\n' : '\n'), 'latin1');
}

function mutate(frame: Buffer): Buffer {
  let b = Buffer.from(frame);
  const rounds = 1 + int(3);
  for (let r = 0; r < rounds && b.length > 0; r++) {
    const at = int(b.length);
    switch (int(6)) {
      case 0: // flip a byte
        b[at] = int(256);
        break;
      case 1: // cut the frame short
        b = b.subarray(0, at);
        break;
      case 2: // drop a range
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + int(8))]);
        break;
      case 3: // repeat a range
        b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + 1 + int(16)), b.subarray(at)]);
        break;
      case 4: // splice in a protocol-looking token
        b = Buffer.concat([b.subarray(0, at), Buffer.from(pick(['*', '$', '\r\n', '-1', '*-1\r\n', '$0\r\n\r\n', '*1\r\n', '99999', '"', "'"])), b.subarray(at)]);
        break;
      default: // a digit changed
        if (b[at] >= 48 && b[at] <= 57) b[at] = 48 + int(10);
        else b[at] ^= 1 << int(8);
    }
  }
  return b;
}

/** A command frame: RESP mostly, sometimes an inline line. */
function wellFormed(): Buffer {
  return rand() < 0.85 ? encode(command()) : inline(command());
}

/** A mutated frame, or now and then plain random bytes. */
function broken(): Buffer {
  return rand() < 0.9 ? mutate(wellFormed()) : Buffer.from(randomBytes(1 + int(64)), 'latin1');
}

function batch(size: number): Buffer[] {
  if (rand() < 0.1) return Array.from({ length: size }, broken);
  return Array.from({ length: size }, (_, i) => (i < size - MUTATED_PER_BATCH ? wellFormed() : broken()));
}

/**
 * Sends a batch of frames on a fresh connection in random-sized writes, half-closes,
 * and resolves when the node has closed its side. Rejects if the node takes HANG_MS.
 */
function sendBatch(port: number, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the node did not finish a batch within ${HANG_MS} ms (seed ${SEED})`));
    }, HANG_MS);
    socket.on('data', () => {});
    socket.on('error', () => {}); // a reset after a protocol error is fine
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.on('connect', async () => {
      let at = 0;
      while (at < data.length && !socket.destroyed) {
        const n = rand() < 0.5 ? data.length - at : 1 + int(512);
        socket.write(data.subarray(at, at + n));
        at += n;
        if (rand() < 0.3) await new Promise((r) => setImmediate(r));
      }
      socket.end();
    });
  });
}

test(`fuzz: ${ITERATIONS} random and mutated frames over ${CONNECTIONS} connections; another client keeps getting right answers`, async (t) => {
  const internalErrors: string[] = [];
  const node = await startNode({
    logger: (level, message) => {
      if (level === 'warning' && message.startsWith('internal error')) internalErrors.push(message);
    },
  });
  const checker = await RawClient.connect(node.port);
  let sent = 0;
  let checks = 0;
  let fuzzing = true;
  try {
    const fuzzers = Array.from({ length: CONNECTIONS }, async () => {
      while (sent < ITERATIONS) {
        const frames = batch(Math.min(FRAMES_PER_BATCH, ITERATIONS - sent));
        sent += frames.length;
        await sendBatch(node.port, Buffer.concat(frames));
      }
    });
    const watcher = (async () => {
      while (fuzzing) {
        const token = `t${checks}-${int(1e9)}`;
        checker.write(Buffer.concat([resp('MULTI'), resp('SET', 'fz:check', token), resp('GET', 'fz:check'), resp('EXEC'), resp('ECHO', token)]));
        const expected = `+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n$${token.length}\r\n${token}\r\n$${token.length}\r\n${token}\r\n`;
        const got = await checker.readUntil((t) => t.length >= expected.length, HANG_MS);
        assert.equal(got, expected, `check ${checks} (seed ${SEED})`);
        checks++;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await Promise.all(fuzzers).finally(() => {
      fuzzing = false;
    });
    await watcher;
    assert.deepEqual(internalErrors, [], `handlers threw (seed ${SEED})`);
    assert.ok(checks > 0);
    // The frames reached the commands, not just the parser.
    checker.write(resp('INFO', 'stats'));
    const stats = await checker.readUntil((t) => {
      const m = /^\$(\d+)\r\n/.exec(t);
      return m !== null && t.length >= m[0].length + Number(m[1]) + 2;
    });
    const processed = Number(/total_commands_processed:(\d+)/.exec(stats)?.[1]);
    t.diagnostic(`seed ${SEED}: ${sent} frames, ${processed} commands run, ${checks} checks`);
    assert.ok(processed >= ITERATIONS / 2, `only ${processed} commands ran`);
    // Still serving, with a fresh connection too.
    const after = await RawClient.connect(node.port);
    assert.equal(await after.request(resp('PING')), '+PONG\r\n');
    after.close();
  } finally {
    checker.close();
    await node.close();
  }
  assert.ok(sent >= 100000);
});
