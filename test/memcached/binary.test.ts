// The binary protocol with hand-built packets: every opcode, quiet variants,
// GAT/TOUCH, STAT, malformed packets, and SASL PLAIN authentication.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startMemcached, RawClient, packet, setExtras, deltaExtras, u32, binAsk, parsePackets, untilClosed } from './support.js';
import type { MemcachedNode } from '../../src/server/memcached-node.js';

const OP = {
  get: 0x00,
  set: 0x01,
  add: 0x02,
  replace: 0x03,
  delete: 0x04,
  incr: 0x05,
  decr: 0x06,
  quit: 0x07,
  flush: 0x08,
  getq: 0x09,
  noop: 0x0a,
  version: 0x0b,
  getk: 0x0c,
  getkq: 0x0d,
  append: 0x0e,
  prepend: 0x0f,
  stat: 0x10,
  setq: 0x11,
  deleteq: 0x14,
  incrq: 0x15,
  quitq: 0x17,
  appendq: 0x19,
  touch: 0x1c,
  gat: 0x1d,
  gatq: 0x1e,
  saslList: 0x20,
  saslAuth: 0x21,
  saslStep: 0x22,
  gatk: 0x23,
};

describe('memcached binary protocol', () => {
  let node: MemcachedNode;
  let c: RawClient;
  before(async () => {
    node = await startMemcached();
    c = await RawClient.connect(node.port);
  });
  after(async () => {
    c.close();
    await node.close();
  });

  test('NOOP and VERSION answer with the request opaque', async () => {
    const [noop, version] = await binAsk(c, Buffer.concat([packet(OP.noop, { opaque: 7 }), packet(OP.version, { opaque: 8 })]), 2);
    assert.equal(noop.magic, 0x81);
    assert.equal(noop.opcode, OP.noop);
    assert.equal(noop.opaque, 7);
    assert.equal(noop.status, 0);
    assert.equal(version.value.toString(), '1.6.18');
    assert.equal(version.opaque, 8);
  });

  test('SET then GET and GETK return flags, value, key and the CAS of the store', async () => {
    const [set] = await binAsk(c, packet(OP.set, { key: 'a', value: 'hello', extras: setExtras(0xdeadbeef, 0) }));
    assert.equal(set.status, 0);
    assert.ok(set.cas > 0n);
    const [get, getk] = await binAsk(c, Buffer.concat([packet(OP.get, { key: 'a' }), packet(OP.getk, { key: 'a' })]), 2);
    assert.equal(get.extras.readUInt32BE(0), 0xdeadbeef);
    assert.equal(get.value.toString(), 'hello');
    assert.equal(get.key.length, 0);
    assert.equal(get.cas, set.cas);
    assert.equal(getk.key.toString(), 'a');
    assert.equal(getk.value.toString(), 'hello');
  });

  test('misses: GET says "Not found", GETK returns the key, quiet gets say nothing', async () => {
    const [miss, missk, noop] = await binAsk(
      c,
      Buffer.concat([packet(OP.get, { key: 'zz' }), packet(OP.getk, { key: 'zz' }), packet(OP.getq, { key: 'zz' }), packet(OP.getkq, { key: 'zz' }), packet(OP.noop)]),
      3,
    );
    assert.equal(miss.status, 1);
    assert.equal(miss.value.toString(), 'Not found');
    assert.equal(missk.status, 1);
    assert.equal(missk.key.toString(), 'zz');
    assert.equal(noop.opcode, OP.noop);
  });

  test('quiet mutations say nothing on success but still report errors', async () => {
    const replies = await binAsk(
      c,
      Buffer.concat([
        packet(OP.setq, { key: 'q', value: 'v', extras: setExtras(1, 0) }),
        packet(OP.appendq, { key: 'q', value: 'w' }),
        packet(OP.deleteq, { key: 'missing', opaque: 9 }),
        packet(OP.incrq, { key: 'q', extras: deltaExtras(1n, 0n, 0) }),
        packet(OP.noop, { opaque: 10 }),
      ]),
      3,
    );
    assert.deepEqual(
      replies.map((r) => [r.opcode, r.status, r.opaque]),
      [
        [0x14, 1, 9],
        [0x15, 6, 0],
        [OP.noop, 0, 10],
      ],
    );
    const [get] = await binAsk(c, packet(OP.get, { key: 'q' }));
    assert.equal(get.value.toString(), 'vw');
  });

  test('ADD, REPLACE and CAS map to EEXISTS and ENOENT', async () => {
    const r = await binAsk(
      c,
      Buffer.concat([
        packet(OP.add, { key: 'ar', value: '1', extras: setExtras(0, 0) }),
        packet(OP.add, { key: 'ar', value: '2', extras: setExtras(0, 0) }),
        packet(OP.replace, { key: 'nope', value: '3', extras: setExtras(0, 0) }),
        packet(OP.set, { key: 'nope', value: '4', extras: setExtras(0, 0), cas: 77n }),
        packet(OP.set, { key: 'ar', value: '5', extras: setExtras(0, 0), cas: 77n }),
      ]),
      5,
    );
    assert.deepEqual(
      r.map((p) => p.status),
      [0, 2, 1, 1, 2],
    );
    const [ok] = await binAsk(c, packet(OP.set, { key: 'ar', value: '6', extras: setExtras(0, 0), cas: r[0].cas }));
    assert.equal(ok.status, 0);
  });

  test('INCR and DECR: initial value, 64-bit result, floor at zero, bad values', async () => {
    const r = await binAsk(
      c,
      Buffer.concat([
        packet(OP.incr, { key: 'ctr', extras: deltaExtras(1n, 10n, 0) }),
        packet(OP.incr, { key: 'ctr', extras: deltaExtras(2n ** 33n, 0n, 0) }),
        packet(OP.decr, { key: 'ctr', extras: deltaExtras(2n ** 40n, 0n, 0) }),
        packet(OP.incr, { key: 'nocreate', extras: deltaExtras(1n, 0n, 0xffffffff) }),
        packet(OP.incr, { key: 'q', extras: deltaExtras(1n, 0n, 0) }),
      ]),
      5,
    );
    assert.equal(r[0].value.readBigUInt64BE(0), 10n);
    assert.equal(r[1].value.readBigUInt64BE(0), 10n + 2n ** 33n);
    assert.equal(r[2].value.readBigUInt64BE(0), 0n);
    assert.equal(r[3].status, 1);
    assert.equal(r[4].status, 6);
    assert.equal(r[4].value.toString(), 'Non-numeric server-side value for incr or decr');
  });

  test('DELETE honours a CAS; APPEND/PREPEND need an existing item', async () => {
    const [set] = await binAsk(c, packet(OP.set, { key: 'del', value: 'x', extras: setExtras(0, 0) }));
    const r = await binAsk(
      c,
      Buffer.concat([
        packet(OP.delete, { key: 'del', cas: set.cas + 1n }),
        packet(OP.delete, { key: 'del', cas: set.cas }),
        packet(OP.delete, { key: 'del' }),
        packet(OP.append, { key: 'del', value: 'y' }),
        packet(OP.prepend, { key: 'del', value: 'y' }),
      ]),
      5,
    );
    assert.deepEqual(
      r.map((p) => p.status),
      [2, 0, 1, 5, 5],
    );
    assert.equal(r[3].value.toString(), 'Not stored.');
  });

  test('TOUCH and GAT update the expiry; GATK returns the key; GATQ misses are silent', async () => {
    await binAsk(c, packet(OP.set, { key: 'g', value: 'val', extras: setExtras(3, 0) }));
    const r = await binAsk(
      c,
      Buffer.concat([
        packet(OP.touch, { key: 'g', extras: u32(100) }),
        packet(OP.gat, { key: 'g', extras: u32(100) }),
        packet(OP.gatk, { key: 'g', extras: u32(100) }),
        packet(OP.gatq, { key: 'none', extras: u32(100) }),
        packet(OP.touch, { key: 'none', extras: u32(100) }),
      ]),
      4,
    );
    assert.equal(r[0].status, 0);
    assert.equal(r[0].extras.readUInt32BE(0), 3);
    assert.equal(r[0].value.length, 0);
    assert.equal(r[1].value.toString(), 'val');
    assert.equal(r[2].key.toString(), 'g');
    assert.equal(r[3].opcode, OP.touch);
    assert.equal(r[3].status, 1);
  });

  test('STAT streams one packet per statistic and ends with an empty one', async () => {
    c.write(packet(OP.stat, { opaque: 5 }));
    const raw = await c.readUntil((s) => {
      try {
        const ps = parsePackets(Buffer.from(s, 'latin1'));
        return ps.length > 0 && ps[ps.length - 1].keylen === 0;
      } catch {
        return false;
      }
    });
    const packets = parsePackets(Buffer.from(raw, 'latin1'));
    const stats = new Map(packets.filter((p) => p.keylen > 0).map((p) => [p.key.toString(), p.value.toString()]));
    assert.equal(stats.get('version'), '1.6.18');
    assert.ok(stats.has('curr_items'));
    assert.ok(packets.every((p) => p.opaque === 5 && p.opcode === OP.stat));
    const [miss] = await binAsk(c, packet(OP.stat, { key: 'bogus' }));
    assert.equal(miss.status, 1);
    const settings = await binAsk(c, packet(OP.stat, { key: 'settings' }), 3);
    assert.equal(settings[0].key.toString(), 'maxbytes');
  });

  test('FLUSH empties the store', async () => {
    await binAsk(c, packet(OP.set, { key: 'f', value: 'v', extras: setExtras(0, 0) }));
    const [flush, get] = await binAsk(c, Buffer.concat([packet(OP.flush), packet(OP.get, { key: 'f' })]), 2);
    assert.equal(flush.status, 0);
    assert.equal(get.status, 1);
  });

  test('unknown opcodes answer "Unknown command" and the connection stays usable', async () => {
    const [unknown, noop] = await binAsk(c, Buffer.concat([packet(0x55), packet(OP.noop)]), 2);
    assert.equal(unknown.status, 0x81);
    assert.equal(unknown.value.toString(), 'Unknown command');
    assert.equal(noop.status, 0);
  });

  test('a value over the item size limit is E2BIG and is swallowed', async () => {
    const big = Buffer.alloc(1024 * 1024 + 1, 0x61);
    const [tooBig, noop] = await binAsk(c, Buffer.concat([packet(OP.set, { key: 'big', value: big, extras: setExtras(0, 0) }), packet(OP.noop)]), 2);
    assert.equal(tooBig.status, 3);
    assert.equal(tooBig.value.toString(), 'Too large.');
    assert.equal(noop.opcode, OP.noop);
  });

  test('a malformed packet gets "Invalid arguments" and the connection closes', async () => {
    const d = await RawClient.connect(node.port);
    d.write(packet(OP.get, { key: 'a', extras: u32(1) }));
    const [err] = parsePackets(Buffer.from(await untilClosed(d), 'latin1'));
    assert.equal(err.status, 4);
    assert.equal(err.value.toString(), 'Invalid arguments');
  });

  test('a key over 250 bytes is a protocol error', async () => {
    const d = await RawClient.connect(node.port);
    d.write(packet(OP.get, { key: 'k'.repeat(300) }));
    const [err] = parsePackets(Buffer.from(await untilClosed(d), 'latin1'));
    assert.equal(err.status, 4);
  });

  test('a packet whose key is longer than its body is refused and the connection closed', async () => {
    const d = await RawClient.connect(node.port);
    d.write(packet(OP.get, { key: 'abc', bodylen: 1 }));
    const [err] = parsePackets(Buffer.from(await untilClosed(d), 'latin1'));
    assert.equal(err.status, 0x81);
  });

  test('a bad magic byte closes the connection', async () => {
    const d = await RawClient.connect(node.port);
    d.write(Buffer.concat([packet(OP.noop), packet(OP.noop, { magic: 0x81 })]));
    const got = parsePackets(Buffer.from(await untilClosed(d), 'latin1'));
    assert.equal(got.length, 1);
  });

  test('QUIT answers and closes; QUITQ closes silently', async () => {
    const d = await RawClient.connect(node.port);
    d.write(packet(OP.quit));
    assert.equal(parsePackets(Buffer.from(await untilClosed(d), 'latin1'))[0].opcode, OP.quit);
    const e = await RawClient.connect(node.port);
    e.write(packet(OP.quitq));
    assert.equal(await untilClosed(e), '');
  });

  test('a request split across TCP chunks is reassembled', async () => {
    const req = packet(OP.set, { key: 'split', value: 'abcdefgh', extras: setExtras(0, 0) });
    for (const cut of [[0, 5], [5, 30], [30, req.length]]) {
      c.write(req.subarray(cut[0], cut[1]));
      await new Promise((r) => setTimeout(r, 5));
    }
    const [set] = parsePackets(Buffer.from(await c.readUntil((s) => s.length >= 24), 'latin1'));
    assert.equal(set.status, 0);
    const [get] = await binAsk(c, packet(OP.get, { key: 'split' }));
    assert.equal(get.value.toString(), 'abcdefgh');
  });

  test('SASL commands are unknown when SASL is off', async () => {
    const [list, noop] = await binAsk(c, Buffer.concat([packet(OP.saslList), packet(OP.noop)]), 2);
    assert.equal(list.status, 0x81);
    assert.equal(noop.status, 0);
  });
});

