// Fuzzing the memcached node: at least 100,000 random and mutated text lines and
// binary packets (COVE_FUZZ_ITERATIONS for more, COVE_FUZZ_SEED to replay), sent
// over many connections. The node must not throw, must not hang, and must keep
// serving a well-behaved second client throughout.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startMemcached, RawClient, ask, packet } from './support.js';

const ITERATIONS = Number(process.env.COVE_FUZZ_ITERATIONS ?? 100000);
const SEED = Number(process.env.COVE_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** Commands per connection: small, since a hang-up or a huge announced value ends a batch. */
const BATCH = 100;
const PARALLEL = 8;
/** How long a reply may take before the node counts as hung (generous: CI machines are shared). */
const HANG = 15000;

/** mulberry32: a small seeded PRNG so a failing run can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = prng(SEED);
const int = (n: number) => Math.floor(rand() * n);
const pick = <T>(a: readonly T[]): T => a[int(a.length)];

const NUMBERS = ['0', '1', '-1', '+5', '10', '4294967295', '4294967296', '2147483647', '-2147483648', '18446744073709551615', '18446744073709551616', '99999999999999999999999', 'abc', '', ' ', '1e5', '0x10', '\t3'];
const KEYS = ['k', 'key', 'a:b', 'x'.repeat(250), 'y'.repeat(251), 'pfx:1', '\u00ff\u00fe', 'sp ace', 'a\tb', 'n\0ul'];
const META_FLAGS = ['v', 's', 't', 'c', 'f', 'k', 'l', 'h', 'q', 'u', 'b', 'O123', 'N30', 'T10', 'R5', 'C1', 'F7', 'MS', 'ME', 'MA', 'MP', 'MR', 'MZ', 'MI', 'MD', 'M', 'J5', 'D2', 'I', 'P/x', 'Lx', 'Z', 'O' + 'x'.repeat(40)];

function textCommand(): string {
  const key = pick(KEYS);
  const n = () => pick(NUMBERS);
  const value = 'v'.repeat(int(20));
  switch (int(16)) {
    case 0:
    case 1:
      return `set ${key} ${n()} ${n()} ${value.length}\r\n${value}\r\n`;
    case 2:
      return `${pick(['add', 'replace', 'append', 'prepend'])} ${key} 0 0 ${value.length}${rand() < 0.2 ? ' noreply' : ''}\r\n${value}\r\n`;
    case 3:
      return `cas ${key} 0 0 ${value.length} ${n()}\r\n${value}\r\n`;
    case 4:
      return `${pick(['get', 'gets', 'bget'])} ${Array.from({ length: 1 + int(30) }, () => pick(KEYS)).join(' ')}\r\n`;
    case 5:
      return `${pick(['gat', 'gats'])} ${n()} ${key}\r\n`;
    case 6:
      return `${pick(['incr', 'decr'])} ${key} ${n()}${rand() < 0.3 ? ' noreply' : ''}\r\n`;
    case 7:
      return `${pick(['delete', 'touch'])} ${key} ${rand() < 0.5 ? n() : ''}\r\n`;
    case 8:
      return `${pick(['mg', 'md', 'ma', 'me'])} ${key} ${Array.from({ length: int(8) }, () => pick(META_FLAGS)).join(' ')}\r\n`;
    case 9: {
      const len = pick(['0', '3', '-1', 'x', '5']);
      return `ms ${key} ${len} ${Array.from({ length: int(6) }, () => pick(META_FLAGS)).join(' ')}\r\nabc\r\n`;
    }
    case 10:
      return `${pick(['stats', 'stats items', 'stats slabs', 'stats settings', 'stats sizes', 'stats conns', 'stats detail on', 'stats detail dump', 'stats cachedump 1 5', 'stats reset', 'stats bogus'])}\r\n`;
    case 11:
      return `${pick(['flush_all', 'flush_all 5', 'flush_all -1', 'version', 'verbosity 1', 'mn', 'config get cluster', 'lru_crawler crawl all', 'lru_crawler metadump 1', 'slabs automove 1', 'slabs reassign 1 2', 'cache_memlimit 100', 'lru tune 10 20 0.1 2'])}\r\n`;
    case 12:
      return Array.from({ length: int(60) }, () => String.fromCharCode(int(256))).join('') + '\r\n';
    case 13:
      // Lines that end the connection are kept rare so batches get far.
      return rand() < 0.1 ? `${pick(['GET / HTTP/1.0', 'POST /x HTTP/1.1', 'quit'])}\r\n` : `${pick(['shutdown', 'watch', 'misbehave', 'lru mode flat'])}\r\n`;
    default:
      return `${pick(['set', 'get', 'mg', 'ms'])} ${key} ${n()} ${n()} ${n()} ${n()}\r\n`;
  }
}

function mutate(s: string): string {
  let b = Buffer.from(s, 'latin1');
  const edits = 1 + int(3);
  for (let e = 0; e < edits && b.length > 0; e++) {
    const at = int(b.length);
    switch (int(4)) {
      case 0:
        b[at] = int(256);
        break;
      case 1:
        b = Buffer.concat([b.subarray(0, at), Buffer.from([pick([0, 0x0d, 0x0a, 0x20, 0x80, int(256)])]), b.subarray(at)]);
        break;
      case 2:
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + int(5)))]);
        break;
      default:
        b = b.subarray(0, at);
    }
  }
  return b.toString('latin1');
}

function binaryPacket(): Buffer {
  const opcode = rand() < 0.8 ? int(0x25) : int(256);
  const key = rand() < 0.1 ? 'k'.repeat(int(400)) : pick(['a', 'key', 'pfx:1', '']);
  const extras = Buffer.alloc(pick([0, 4, 8, 20, int(30)]));
  for (let i = 0; i < extras.length; i++) extras[i] = int(256);
  const value = 'v'.repeat(int(30));
  const p = packet(opcode, { key, value, extras, opaque: int(2 ** 32), cas: rand() < 0.2 ? BigInt(int(1000)) : 0n });
  if (rand() < 0.05) {
    // Mutate the header: lengths, magic, or anything.
    const at = int(24);
    p[at] = int(256);
  }
  return p;
}

async function sendBatch(port: number, data: Buffer): Promise<void> {
  await new Promise<void>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let timer: NodeJS.Timeout | null = null;
    const finish = () => {
      if (timer) clearTimeout(timer);
      s.destroy();
      resolve();
    };
    s.on('error', finish);
    s.on('close', finish);
    s.on('data', () => {});
    s.on('connect', () => {
      s.write(data);
      // The node may be swallowing a huge announced value or waiting for more
      // input: that is legitimate, so the client leaves after a moment.
      timer = setTimeout(finish, 15);
    });
  });
}

test(`the node survives ${ITERATIONS} random and mutated lines and packets (seed ${SEED})`, async () => {
  const errors: string[] = [];
  const node = await startMemcached({ memoryLimitMb: 8, logger: (_level, message) => errors.push(message) });
  const control = await RawClient.connect(node.port);
  let sent = 0;
  let batches = 0;
  try {
    while (sent < ITERATIONS) {
      const round: Promise<void>[] = [];
      for (let b = 0; b < PARALLEL && sent < ITERATIONS; b++) {
        const binary = rand() < 0.3;
        const parts: Buffer[] = [];
        for (let i = 0; i < BATCH && sent < ITERATIONS; i++, sent++) {
          if (binary) parts.push(binaryPacket());
          else parts.push(Buffer.from(rand() < 0.5 ? textCommand() : mutate(textCommand()), 'latin1'));
        }
        round.push(sendBatch(node.port, Buffer.concat(parts)));
      }
      await Promise.all(round);
      if (++batches % 10 === 0) {
        // The well-behaved client is still served, promptly and correctly. (Its
        // data may be flushed or evicted by the fuzzing connections meanwhile,
        // so the check asks for answers that do not depend on the cache.)
        const n = String(batches);
        assert.equal(await ask(control, `set control 0 0 ${n.length}\r\n${n}\r\nversion\r\n`, 'VERSION 1.6.18\r\n', HANG), 'STORED\r\nVERSION 1.6.18\r\n', `seed ${SEED}`);
        assert.match(await ask(control, 'get control\r\nmn\r\n', 'MN\r\n', HANG), new RegExp(`^(VALUE control 0 ${n.length}\r\n${n}\r\n)?END\r\nMN\r\n$`), `seed ${SEED}`);
      }
    }
    const second = await RawClient.connect(node.port);
    assert.equal(await ask(second, 'set after 0 0 2\r\nok\r\n', '\r\n', HANG), 'STORED\r\n', `seed ${SEED}`);
    assert.equal(await ask(second, 'get after\r\n', 'END\r\n', HANG), 'VALUE after 0 2\r\nok\r\nEND\r\n', `seed ${SEED}`);
    second.close();
    assert.equal(node.internalErrors, 0, `commands threw (seed ${SEED}): ${errors.join('\n')}`);
  } finally {
    control.close();
    await node.close();
  }
});
