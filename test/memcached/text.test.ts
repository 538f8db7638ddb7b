// The classic text protocol over raw sockets, telnet style: every command's
// replies and error strings as memcached 1.6.18 sends them.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMemcached, RawClient, ask, parseStats, untilClosed } from './support.js';
import type { MemcachedNode } from '../../src/server/memcached-node.js';
import { ManualClock } from '../../src/engine/clock.js';

describe('memcached text protocol', () => {
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

  test('set, get and gets return the value with its flags and a CAS', async () => {
    assert.equal(await ask(c, 'set foo 42 0 6\r\nfooval\r\n'), 'STORED\r\n');
    assert.equal(await ask(c, 'get foo\r\n', 'END\r\n'), 'VALUE foo 42 6\r\nfooval\r\nEND\r\n');
    const gets = await ask(c, 'gets foo\r\n', 'END\r\n');
    assert.match(gets, /^VALUE foo 42 6 \d+\r\nfooval\r\nEND\r\n$/);
    assert.equal(await ask(c, 'get nothere\r\n', 'END\r\n'), 'END\r\n');
  });

  test('a multi-get returns the hits in order and skips the misses', async () => {
    await ask(c, 'set k1 0 0 1\r\na\r\nset k2 0 0 1\r\nb\r\n', 'STORED\r\nSTORED\r\n');
    assert.equal(await ask(c, 'get k1 miss k2 k1\r\n', 'END\r\n'), 'VALUE k1 0 1\r\na\r\nVALUE k2 0 1\r\nb\r\nVALUE k1 0 1\r\na\r\nEND\r\n');
  });

  test('add, replace, append and prepend follow their existence rules', async () => {
    assert.equal(await ask(c, 'add ar 0 0 1\r\n1\r\n'), 'STORED\r\n');
    assert.equal(await ask(c, 'add ar 0 0 1\r\n2\r\n'), 'NOT_STORED\r\n');
    assert.equal(await ask(c, 'replace nope 0 0 1\r\n3\r\n'), 'NOT_STORED\r\n');
    assert.equal(await ask(c, 'replace ar 7 0 1\r\n4\r\n'), 'STORED\r\n');
    assert.equal(await ask(c, 'append nope 0 0 1\r\nx\r\n'), 'NOT_STORED\r\n');
    assert.equal(await ask(c, 'append ar 99 0 2\r\n>>\r\n'), 'STORED\r\n');
    assert.equal(await ask(c, 'prepend ar 99 0 2\r\n<<\r\n'), 'STORED\r\n');
    // append/prepend keep the item's own flags.
    assert.equal(await ask(c, 'get ar\r\n', 'END\r\n'), 'VALUE ar 7 5\r\n<<4>>\r\nEND\r\n');
  });

  test('cas stores only with the current CAS value', async () => {
    await ask(c, 'set cv 0 0 1\r\na\r\n');
    const cas = /VALUE cv 0 1 (\d+)/.exec(await ask(c, 'gets cv\r\n', 'END\r\n'))![1];
    assert.equal(await ask(c, `cas cv 0 0 1 ${Number(cas) + 1000}\r\nb\r\n`), 'EXISTS\r\n');
    assert.equal(await ask(c, `cas cv 0 0 1 ${cas}\r\nc\r\n`), 'STORED\r\n');
    assert.equal(await ask(c, `cas cv 0 0 1 ${cas}\r\nd\r\n`), 'EXISTS\r\n');
    assert.equal(await ask(c, 'cas missing 0 0 1 1\r\ne\r\n'), 'NOT_FOUND\r\n');
    // A cas line without the CAS token is the wrong number of tokens, and the
    // data line is then read as a command.
    assert.equal(await ask(c, 'cas cv 0 0 1\r\nf\r\n', 'ERROR\r\nERROR\r\n'), 'ERROR\r\nERROR\r\n');
  });

  test('incr and decr work on 64-bit unsigned values', async () => {
    await ask(c, 'set n 0 0 20\r\n18446744073709551615\r\n');
    assert.equal(await ask(c, 'incr n 1\r\n'), '0\r\n');
    await ask(c, 'set n 0 0 2\r\n10\r\n');
    assert.equal(await ask(c, 'decr n 3\r\n'), '7\r\n');
    // A shorter result is padded with spaces in place, as memcached does.
    assert.equal(await ask(c, 'get n\r\n', 'END\r\n'), 'VALUE n 0 2\r\n7 \r\nEND\r\n');
    assert.equal(await ask(c, 'decr n 100\r\n'), '0\r\n');
    assert.equal(await ask(c, 'incr n 18446744073709551610\r\n'), '18446744073709551610\r\n');
    assert.equal(await ask(c, 'incr nope 1\r\n'), 'NOT_FOUND\r\n');
    await ask(c, 'set t 0 0 2\r\nhi\r\n');
    assert.equal(await ask(c, 'incr t 1\r\n'), 'CLIENT_ERROR cannot increment or decrement non-numeric value\r\n');
    assert.equal(await ask(c, 'incr n abc\r\n'), 'CLIENT_ERROR invalid numeric delta argument\r\n');
    assert.equal(await ask(c, 'incr n -1\r\n'), 'CLIENT_ERROR invalid numeric delta argument\r\n');
  });

  test('delete and touch answer DELETED/TOUCHED or NOT_FOUND', async () => {
    await ask(c, 'set d 0 0 1\r\nx\r\n');
    assert.equal(await ask(c, 'touch d 100\r\n'), 'TOUCHED\r\n');
    assert.equal(await ask(c, 'delete d\r\n'), 'DELETED\r\n');
    assert.equal(await ask(c, 'delete d\r\n'), 'NOT_FOUND\r\n');
    assert.equal(await ask(c, 'touch d 100\r\n'), 'NOT_FOUND\r\n');
    assert.equal(await ask(c, 'delete d 0\r\n'), 'NOT_FOUND\r\n');
    assert.equal(await ask(c, 'delete d 10\r\n'), 'CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n');
    assert.equal(await ask(c, 'touch d abc\r\n'), 'CLIENT_ERROR invalid exptime argument\r\n');
  });

  test('noreply suppresses the reply of every storage and update command', async () => {
    c.write('set nr 0 0 1 noreply\r\n1\r\n');
    c.write('add nr 0 0 1 noreply\r\n2\r\n');
    c.write('replace nr 0 0 1 noreply\r\n3\r\n');
    c.write('append nr 0 0 1 noreply\r\n4\r\n');
    c.write('prepend nr 0 0 1 noreply\r\n5\r\n');
    c.write('incr nr 1 noreply\r\n');
    c.write('touch nr 100 noreply\r\n');
    c.write('verbosity 0 noreply\r\n');
    // Errors are suppressed too (memcached's out_string honours noreply).
    c.write('set nr 0 0 -1 noreply\r\n');
    assert.equal(await ask(c, 'get nr\r\n', 'END\r\n'), 'VALUE nr 0 3\r\n535\r\nEND\r\n');
    c.write('delete nr noreply\r\n');
    c.write('flush_all noreply\r\n');
    assert.equal(await ask(c, 'get nr\r\n', 'END\r\n'), 'END\r\n');
  });

  test('unknown commands, empty lines and bad arguments get memcached\'s error tiers', async () => {
    assert.equal(await ask(c, 'boguscommand slkdsldkfjsd\r\n'), 'ERROR\r\n');
    assert.equal(await ask(c, '\r\n'), 'ERROR\r\n');
    assert.equal(await ask(c, 'GET foo\r\n'), 'ERROR\r\n');
    assert.equal(await ask(c, 'get\r\n'), 'ERROR\r\n');
    assert.equal(await ask(c, 'set foo 0 0\r\n'), 'ERROR\r\n');
    assert.equal(await ask(c, 'set a 0 0 -1\r\n'), 'CLIENT_ERROR bad command line format\r\n');
    assert.equal(await ask(c, 'set a abc 0 1\r\n'), 'CLIENT_ERROR bad command line format\r\n');
    assert.equal(await ask(c, 'set a 0 0 4294967295\r\n'), 'CLIENT_ERROR bad command line format\r\n');
    assert.equal(await ask(c, 'verbosity invalid\r\n'), 'CLIENT_ERROR bad command line format\r\n');
    assert.equal(await ask(c, 'slabs automove invalid\r\n'), 'CLIENT_ERROR bad command line format\r\n');
    assert.equal(await ask(c, 'flush_all abc\r\n'), 'CLIENT_ERROR invalid exptime argument\r\n');
    assert.equal(await ask(c, 'gat abc foo\r\n'), 'CLIENT_ERROR invalid exptime argument\r\n');
  });

  test('a 251-byte key is refused and its data line is then read as a command', async () => {
    const long = 'a'.repeat(251);
    assert.equal(await ask(c, `set ${long} 0 0 1\r\nx\r\n`, 'ERROR\r\n'), 'CLIENT_ERROR bad command line format\r\nERROR\r\n');
    const ok = 'b'.repeat(250);
    assert.equal(await ask(c, `set ${ok} 0 0 1\r\nx\r\n`), 'STORED\r\n');
    // In a get, a long key drops the replies not yet sent and answers an error.
    assert.equal(await ask(c, `get ${ok} ${long}\r\n`), 'CLIENT_ERROR bad command line format\r\n');
  });

  test('a data block without its CRLF is a bad data chunk', async () => {
    assert.equal(await ask(c, 'set a 0 0 1\r\nxyz\r\n', 'ERROR\r\n'), 'CLIENT_ERROR bad data chunk\r\nERROR\r\n');
    assert.equal(await ask(c, 'get a\r\n', 'END\r\n'), 'END\r\n');
  });

  test('an item over the size limit is refused, its data swallowed, the connection kept', async () => {
    await ask(c, 'set big 0 0 3\r\nold\r\n');
    const data = 'x'.repeat(2 * 1024 * 1024);
    assert.equal(await ask(c, `set big 0 0 ${data.length}\r\n${data}\r\n`), 'SERVER_ERROR object too large for cache\r\n');
    // The failed set also removed the old value.
    assert.equal(await ask(c, 'get big\r\n', 'END\r\n'), 'END\r\n');
    assert.equal(await ask(c, 'version\r\n'), 'VERSION 1.6.18\r\n');
  });

  test('lines and data blocks split across TCP chunks are reassembled', async () => {
    for (const piece of ['se', 't sp 3 0 1', '0\r', '\n0123', '456789', '\r', '\n']) {
      c.write(piece);
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(await c.readUntil((s) => s.endsWith('\r\n')), 'STORED\r\n');
    for (const piece of ['g', 'et s', 'p\r', '\n']) {
      c.write(piece);
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(await c.readUntil((s) => s.endsWith('END\r\n')), 'VALUE sp 3 10\r\n0123456789\r\nEND\r\n');
  });

  test('a bare LF ends a line, and pipelined commands are answered in order', async () => {
    assert.equal(await ask(c, 'set lf 0 0 1\n1\r\nget lf\nversion\n', 'VERSION 1.6.18\r\n'), 'STORED\r\nVALUE lf 0 1\r\n1\r\nEND\r\nVERSION 1.6.18\r\n');
  });

  test('a multi-get longer than 2 KB without a newline yet keeps waiting', async () => {
    await ask(c, 'set mg 0 0 1\r\nz\r\n');
    const keys = Array.from({ length: 600 }, () => 'mg').join(' ');
    c.write('get ' + keys.slice(0, 2500));
    await new Promise((r) => setTimeout(r, 20));
    const reply = await ask(c, keys.slice(2500) + '\r\n', 'END\r\n');
    assert.equal(reply.split('VALUE mg 0 1\r\nz\r\n').length - 1, 600);
  });

  test('stats reports memcached\'s fields and counts gets, hits and misses', async () => {
    await ask(c, 'stats reset\r\n');
    await ask(c, 'set s1 0 0 1\r\n1\r\n');
    await ask(c, 'get s1\r\n', 'END\r\n');
    await ask(c, 'get s2\r\n', 'END\r\n');
    const stats = parseStats(await ask(c, 'stats\r\n', 'END\r\n'));
    for (const f of ['pid', 'uptime', 'time', 'version', 'curr_items', 'total_items', 'bytes', 'curr_connections', 'total_connections', 'cmd_get', 'cmd_set', 'get_hits', 'get_misses', 'get_expired', 'delete_hits', 'delete_misses', 'incr_hits', 'incr_misses', 'cas_hits', 'cas_misses', 'cas_badval', 'touch_hits', 'evictions', 'limit_maxbytes', 'threads']) {
      assert.ok(f in stats, `missing ${f}`);
    }
    assert.equal(stats.cmd_get, '2');
    assert.equal(stats.get_hits, '1');
    assert.equal(stats.get_misses, '1');
    assert.equal(stats.cmd_set, '1');
    assert.equal(stats.version, '1.6.18');
    assert.equal(stats.limit_maxbytes, String(64 * 1024 * 1024));
    const settings = parseStats(await ask(c, 'stats settings\r\n', 'END\r\n'));
    assert.equal(settings.maxconns, '1024');
    assert.equal(settings.item_size_max, '1048576');
    assert.equal(settings.udpport, '0');
    assert.equal(settings.evictions, 'on');
    assert.equal(await ask(c, 'stats bogus\r\n'), 'ERROR\r\n');
    assert.equal(await ask(c, 'stats detail\r\n'), 'CLIENT_ERROR usage: stats detail on|off|dump\r\n');
  });

  test('stats items and slabs describe items per slab class', async () => {
    await ask(c, 'flush_all\r\n');
    await ask(c, 'set slabbed 0 0 3\r\nabc\r\n');
    const items = parseStats(await ask(c, 'stats items\r\n', 'END\r\n'));
    assert.equal(items['items:1:number'], '1');
    // header 48 + key 7 + NUL + value 3 + CRLF + CAS 8
    assert.equal(items['items:1:mem_requested'], String(48 + 7 + 1 + 3 + 2 + 8));
    const slabs = parseStats(await ask(c, 'stats slabs\r\n', 'END\r\n'));
    assert.equal(slabs['1:chunk_size'], '96');
    assert.equal(slabs['1:used_chunks'], '1');
    assert.ok(Number(slabs.total_malloced) >= 1024 * 1024);
  });

  test('stats detail counts operations per key prefix', async () => {
    assert.equal(await ask(c, 'stats detail on\r\n'), 'OK\r\n');
    await ask(c, 'set pfx:1 0 0 1\r\n1\r\n');
    await ask(c, 'get pfx:1 pfx:2\r\n', 'END\r\n');
    await ask(c, 'delete pfx:3\r\n');
    assert.equal(await ask(c, 'stats detail dump\r\n', 'END\r\n'), 'PREFIX pfx get 2 hit 1 set 1 del 1\r\nEND\r\n');
    assert.equal(await ask(c, 'stats detail off\r\n'), 'OK\r\n');
  });

  test('config get cluster answers ElastiCache auto discovery, standalone with itself', async () => {
    const own = `1\n127.0.0.1|127.0.0.1|${node.port}\n`;
    assert.equal(await ask(c, 'config get cluster\r\n', 'END\r\n'), `CONFIG cluster 0 ${own.length}\r\n${own}\r\nEND\r\n`);
    node.setClusterConfig(12, [
      { host: 'a.cache.local', ip: '10.0.1.230', port: 11211 },
      { host: 'b.cache.local', ip: '10.0.1.231', port: 11211 },
    ]);
    const body = '12\na.cache.local|10.0.1.230|11211 b.cache.local|10.0.1.231|11211\n';
    assert.equal(await ask(c, 'config get cluster\r\n', 'END\r\n'), `CONFIG cluster 0 ${body.length}\r\n${body}\r\nEND\r\n`);
  });

  test('version, verbosity and slabs automove answer as memcached', async () => {
    assert.equal(await ask(c, 'version\r\n'), 'VERSION 1.6.18\r\n');
    assert.equal(await ask(c, 'verbosity 1\r\n'), 'OK\r\n');
    assert.equal(await ask(c, 'slabs automove 1\r\n'), 'OK\r\n');
    assert.equal(await ask(c, 'slabs automove 3\r\n'), 'ERROR\r\n');
  });

  test('stats sizes_enable and sizes_disable answer one STAT line without END, as memcached does', async () => {
    // memcached's handlers for these two never append the terminator; a client sees
    // the STAT line and then the next command's reply.
    assert.equal(await ask(c, 'stats sizes_enable\r\nversion\r\n', 'VERSION 1.6.18\r\n'), 'STAT sizes_status enabled\r\nVERSION 1.6.18\r\n');
    assert.equal(await ask(c, 'stats sizes_disable\r\nversion\r\n', 'VERSION 1.6.18\r\n'), 'STAT sizes_status disabled\r\nVERSION 1.6.18\r\n');
  });

  test('lru mode flat|segmented is reflected in stats settings', async () => {
    assert.equal(await ask(c, 'lru mode flat\r\n'), 'OK\r\n');
    assert.equal(parseStats(await ask(c, 'stats settings\r\n', 'END\r\n')).lru_segmented, 'no');
    assert.equal(await ask(c, 'lru mode bogus\r\n'), 'ERROR\r\n');
    assert.equal(await ask(c, 'lru mode segmented\r\n'), 'OK\r\n');
    assert.equal(parseStats(await ask(c, 'stats settings\r\n', 'END\r\n')).lru_segmented, 'yes');
  });

  test('overwriting a key with values of other sizes and flags returns exactly the last set', async () => {
    // 28 bytes with flags and 32 bytes without cost memcached the same item size:
    // the in-place overwrite must still not write past the old value's room.
    const v28 = 'a'.repeat(28);
    const v32 = 'b'.repeat(32);
    const v200 = 'c'.repeat(200);
    await ask(c, `set ow 5 0 28\r\n${v28}\r\n`);
    await ask(c, 'set ow:next 0 0 1\r\nz\r\n');
    assert.equal(await ask(c, `set ow 0 0 32\r\n${v32}\r\n`), 'STORED\r\n');
    assert.equal(await ask(c, 'get ow ow:next\r\n', 'END\r\n'), `VALUE ow 0 32\r\n${v32}\r\nVALUE ow:next 0 1\r\nz\r\nEND\r\n`);
    const before = /VALUE ow 0 32 (\d+)/.exec(await ask(c, 'gets ow\r\n', 'END\r\n'))![1];
    assert.equal(await ask(c, `set ow 7 0 200\r\n${v200}\r\n`), 'STORED\r\n');
    assert.equal(await ask(c, `set ow 9 0 3\r\nxyz\r\n`), 'STORED\r\n');
    const after = /VALUE ow 9 3 (\d+)\r\nxyz\r\n/.exec(await ask(c, 'gets ow\r\n', 'END\r\n'));
    assert.ok(after && Number(after[1]) > Number(before), 'every set gives a new CAS');
    assert.equal(await ask(c, 'get ow:next\r\n', 'END\r\n'), 'VALUE ow:next 0 1\r\nz\r\nEND\r\n');
  });
});

describe('memcached connection handling', () => {
  let node: MemcachedNode;
  before(async () => {
    node = await startMemcached({ maxConns: 3 });
  });
  after(async () => {
    await node.close();
  });

  test('quit closes the connection after earlier replies, and later commands do not run', async () => {
    const c = await RawClient.connect(node.port);
    c.write('set q 0 0 1\r\n1\r\nquit\r\nset q 0 0 1\r\n2\r\n');
    assert.equal(await untilClosed(c), 'STORED\r\n');
    const d = await RawClient.connect(node.port);
    assert.equal(await ask(d, 'get q\r\n', 'END\r\n'), 'VALUE q 0 1\r\n1\r\nEND\r\n');
    d.close();
  });

  test('HTTP-looking request lines are dropped with no reply', async () => {
    for (const line of ['GET / HTTP/1.0', 'PUT /asdf/asd/fasdfasdf/sadf HTTP/1.1', 'DELETE HTTP/1.1']) {
      const c = await RawClient.connect(node.port);
      c.write(line + '\r\n');
      assert.equal(await untilClosed(c), '', line);
    }
  });

  test('more than 2 KB without a newline that is not a get closes the connection', async () => {
    const c = await RawClient.connect(node.port);
    c.write('x'.repeat(3000));
    assert.equal(await untilClosed(c), '');
  });

  test('connections over -c get "ERROR Too many open connections" and are closed', async () => {
    const held = [await RawClient.connect(node.port), await RawClient.connect(node.port), await RawClient.connect(node.port)];
    // The node has accepted all three once each answers.
    for (const h of held) assert.equal(await ask(h, 'version\r\n'), 'VERSION 1.6.18\r\n');
    const extra = await RawClient.connect(node.port);
    assert.equal(await untilClosed(extra), 'ERROR Too many open connections\r\n');
    for (const h of held) h.close();
  });
});

describe('memcached expiry and flush rules', () => {
  let node: MemcachedNode;
  let clock: ManualClock;
  let c: RawClient;
  before(async () => {
    clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
    node = await startMemcached({ clock });
    c = await RawClient.connect(node.port);
  });
  after(async () => {
    c.close();
    await node.close();
  });

  test('a relative exptime expires after that many seconds', async () => {
    await ask(c, 'set rel 0 10 1\r\nx\r\n');
    clock.advance(9000);
    assert.equal(await ask(c, 'get rel\r\n', 'END\r\n'), 'VALUE rel 0 1\r\nx\r\nEND\r\n');
    clock.advance(1000);
    assert.equal(await ask(c, 'get rel\r\n', 'END\r\n'), 'END\r\n');
  });

  test('an exptime over 30 days is an absolute Unix time', async () => {
    const now = Math.floor(clock.now() / 1000);
    await ask(c, `set abs 0 ${now + 100} 1\r\nx\r\n`);
    await ask(c, `set past 0 ${now - 100} 1\r\nx\r\n`);
    assert.equal(await ask(c, 'get abs past\r\n', 'END\r\n'), 'VALUE abs 0 1\r\nx\r\nEND\r\n');
    clock.advance(100000);
    assert.equal(await ask(c, 'get abs\r\n', 'END\r\n'), 'END\r\n');
  });

  test('a negative exptime expires the item at once', async () => {
    await ask(c, 'set neg 0 -1 1\r\nx\r\n');
    assert.equal(await ask(c, 'get neg\r\n', 'END\r\n'), 'END\r\n');
    const stats = parseStats(await ask(c, 'stats\r\n', 'END\r\n'));
    assert.ok(Number(stats.get_expired) >= 1);
  });

  test('touch and gat replace the expiry time', async () => {
    await ask(c, 'set tt 0 2 1\r\nx\r\n');
    assert.equal(await ask(c, 'touch tt 100\r\n'), 'TOUCHED\r\n');
    clock.advance(5000);
    assert.equal(await ask(c, 'gat 3 tt\r\n', 'END\r\n'), 'VALUE tt 0 1\r\nx\r\nEND\r\n');
    clock.advance(3000);
    assert.equal(await ask(c, 'get tt\r\n', 'END\r\n'), 'END\r\n');
  });

  test('flush_all with a delay hides items stored before the deadline', async () => {
    await ask(c, 'set f1 0 0 1\r\n1\r\n');
    assert.equal(await ask(c, 'flush_all 10\r\n'), 'OK\r\n');
    clock.advance(5000);
    assert.equal(await ask(c, 'get f1\r\n', 'END\r\n'), 'VALUE f1 0 1\r\n1\r\nEND\r\n');
    clock.advance(6000);
    await ask(c, 'set f2 0 0 1\r\n2\r\n');
    assert.equal(await ask(c, 'get f1 f2\r\n', 'END\r\n'), 'VALUE f2 0 1\r\n2\r\nEND\r\n');
    assert.equal(await ask(c, 'flush_all\r\n'), 'OK\r\n');
    assert.equal(await ask(c, 'get f2\r\n', 'END\r\n'), 'END\r\n');
  });
});