describe('memcached SASL (--sasl-pwdb)', () => {
  let node: MemcachedNode;
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cove-sasl-'));
    const pwdb = path.join(dir, 'pwdb');
    fs.writeFileSync(pwdb, 'alice:s3cret\nbob:other:extra\n');
    node = await startMemcached({ saslPwdb: pwdb });
  });
  after(async () => {
    await node.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const plain = (user: string, pass: string) => Buffer.from(`\0${user}\0${pass}`, 'latin1');

  test('LIST_MECHS offers PLAIN', async () => {
    const c = await RawClient.connect(node.port);
    const [list] = await binAsk(c, packet(OP.saslList));
    assert.equal(list.status, 0);
    assert.equal(list.value.toString(), 'PLAIN');
    c.close();
  });

  test('commands before authentication are refused with "Auth failure." and the connection closed', async () => {
    const c = await RawClient.connect(node.port);
    c.write(packet(OP.get, { key: 'a' }));
    const [err] = parsePackets(Buffer.from(await untilClosed(c), 'latin1'));
    assert.equal(err.status, 0x20);
    assert.equal(err.value.toString(), 'Auth failure.');
  });

  test('VERSION needs no authentication', async () => {
    const c = await RawClient.connect(node.port);
    const [v] = await binAsk(c, packet(OP.version));
    assert.equal(v.status, 0);
    c.close();
  });

  test('a wrong password fails, the right one authenticates and unlocks commands', async () => {
    const c = await RawClient.connect(node.port);
    const [bad] = await binAsk(c, packet(OP.saslAuth, { key: 'PLAIN', value: plain('alice', 'wrong') }));
    assert.equal(bad.status, 0x20);
    const [good] = await binAsk(c, packet(OP.saslAuth, { key: 'PLAIN', value: plain('alice', 's3cret') }));
    assert.equal(good.status, 0);
    assert.equal(good.value.toString(), 'Authenticated');
    const [set, get] = await binAsk(c, Buffer.concat([packet(OP.set, { key: 'k', value: 'v', extras: setExtras(0, 0) }), packet(OP.get, { key: 'k' })]), 2);
    assert.equal(set.status, 0);
    assert.equal(get.value.toString(), 'v');
    c.close();
  });

  test('extra ":fields" after a password in the database are allowed', async () => {
    const c = await RawClient.connect(node.port);
    const [ok] = await binAsk(c, packet(OP.saslAuth, { key: 'PLAIN', value: plain('bob', 'other') }));
    assert.equal(ok.status, 0);
    c.close();
  });

  test('unknown mechanisms and SASL_STEP without AUTH fail', async () => {
    const c = await RawClient.connect(node.port);
    const [mech, step] = await binAsk(c, Buffer.concat([packet(OP.saslAuth, { key: 'CRAM-MD5', value: 'x' }), packet(OP.saslStep, { key: 'PLAIN', value: 'x' })]), 2);
    assert.equal(mech.status, 0x20);
    assert.equal(step.status, 0x20);
    c.close();
  });

  test('the text protocol is not spoken when SASL is on', async () => {
    const c = await RawClient.connect(node.port);
    c.write('get a\r\n');
    assert.equal(await untilClosed(c), '');
  });

  test('auth_cmds and auth_errors count attempts', async () => {
    const c = await RawClient.connect(node.port);
    await binAsk(c, packet(OP.saslAuth, { key: 'PLAIN', value: plain('alice', 'bad') }));
    await binAsk(c, packet(OP.saslAuth, { key: 'PLAIN', value: plain('alice', 's3cret') }));
    c.write(packet(OP.stat));
    const raw = await c.readUntil((s) => {
      try {
        const ps = parsePackets(Buffer.from(s, 'latin1'));
        return ps.length > 0 && ps[ps.length - 1].keylen === 0;
      } catch {
        return false;
      }
    });
    const stats = new Map(parsePackets(Buffer.from(raw, 'latin1')).map((p) => [p.key.toString(), p.value.toString()]));
    assert.ok(Number(stats.get('auth_cmds')) >= 2);
    assert.ok(Number(stats.get('auth_errors')) >= 1);
    c.close();
  });
});
