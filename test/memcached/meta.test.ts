// The meta commands (mg ms md ma mn me) over raw sockets: flags, modes, quiet
// mode, base64 keys, and the stale/win/recache protocol.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMemcached, RawClient, ask } from './support.js';
import type { MemcachedNode } from '../../src/server/memcached-node.js';
import { ManualClock } from '../../src/engine/clock.js';

/** The value of flag `f` in a meta reply line ("HD c12 t-1" -> c -> "12"). */
function flag(line: string, f: string): string | undefined {
  for (const tok of line.trim().split(' ').slice(1)) if (tok[0] === f) return tok.slice(1);
  return undefined;
}

describe('memcached meta commands', () => {
  let node: MemcachedNode;
  let c: RawClient;
  before(async () => {
    // A frozen clock: TTLs read back exactly, whatever the machine's load.
    node = await startMemcached({ clock: new ManualClock(Math.floor(Date.now() / 1000) * 1000) });
    c = await RawClient.connect(node.port);
  });
  after(async () => {
    c.close();
    await node.close();
  });

  test('mg returns the flags asked for, in request order, and EN on a miss', async () => {
    await ask(c, 'set m1 5 0 2\r\nhi\r\n');
    assert.equal(await ask(c, 'mg m1 s v f k\r\n', 'hi\r\n'), 'VA 2 s2 f5 km1\r\nhi\r\n');
    assert.equal(await ask(c, 'mg m1 k s\r\n'), 'HD km1 s2\r\n');
    assert.equal(await ask(c, 'mg m1\r\n'), 'HD\r\n');
    assert.equal(await ask(c, 'mg m1 t\r\n'), 'HD t-1\r\n');
    assert.equal(await ask(c, 'mg nope v\r\n'), 'EN\r\n');
    assert.equal(await ask(c, 'mg nope k Oabc\r\n'), 'EN knope Oabc\r\n');
    assert.match(await ask(c, 'mg m1 c\r\n'), /^HD c\d+\r\n$/);
  });

  test('mg h and l report the state before the fetch; u leaves it alone', async () => {
    await ask(c, 'ms hits 1\r\nx\r\n');
    assert.equal(await ask(c, 'mg hits u h\r\n'), 'HD h0\r\n');
    assert.equal(await ask(c, 'mg hits h\r\n'), 'HD h0\r\n');
    assert.equal(await ask(c, 'mg hits h l\r\n'), 'HD h1 l0\r\n');
  });

  test('mg T updates the TTL and t reports it, before or after depending on order', async () => {
    await ask(c, 'ms ttl 1 T100\r\nx\r\n');
    assert.equal(await ask(c, 'mg ttl t T300\r\n'), 'HD t100\r\n');
    assert.equal(await ask(c, 'mg ttl T500 t\r\n'), 'HD t500\r\n');
  });

  test('ms stores with flags and TTL, c returns the new CAS, C compares it', async () => {
    const stored = await ask(c, 'ms ms1 3 F7 T60 c k\r\nabc\r\n');
    assert.match(stored, /^HD c\d+ kms1\r\n$/);
    const cas = flag(stored, 'c')!;
    assert.equal(await ask(c, 'mg ms1 f t v\r\n', 'abc\r\n'), 'VA 3 f7 t60\r\nabc\r\n');
    assert.equal(await ask(c, `ms ms1 3 c C${Number(cas) + 10}\r\nxyz\r\n`), 'EX c0\r\n');
    assert.match(await ask(c, `ms ms1 3 c C${cas}\r\nxyz\r\n`), /^HD c\d+\r\n$/);
    assert.equal(await ask(c, 'ms nokey 1 C1\r\nx\r\n'), 'NF\r\n');
  });

  test('ms modes E A P R S switch between add, append, prepend, replace and set', async () => {
    assert.equal(await ask(c, 'ms md1 2 ME\r\nbb\r\n'), 'HD\r\n');
    assert.equal(await ask(c, 'ms md1 2 ME\r\nzz\r\n'), 'NS\r\n');
    assert.equal(await ask(c, 'ms md1 2 MA\r\ncc\r\n'), 'HD\r\n');
    assert.equal(await ask(c, 'ms md1 2 MP\r\naa\r\n'), 'HD\r\n');
    assert.equal(await ask(c, 'mg md1 v\r\n', 'aabbcc\r\n'), 'VA 6\r\naabbcc\r\n');
    assert.equal(await ask(c, 'ms nothere 2 MR\r\nzz\r\n'), 'NS\r\n');
    assert.equal(await ask(c, 'ms md1 2 MR\r\nxx\r\n'), 'HD\r\n');
    assert.equal(await ask(c, 'ms md1 2 MS\r\nyy\r\n'), 'HD\r\n');
    assert.equal(await ask(c, 'ms md1 2 MZ\r\ntt\r\n'), 'CLIENT_ERROR invalid mode for ms M token\r\n');
    assert.equal(await ask(c, 'mg md1 v\r\n', 'yy\r\n'), 'VA 2\r\nyy\r\n');
  });

  test('q hides nominal replies but not misses of other commands or errors', async () => {
    c.write('ms qk 2 q\r\nmo\r\n');
    c.write('md qk q\r\n');
    c.write('mg qk v q\r\n');
    assert.equal(await ask(c, 'mn\r\n'), 'MN\r\n');
    c.write('ms qk 2 q\r\nbo\r\n');
    assert.equal(await ask(c, 'mg qk v q\r\nmg qmiss v q\r\nmn\r\n', 'MN\r\n'), 'VA 2\r\nbo\r\nMN\r\n');
    assert.equal(await ask(c, 'md qmiss q\r\n'), 'NF\r\n');
    assert.equal(await ask(c, 'ms qk\r\n'), 'CLIENT_ERROR bad command line format\r\n');
  });

  test('md removes, C guards it, and I marks the item stale instead', async () => {
    await ask(c, 'ms st 3\r\nmoo\r\n');
    const cas = flag(await ask(c, 'mg st c\r\n'), 'c')!;
    assert.equal(await ask(c, `md st C${Number(cas) + 1}\r\n`), 'EX\r\n');
    assert.equal(await ask(c, 'md st I T30\r\n'), 'HD\r\n');
    // The first fetch of a stale item wins the right to recache it.
    const first = await ask(c, 'mg st s c v t\r\n', 'moo\r\n');
    assert.match(first, /^VA 3 s3 c\d+ t30 X W\r\nmoo\r\n$/);
    assert.match(await ask(c, 'mg st s v\r\n', 'moo\r\n'), /^VA 3 s3 Z X\r\nmoo\r\n$/);
    // A set with a lower CAS and I keeps it stale; the current CAS replaces it.
    assert.equal(await ask(c, 'ms st 1 I T90 C1\r\nf\r\n'), 'HD\r\n');
    const again = await ask(c, 'mg st c t\r\n');
    assert.match(again, / X/);
    assert.equal(flag(again, 't'), '30');
    assert.equal(await ask(c, `ms st 1 C${flag(again, 'c')} T90\r\ng\r\n`), 'HD\r\n');
    assert.equal(await ask(c, 'mg st v t\r\n', 'g\r\n'), 'VA 1 t90\r\ng\r\n');
    assert.equal(await ask(c, 'md st\r\n'), 'HD\r\n');
    assert.equal(await ask(c, 'md st\r\n'), 'NF\r\n');
  });

  test('mg N vivifies a missing item once; R wins a recache below a TTL', async () => {
    assert.match(await ask(c, 'mg viv s c v N30 t\r\n', '\r\n\r\n'), /^VA 0 s0 c\d+ t30 W\r\n\r\n$/);
    assert.match(await ask(c, 'mg viv s N30\r\n'), /^HD s0 Z\r\n$/);
    await ask(c, 'ms rc 2 T100\r\nab\r\n');
    assert.equal(await ask(c, 'mg rc R130\r\n'), 'HD W\r\n');
    assert.equal(await ask(c, 'mg rc R130\r\n'), 'HD Z\r\n');
    assert.equal(await ask(c, 'mg viv2 s N30 t q\r\n'), 'HD s0 t30 W\r\n');
  });

  test('ma increments, decrements, vivifies with J, and checks C', async () => {
    assert.equal(await ask(c, 'ma ctr\r\n'), 'NF\r\n');
    assert.equal(await ask(c, 'ma ctr N0 J13 v\r\n', '13\r\n'), 'VA 2\r\n13\r\n');
    assert.equal(await ask(c, 'ma ctr v\r\n', '14\r\n'), 'VA 2\r\n14\r\n');
    assert.equal(await ask(c, 'ma ctr v D30\r\n', '44\r\n'), 'VA 2\r\n44\r\n');
    assert.equal(await ask(c, 'ma ctr v MD D50\r\n', '0\r\n'), 'VA 1\r\n0\r\n');
    assert.equal(await ask(c, 'ma ctr\r\n'), 'HD\r\n');
    assert.equal(await ask(c, 'ma ctr C99999\r\n'), 'EX\r\n');
    assert.equal(await ask(c, 'ma ctr q\r\nmn\r\n', 'MN\r\n'), 'MN\r\n');
    assert.equal(await ask(c, 'ma ctr Mx\r\n'), 'CLIENT_ERROR invalid mode for ma M token\r\n');
    await ask(c, 'set txt 0 0 1\r\nq\r\n');
    assert.equal(await ask(c, 'ma txt\r\n'), 'CLIENT_ERROR cannot increment or decrement non-numeric value\r\n');
  });

  test('b takes base64 keys and k returns them encoded', async () => {
    assert.equal(await ask(c, 'ms 44OG44K544OI 2 b\r\npo\r\n'), 'HD\r\n');
    assert.equal(await ask(c, 'mg 44OG44K544OI v\r\n'), 'EN\r\n');
    assert.equal(await ask(c, 'mg 44OG44K544OI b v k\r\n', 'po\r\n'), 'VA 2 k44OG44K544OI b\r\npo\r\n');
    assert.match(await ask(c, 'me 44OG44K544OI b\r\n'), /^ME 44OG44K544OI exp=-1 la=\d+ cas=\d+ fetch=yes cls=1 size=\d+\r\n$/);
    assert.equal(await ask(c, 'mg !!! b v\r\n'), 'CLIENT_ERROR error decoding key\r\n');
  });

  test('bad flags, long opaques and long keys are client errors', async () => {
    assert.equal(await ask(c, 'mg foo m o o\r\n'), 'CLIENT_ERROR invalid flag\r\n');
    assert.equal(await ask(c, 'mg foo v v\r\n'), 'CLIENT_ERROR duplicate flag\r\n');
    assert.equal(await ask(c, 'mg foo Nx\r\n'), 'CLIENT_ERROR bad token in command line format\r\n');
    assert.equal(await ask(c, `mg foo O${'x'.repeat(40)}\r\n`), 'CLIENT_ERROR opaque token too long\r\n');
    assert.equal(await ask(c, `mg ${'k'.repeat(251)} v\r\n`), 'CLIENT_ERROR bad command line format\r\n');
    assert.equal(await ask(c, 'mg\r\n'), 'ERROR\r\n');
    assert.equal(await ask(c, 'mx foo\r\n'), 'ERROR\r\n');
    // An ms error swallows the data block it announced.
    assert.equal(await ask(c, 'ms foo 2 Mxx\r\nab\r\n'), 'CLIENT_ERROR incorrect length for M token\r\n');
    assert.equal(await ask(c, 'mn\r\n'), 'MN\r\n');
  });

  test('me shows an item\'s metadata; mn answers MN', async () => {
    await ask(c, 'set dbg 0 0 2\r\nhi\r\n');
    assert.match(await ask(c, 'me dbg\r\n'), /^ME dbg exp=-1 la=\d+ cas=\d+ fetch=no cls=1 size=64\r\n$/);
    assert.equal(await ask(c, 'me none\r\n'), 'EN\r\n');
    assert.equal(await ask(c, 'mn\r\n'), 'MN\r\n');
  });

  test('quit inside a pipeline stops later meta commands', async () => {
    const d = await RawClient.connect(node.port);
    await ask(d, 'ms pq 2 T100\r\nna\r\n');
    d.write('mg pq s\r\nmg pq s\r\nquit\r\nmg pq s\r\n');
    const text = await d.readUntil(() => false, 2000);
    assert.ok(d.closed);
    assert.equal(text, 'HD s2\r\nHD s2\r\n');
  });
});
