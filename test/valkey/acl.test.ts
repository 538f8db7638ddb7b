// Authentication and ACLs against a running node: requirepass, AUTH and HELLO AUTH,
// NOAUTH/WRONGPASS/NOPERM word for word, every ACL subcommand, the rules of ACL
// SETUSER, permission checks on commands, keys (read/write) and channels, selectors,
// the ACL log, and AUTH user pass from ioredis and node-redis.

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startNode, RawClient, resp } from '../support/valkey.js';
import { cmd, bulks } from '../support/resp-wire.js';
import { sha256hex } from '../../src/server/acl.js';
import type { ValkeyNode } from '../../src/server/valkey-node.js';

let node: ValkeyNode;
let admin: RawClient;
const opened: RawClient[] = [];

before(async () => {
  node = await startNode();
  admin = await connect();
});
after(async () => {
  for (const c of opened) c.close();
  await node.close();
});

async function connect(): Promise<RawClient> {
  const c = await RawClient.connect(node.port);
  opened.push(c);
  return c;
}

const NOPERM_KEY = '-NOPERM this user has no permissions to access one of the keys used as arguments\r\n';
const NOPERM_CHANNEL = '-NOPERM this user has no permissions to access one of the channels used as arguments\r\n';
const noPerm = (c: string) => `-NOPERM this user has no permissions to run the '${c}' command\r\n`;
const WRONGPASS = '-WRONGPASS invalid username-password pair or user is disabled.\r\n';

/** A client logged in as `user` (password "pw"). */
async function loggedIn(user: string): Promise<RawClient> {
  const c = await connect();
  assert.equal(await cmd(c, 'AUTH', user, 'pw'), '+OK\r\n');
  return c;
}

describe('requirepass, AUTH and HELLO', () => {
  test('AUTH with no password configured says so', async () => {
    const c = await connect();
    assert.equal(
      await cmd(c, 'AUTH', 'x'),
      '-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n',
    );
    assert.equal(await cmd(c, 'AUTH', 'a', 'b', 'c'), '-ERR syntax error\r\n');
  });

  test('with requirepass: NOAUTH before AUTH, WRONGPASS for a bad password, then everything works', async () => {
    assert.equal(await cmd(admin, 'CONFIG', 'SET', 'requirepass', 's3cret'), '+OK\r\n');
    try {
      const c = await connect();
      assert.equal(await cmd(c, 'GET', 'x'), '-NOAUTH Authentication required.\r\n');
      assert.equal(await cmd(c, 'EXEC'), '-EXECABORT Transaction discarded because of: NOAUTH Authentication required.\r\n');
      assert.equal(await cmd(c, 'AUTH', 'wrong'), WRONGPASS);
      assert.equal(await cmd(c, 'AUTH', 'default', 'wrong'), WRONGPASS);
      assert.equal(await cmd(c, 'AUTH', 'nobody', 's3cret'), WRONGPASS);
      assert.equal(await cmd(c, 'AUTH', 's3cret'), '+OK\r\n');
      assert.equal(await cmd(c, 'ACL', 'WHOAMI'), '$7\r\ndefault\r\n');
      const d = await connect();
      assert.equal(await cmd(d, 'AUTH', 'default', 's3cret'), '+OK\r\n');
      assert.equal(await cmd(d, 'PING'), '+PONG\r\n');
    } finally {
      assert.equal(await cmd(admin, 'CONFIG', 'SET', 'requirepass', ''), '+OK\r\n');
    }
  });

  test('HELLO: NOAUTH without credentials, AUTH inside HELLO, WRONGPASS for bad ones', async () => {
    assert.equal(await cmd(admin, 'CONFIG', 'SET', 'requirepass', 'pw2'), '+OK\r\n');
    try {
      const c = await connect();
      assert.equal(
        await cmd(c, 'HELLO', '3'),
        '-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n',
      );
      assert.equal(await cmd(c, 'HELLO', '2', 'AUTH', 'default', 'nope'), WRONGPASS);
      assert.equal(await cmd(c, 'HELLO', '3', 'AUTH', 'default'), "-ERR Syntax error in HELLO option 'AUTH'\r\n");
      c.write(resp('HELLO', '3', 'AUTH', 'default', 'pw2', 'SETNAME', 'me'));
      const hello = await c.readUntil((t) => t.includes('modules'));
      assert.match(hello, /^%7\r\n\$6\r\nserver\r\n/);
      assert.equal(await cmd(c, 'CLIENT', 'GETNAME'), '$2\r\nme\r\n');
    } finally {
      assert.equal(await cmd(admin, 'CONFIG', 'SET', 'requirepass', ''), '+OK\r\n');
    }
  });

  test('AUTH user pass switches the connection to that user; a failed AUTH keeps the current one', async () => {
    assert.equal(await cmd(admin, 'ACL', 'SETUSER', 'switcher', 'on', '>pw', '+@all', '~*'), '+OK\r\n');
    const c = await loggedIn('switcher');
    assert.equal(await cmd(c, 'ACL', 'WHOAMI'), '$8\r\nswitcher\r\n');
    assert.equal(await cmd(c, 'AUTH', 'switcher', 'bad'), WRONGPASS);
    assert.equal(await cmd(c, 'ACL', 'WHOAMI'), '$8\r\nswitcher\r\n');
    assert.equal(await cmd(c, 'AUTH', 'default', 'anything'), '+OK\r\n', 'a nopass user takes any password');
    assert.equal(await cmd(c, 'ACL', 'WHOAMI'), '$7\r\ndefault\r\n');
  });

  test('requirepass only ever sets the default user password; another CONFIG SET does not undo ACL SETUSER default', async () => {
    assert.equal(await cmd(admin, 'ACL', 'SETUSER', 'default', '>viaacl'), '+OK\r\n');
    try {
      assert.equal(await cmd(admin, 'CONFIG', 'SET', 'maxmemory-samples', '5'), '+OK\r\n');
      assert.match(await cmd(admin, 'ACL', 'GETUSER', 'default'), new RegExp(sha256hex('viaacl')));
      const c = await connect();
      assert.equal(await cmd(c, 'PING'), '-NOAUTH Authentication required.\r\n');
    } finally {
      assert.equal(await cmd(admin, 'ACL', 'SETUSER', 'default', 'nopass'), '+OK\r\n');
    }
  });
});

describe('ACL SETUSER rules and ACL LIST/GETUSER', () => {
  test('a new user is off with no permissions; rules are listed in order', async () => {
    assert.equal(await cmd(admin, 'ACL', 'SETUSER', 'fresh'), '+OK\r\n');
    assert.equal(await cmd(admin, 'ACL', 'GETUSER', 'fresh'), '*12\r\n$5\r\nflags\r\n' + bulks('off') + '$9\r\npasswords\r\n*0\r\n$8\r\ncommands\r\n$5\r\n-@all\r\n$4\r\nkeys\r\n$0\r\n\r\n$8\r\nchannels\r\n$0\r\n\r\n$9\r\nselectors\r\n*0\r\n');
    assert.equal(
      await cmd(admin, 'ACL', 'SETUSER', 'alice', 'on', '>p1', '~k*', '+get', '+@hash', '-hdel', '&ch*'),
      '+OK\r\n',
    );
    const list = await cmd(admin, 'ACL', 'LIST');
    assert.ok(list.includes(`user alice on #${sha256hex('p1')} ~k* resetchannels &ch* -@all +get +@hash -hdel\r\n`), list);
    assert.ok(list.includes('user default on nopass ~* &* +@all\r\n'));
    assert.ok(list.includes('user fresh off resetchannels -@all\r\n'));
  });

  test('passwords: >, <, #, !, nopass and resetpass', async () => {
    const h = sha256hex('second');
    assert.equal(await cmd(admin, 'ACL', 'SETUSER', 'pwuser', 'on', '>first', `#${h}`, '+@all', '~*'), '+OK\r\n');
    const c = await connect();
    assert.equal(await cmd(c, 'AUTH', 'pwuser', 'first'), '+OK\r\n');
    assert.equal(await cmd(c, 'AUTH', 'pwuser', 'second'), '+OK\r\n');
    assert.equal(await cmd(admin, 'ACL', 'SETUSER', 'pwuser', '<first', `!${h}`, '>third'), '+OK\r\n');
    assert.equal(await cmd(c, 'AUTH', 'pwuser', 'first'), WRONGPASS);
    assert.equal(await cmd(c, 'AUTH', 'pwuser', 'third'), '+OK\r\n');
    assert.equal(await cmd(admin, 'ACL', 'SETUSER', 'pwuser', 'nopass'), '+OK\r\n');
    assert.equal(await cmd(c, 'AUTH', 'pwuser', 'whatever'), '+OK\r\n');
    assert.equal(await cmd(admin, 'ACL', 'SETUSER', 'pwuser', 'resetpass'), '+OK\r\n');
    assert.equal(await cmd(c, 'AUTH', 'pwuser', 'whatever'), WRONGPASS, 'no password and not nopass: nobody gets in');
    assert.equal(
      await cmd(admin, 'ACL', 'SETUSER', 'pwuser', '<nope'),
      "-ERR Error in ACL SETUSER modifier '<nope': The password you are trying to remove from the user does not exist\r\n",
    );
    assert.equal(
      await cmd(admin, 'ACL', 'SETUSER', 'pwuser', '#abc'),
      "-ERR Error in ACL SETUSER modifier '#abc': The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters\r\n",
    );
  });

  test('on/off: a user switched off cannot log in', async () => {
    assert.equal(await cmd(admin, 'ACL', 'SETUSER', 'sleepy', 'on', '>pw', '+@all', '~*'), '+OK\r\n');
    const c = await loggedIn('sleepy');
    assert.equal(await cmd(admin, 'ACL', 'SETUSER', 'sleepy', 'off'), '+OK\r\n');
    assert.equal(await cmd(c, 'AUTH', 'sleepy', 'pw'), WRONGPASS);
  });

  test('bad rules are refused with the modifier named, and nothing of the call is applied', async () => {
    const cases: [string[], string][] = [
      [['foo'], "-ERR Error in ACL SETUSER modifier 'foo': Syntax error\r\n"],
      [['+nosuch'], "-ERR Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL\r\n"],
      [['+@nosuch'], "-ERR Error in ACL SETUSER modifier '+@nosuch': Unknown command or category name in ACL\r\n"],
      [['+config|nosuch'], "-ERR Error in ACL SETUSER modifier '+config|nosuch': Unknown command or category name in ACL\r\n"],
      [['+acl|whoami|x'], "-ERR Error in ACL SETUSER modifier '+acl|whoami|x': Allowing first-arg of a subcommand is not supported\r\n"],
      [['%X~a'], "-ERR Error in ACL SETUSER modifier '%X~a': Syntax error\r\n"],
      [
        ['allkeys', '~x'],
        "-ERR Error in ACL SETUSER modifier '~x': Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns\r\n",
      ],
      [
        ['allchannels', '&b'],
        "-ERR Error in ACL SETUSER modifier '&b': Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels\r\n",
      ],
      [['(+get', '~x'], "-ERR Unmatched parenthesis in acl selector starting at '(+get'.\r\n"],
    ];
    for (const [rules, error] of cases) {
      assert.equal(await cmd(admin, 'ACL', 'SETUSER', 'badrules', 'on', ...rules), error, rules.join(' '));
    }
    assert.equal(await cmd(admin, 'ACL', 'GETUSER', 'badrules'), '$-1\r\n', 'the user was never created');
    assert.equal(await cmd(admin, 'ACL', 'SETUSER', 'a b'), "-ERR Usernames can't contain spaces or null characters\r\n");
  });

  test('keys: ~, %R~, %W~, allkeys and resetkeys are described as Redis describes them', async () => {
    assert.equal(await cmd(admin, 'ACL', 'SETUSER', 'keyer', '~a', '~b', '%R~a', '%R~r*', '%W~w*', '%RW~both'), '+OK\r\n');
    assert.match(await cmd(admin, 'ACL', 'GETUSER', 'keyer'), /\$4\r\nkeys\r\n\$23\r\n~a ~b %R~r\* %W~w\* ~both\r\n/);
    assert.equal(await cmd(admin, 'ACL', 'SETUSER', 'keyer', 'resetkeys', '~c', '%RW~*'), '+OK\r\n');
    assert.match(await cmd(admin, 'ACL', 'GETUSER', 'keyer'), /\$4\r\nkeys\r\n\$2\r\n~\*\r\n/);
    assert.equal(await cmd(admin, 'ACL', 'SETUSER', 'keyer', 'resetkeys', '%R~*'), '+OK\r\n');
    assert.match(await cmd(admin, 'ACL', 'GETUSER', 'keyer'), /\$4\r\nkeys\r\n\$4\r\n%R~\*\r\n/);
  });

  test('commands: allcommands, nocommands, +/- commands, subcommands, categories and first arguments', async () => {
    const rules = async (...r: string[]) => {
      assert.equal(await cmd(admin, 'ACL', 'SETUSER', 'cmder', 'reset', ...r), '+OK\r\n');
      const list = await cmd(admin, 'ACL', 'LIST');
      return /user cmder [^\r]*/.exec(list)![0];
    };
    assert.equal(await rules('allcommands'), 'user cmder off sanitize-payload resetchannels +@all');
    assert.equal(await rules('allcommands', 'nocommands'), 'user cmder off sanitize-payload resetchannels -@all');
    assert.equal(await rules('+@all', '-@dangerous', '+info'), 'user cmder off sanitize-payload resetchannels +@all -@dangerous +info');
    assert.equal(await rules('+config|get', '+client'), 'user cmder off sanitize-payload resetchannels -@all +config|get +client');
    assert.equal(await rules('+select|0', '+select|1'), 'user cmder off sanitize-payload resetchannels -@all +select|0 +select|1');
    assert.equal(await rules('+GET', '+@READ'), 'user cmder off sanitize-payload resetchannels -@all +get +@read');
    assert.equal(await rules('on', 'nopass', 'allkeys', 'allchannels', '+@all'), 'user cmder on nopass sanitize-payload ~* &* +@all');
    assert.equal(await rules('&a', '&a', '&b', 'resetchannels', '&c'), 'user cmder off sanitize-payload resetchannels &c -@all');
  });

  test('reset puts a user back to off, no passwords, no keys, no channels, no commands', async () => {
    assert.equal(await cmd(admin, 'ACL', 'SETUSER', 'resetme', 'on', '>pw', '~*', '&*', '+@all', '(+get ~x)'), '+OK\r\n');
    assert.equal(await cmd(admin, 'ACL', 'SETUSER', 'resetme', 'reset'), '+OK\r\n');
    assert.match(await cmd(admin, 'ACL', 'LIST'), /user resetme off sanitize-payload resetchannels -@all\r\n/);
  });

  test('selectors: each one is listed in parentheses and GETUSER reports them; clearselectors drops them', async () => {
    assert.equal(await cmd(admin, 'ACL', 'SETUSER', 'sel', 'on', 'nopass', '~k*', '+get', '(+set ~w*)', '(', '+del', ')'), '+OK\r\n');
    assert.match(await cmd(admin, 'ACL', 'LIST'), /user sel on nopass ~k\* resetchannels -@all \+get \(~w\* resetchannels -@all \+set\) \(resetchannels -@all \+del\)\r\n/);
    const user = await cmd(admin, 'ACL', 'GETUSER', 'sel');
    assert.ok(user.endsWith('$9\r\nselectors\r\n*2\r\n*6\r\n$8\r\ncommands\r\n$10\r\n-@all +set\r\n$4\r\nkeys\r\n$3\r\n~w*\r\n$8\r\nchannels\r\n$0\r\n\r\n*6\r\n$8\r\ncommands\r\n$10\r\n-@all +del\r\n$4\r\nkeys\r\n$0\r\n\r\n$8\r\nchannels\r\n$0\r\n\r\n'), user);
    assert.equal(await cmd(admin, 'ACL', 'SETUSER', 'sel', 'clearselectors'), '+OK\r\n');
    assert.match(await cmd(admin, 'ACL', 'LIST'), /user sel on nopass ~k\* resetchannels -@all \+get\r\n/);
  });
});

describe('permission checks', () => {
  before(async () => {
    assert.equal(
      await cmd(admin, 'ACL', 'SETUSER', 'carl', 'reset', 'on', '>pw', '+get', '+set', '+multi', '+exec', '+publish', '+subscribe', '+psubscribe', '+config|get', '~k*', '&ch', '&news.*'),
      '+OK\r\n',
    );
  });

  test('a command the user lacks: NOPERM naming it, also for a subcommand', async () => {
    const c = await loggedIn('carl');
    assert.equal(await cmd(c, 'DEL', 'k1'), noPerm('del'));
    assert.equal(await cmd(c, 'CONFIG', 'SET', 'maxmemory', '0'), noPerm('config|set'));
    assert.match(await cmd(c, 'CONFIG', 'GET', 'maxmemory'), /maxmemory/);
    assert.equal(await cmd(c, 'PING'), noPerm('ping'));
    assert.equal(await cmd(c, 'AUTH', 'carl', 'pw'), '+OK\r\n', 'AUTH is always allowed');
  });

  test('a key outside the patterns: NOPERM for keys; inside: the command runs', async () => {
    const c = await loggedIn('carl');
    assert.equal(await cmd(c, 'SET', 'k1', 'v'), '+OK\r\n');
    assert.equal(await cmd(c, 'GET', 'k1'), '$1\r\nv\r\n');
    assert.equal(await cmd(c, 'GET', 'x1'), NOPERM_KEY);
    assert.equal(await cmd(c, 'SET', 'x1', 'v'), NOPERM_KEY);
  });

  test('channels: PUBLISH and SUBSCRIBE are checked against &patterns; PSUBSCRIBE needs the very pattern', async () => {
    const c = await loggedIn('carl');
    assert.equal(await cmd(c, 'PUBLISH', 'ch', 'm'), ':0\r\n');
    assert.equal(await cmd(c, 'PUBLISH', 'news.today', 'm'), ':0\r\n');
    assert.equal(await cmd(c, 'PUBLISH', 'other', 'm'), NOPERM_CHANNEL);
    assert.equal(await cmd(c, 'SUBSCRIBE', 'ch', 'other'), NOPERM_CHANNEL);
    assert.equal(await cmd(c, 'PSUBSCRIBE', 'news.t*'), NOPERM_CHANNEL);
    assert.equal(await cmd(c, 'PSUBSCRIBE', 'news.*'), bulks('psubscribe', 'news.*').replace('*2', '*3') + ':1\r\n');
  });

  test('a denied command inside MULTI dooms the transaction; a denied EXEC says why it was discarded', async () => {
    const c = await loggedIn('carl');
    assert.equal(await cmd(c, 'MULTI'), '+OK\r\n');
    assert.equal(await cmd(c, 'GET', 'x1'), NOPERM_KEY);
    assert.equal(await cmd(c, 'EXEC'), '-EXECABORT Transaction discarded because of previous errors.\r\n');
    assert.equal(await cmd(admin, 'ACL', 'SETUSER', 'carl', '-exec'), '+OK\r\n');
    try {
      assert.equal(await cmd(c, 'MULTI'), '+OK\r\n');
      assert.equal(await cmd(c, 'GET', 'k1'), '+QUEUED\r\n');
      assert.equal(await cmd(c, 'EXEC'), "-EXECABORT Transaction discarded because of: NOPERM this user has no permissions to run the 'exec' command\r\n");
      assert.equal(await cmd(c, 'GET', 'k1'), '$1\r\nv\r\n', 'the transaction is gone');
    } finally {
      assert.equal(await cmd(admin, 'ACL', 'SETUSER', 'carl', '+exec'), '+OK\r\n');
    }
  });

  test('read and write key permissions: %R~ allows reads only, %W~ writes only, by how each command uses its keys', async () => {
    assert.equal(await cmd(admin, 'ACL', 'SETUSER', 'rw', 'reset', 'on', '>pw', '+@all', '%R~r*', '%W~w*', '~both*'), '+OK\r\n');
    const c = await loggedIn('rw');
    assert.equal(await cmd(c, 'SET', 'w1', '5'), '+OK\r\n', 'SET only writes');
    assert.equal(await cmd(c, 'GET', 'w1'), NOPERM_KEY);
    assert.equal(await cmd(c, 'INCR', 'w1'), NOPERM_KEY, 'INCR reads too');
    assert.equal(await cmd(c, 'SET', 'w1', 'x', 'GET'), NOPERM_KEY, 'SET ... GET reads too');
    assert.equal(await cmd(c, 'EXISTS', 'w1'), ':1\r\n', 'EXISTS touches no data');
    assert.equal(await cmd(c, 'GET', 'r1'), '$-1\r\n');
    assert.equal(await cmd(c, 'SET', 'r1', 'x'), NOPERM_KEY);
    assert.equal(await cmd(c, 'INCR', 'both1'), ':1\r\n');
    assert.equal(await cmd(c, 'COPY', 'both1', 'w2'), ':1\r\n', 'COPY reads its source and writes its destination');
    assert.equal(await cmd(c, 'COPY', 'w1', 'both2'), NOPERM_KEY);
    assert.equal(await cmd(c, 'DEL', 'w2'), ':1\r\n');
  });

  test('selectors: the call is allowed when one selector allows all of it', async () => {
    assert.equal(await cmd(admin, 'ACL', 'SETUSER', 'sels', 'reset', 'on', '>pw', '~k*', '+get', '(+set ~w*)'), '+OK\r\n');
    const c = await loggedIn('sels');
    assert.equal(await cmd(c, 'GET', 'k1'), '$1\r\nv\r\n');
    assert.equal(await cmd(c, 'SET', 'w9', 'v'), '+OK\r\n');
    assert.equal(await cmd(c, 'SET', 'k9', 'v'), NOPERM_KEY, 'the set selector refuses the key, which beats the root refusing the command');
    assert.equal(await cmd(c, 'GET', 'w9'), NOPERM_KEY);
    assert.equal(await cmd(c, 'DEL', 'k1'), noPerm('del'));
  });

  test('ACL DRYRUN says what would happen without running anything', async () => {
    assert.equal(await cmd(admin, 'ACL', 'DRYRUN', 'carl', 'GET', 'k1'), '+OK\r\n');
    const bulk = (s: string) => `$${s.length}\r\n${s}\r\n`;
    assert.equal(await cmd(admin, 'ACL', 'DRYRUN', 'carl', 'GET', 'x1'), bulk("This user has no permissions to access the 'x1' key"));
    assert.equal(await cmd(admin, 'ACL', 'DRYRUN', 'carl', 'DEL', 'k1'), bulk("This user has no permissions to run the 'del' command"));
    assert.equal(await cmd(admin, 'ACL', 'DRYRUN', 'carl', 'PUBLISH', 'nope', 'm'), bulk("This user has no permissions to access the 'nope' channel"));
    assert.equal(await cmd(admin, 'ACL', 'DRYRUN', 'carl', 'CONFIG', 'SET', 'a', 'b'), bulk("This user has no permissions to run the 'config|set' command"));
    assert.equal(await cmd(admin, 'ACL', 'DRYRUN', 'nouser', 'GET', 'x'), "-ERR User 'nouser' not found\r\n");
    assert.equal(await cmd(admin, 'ACL', 'DRYRUN', 'carl', 'NOCMD', 'x'), "-ERR Command 'NOCMD' not found\r\n");
    assert.equal(await cmd(admin, 'ACL', 'DRYRUN', 'carl', 'GET'), "-ERR wrong number of arguments for 'get' command\r\n");
    assert.equal(await cmd(admin, 'GET', 'k1'), '$1\r\nv\r\n', 'nothing ran');
  });
});

describe('ACL WHOAMI USERS CAT DELUSER GENPASS LOG HELP', () => {
  test('WHOAMI and USERS (sorted)', async () => {
    const c = await connect();
    assert.equal(await cmd(c, 'ACL', 'WHOAMI'), '$7\r\ndefault\r\n');
    const users = await cmd(c, 'ACL', 'USERS');
    const names = users.split('\r\n').filter((l, i) => i > 0 && !l.startsWith('$') && l !== '');
    assert.deepEqual(names, [...names].sort());
    assert.ok(names.includes('default'));
  });

  test('CAT lists the 21 categories, the commands in one, and rejects unknown ones', async () => {
    assert.equal(
      await cmd(admin, 'ACL', 'CAT'),
      bulks('keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo', 'stream', 'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting'),
    );
    const admins = await cmd(admin, 'ACL', 'CAT', 'admin');
    for (const name of ['acl|setuser', 'config|set', 'client|kill', 'debug', 'monitor']) assert.ok(admins.includes(`\r\n${name}\r\n`), name);
    assert.ok(!admins.includes('\r\nget\r\n'));
    assert.equal(await cmd(admin, 'ACL', 'CAT', 'nope'), "-ERR Unknown category 'nope'\r\n");
    assert.equal(await cmd(admin, 'ACL', 'CAT', 'a', 'b'), "-ERR unknown subcommand or wrong number of arguments for 'CAT'. Try ACL HELP.\r\n");
  });

  test('DELUSER removes users and disconnects their sessions; default cannot go', async () => {
    assert.equal(await cmd(admin, 'ACL', 'SETUSER', 'doomed', 'on', '>pw', '+@all', '~*'), '+OK\r\n');
    const c = await loggedIn('doomed');
    assert.equal(await cmd(admin, 'ACL', 'DELUSER', 'doomed', 'nosuchuser'), ':1\r\n');
    assert.ok(await c.waitClosed(2000), "the deleted user's connection was closed");
    assert.equal(await cmd(admin, 'ACL', 'GETUSER', 'doomed'), '$-1\r\n');
    assert.equal(await cmd(admin, 'ACL', 'DELUSER', 'default'), "-ERR The 'default' user cannot be removed\r\n");
  });

  test('a user deleting itself gets the reply, then the connection closes', async () => {
    assert.equal(await cmd(admin, 'ACL', 'SETUSER', 'selfdel', 'on', '>pw', '+@all', '~*'), '+OK\r\n');
    const c = await loggedIn('selfdel');
    assert.equal(await cmd(c, 'ACL', 'DELUSER', 'selfdel'), ':1\r\n');
    assert.ok(await c.waitClosed(2000));
  });

  test('SETUSER disconnects subscribers whose channels are no longer allowed', async () => {
    assert.equal(await cmd(admin, 'ACL', 'SETUSER', 'listener', 'reset', 'on', '>pw', '+@all', '&news'), '+OK\r\n');
    const c = await loggedIn('listener');
    c.write(resp('SUBSCRIBE', 'news'));
    await c.readUntil((t) => t.includes(':1\r\n'));
    assert.equal(await cmd(admin, 'ACL', 'SETUSER', 'listener', '&other'), '+OK\r\n');
    assert.equal(c.closed, false, 'news is still allowed');
    assert.equal(await cmd(admin, 'ACL', 'SETUSER', 'listener', 'resetchannels', '&other'), '+OK\r\n');
    assert.ok(await c.waitClosed(2000));
  });

  test('GENPASS: 256 bits of hex by default, or the bits asked for', async () => {
    assert.match(await cmd(admin, 'ACL', 'GENPASS'), /^\$64\r\n[0-9a-f]{64}\r\n$/);
    assert.match(await cmd(admin, 'ACL', 'GENPASS', '5'), /^\$2\r\n[0-9a-f]{2}\r\n$/);
    assert.equal(
      await cmd(admin, 'ACL', 'GENPASS', '0'),
      '-ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096\r\n',
    );
  });

  test('LOAD and SAVE say there is no ACL file; HELP lists the subcommands', async () => {
    const noFile =
      '-ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.\r\n';
    assert.equal(await cmd(admin, 'ACL', 'LOAD'), noFile);
    assert.equal(await cmd(admin, 'ACL', 'SAVE'), noFile);
    const help = await cmd(admin, 'ACL', 'HELP');
    assert.match(help, /^\*29\r\n\+ACL <subcommand> \[<arg> \[value\] \[opt\] \.\.\.\]\. Subcommands are:\r\n/);
    assert.equal(await cmd(admin, 'ACL', 'FOO'), "-ERR unknown subcommand 'FOO'. Try ACL HELP.\r\n");
  });

  test("LOG records denied commands, keys, channels and failed logins with Redis 7.0's fields", async () => {
    assert.equal(await cmd(admin, 'ACL', 'LOG', 'RESET'), '+OK\r\n');
    const c = await loggedIn('carl');
    assert.equal(await cmd(c, 'DEL', 'k1'), noPerm('del'));
    assert.equal(await cmd(c, 'GET', 'x9'), NOPERM_KEY);
    assert.equal(await cmd(c, 'PUBLISH', 'zz', 'm'), NOPERM_CHANNEL);
    assert.equal(await cmd(c, 'AUTH', 'carl', 'bad'), WRONGPASS);
    assert.equal(await cmd(c, 'AUTH', 'carl', 'bad'), WRONGPASS);
    const log = await cmd(admin, 'ACL', 'LOG');
    const entries = parseLog(log);
    assert.deepEqual(
      entries.map((e) => [e.count, e.reason, e.context, e.object, e.username]),
      [
        ['2', 'auth', 'toplevel', 'AUTH', 'carl'],
        ['1', 'channel', 'toplevel', 'zz', 'carl'],
        ['1', 'key', 'toplevel', 'x9', 'carl'],
        ['1', 'command', 'toplevel', 'del', 'carl'],
      ],
    );
    for (const e of entries) {
      assert.deepEqual(Object.keys(e), ['count', 'reason', 'context', 'object', 'username', 'age-seconds', 'client-info']);
      assert.ok(Number(e['age-seconds']) >= 0 && Number(e['age-seconds']) < 60);
      assert.match(e['client-info'], /^id=\d+ addr=127\.0\.0\.1:\d+ .* user=carl /);
    }
    assert.match(entries[3]['client-info'], / cmd=del /);
    assert.equal(parseLog(await cmd(admin, 'ACL', 'LOG', '1')).length, 1);
    assert.equal(await cmd(admin, 'ACL', 'LOG', 'x'), '-ERR value is not an integer or out of range\r\n');
    assert.equal(await cmd(admin, 'ACL', 'LOG', 'RESET'), '+OK\r\n');
    assert.equal(await cmd(admin, 'ACL', 'LOG'), '*0\r\n');
  });

  test('a denial queued inside MULTI is logged with the multi context', async () => {
    assert.equal(await cmd(admin, 'ACL', 'LOG', 'RESET'), '+OK\r\n');
    const c = await loggedIn('carl');
    assert.equal(await cmd(c, 'MULTI'), '+OK\r\n');
    assert.equal(await cmd(c, 'DEL', 'k1'), noPerm('del'));
    assert.equal(await cmd(c, 'EXEC'), '-EXECABORT Transaction discarded because of previous errors.\r\n');
    const [entry] = parseLog(await cmd(admin, 'ACL', 'LOG'));
    assert.equal(entry.context, 'multi');
  });

  test('acllog-max-len bounds the log', async () => {
    assert.equal(await cmd(admin, 'CONFIG', 'SET', 'acllog-max-len', '2'), '+OK\r\n');
    try {
      const c = await loggedIn('carl');
      for (const key of ['xa', 'xb', 'xc']) assert.equal(await cmd(c, 'GET', key), NOPERM_KEY);
      assert.equal(parseLog(await cmd(admin, 'ACL', 'LOG')).length, 2);
    } finally {
      assert.equal(await cmd(admin, 'CONFIG', 'SET', 'acllog-max-len', '128'), '+OK\r\n');
    }
  });
});

/** ACL LOG's RESP2 reply as objects (field order kept). */
function parseLog(reply: string): Record<string, string>[] {
  const lines = reply.split('\r\n');
  const out: Record<string, string>[] = [];
  let i = 1;
  const n = Number(lines[0].slice(1));
  for (let e = 0; e < n; e++) {
    const fields = Number(lines[i].slice(1)) / 2;
    i++;
    const entry: Record<string, string> = {};
    for (let f = 0; f < fields; f++) {
      const key = lines[i + 1];
      i += 2;
      let value: string;
      if (lines[i].startsWith(':')) {
        value = lines[i].slice(1);
        i += 1;
      } else {
        value = lines[i + 1];
        i += 2;
      }
      entry[key] = value;
    }
    out.push(entry);
  }
  return out;
}

describe('client libraries', () => {
  before(async () => {
    assert.equal(await cmd(admin, 'ACL', 'SETUSER', 'app', 'reset', 'on', '>apppw', '~app:*', '+@all', '-@dangerous'), '+OK\r\n');
  });

  test('ioredis logs in with username and password and gets NOPERM as an error', async () => {
    const r = new Redis({ port: node.port, host: '127.0.0.1', username: 'app', password: 'apppw', lazyConnect: true });
    await r.connect();
    try {
      assert.equal(await r.call('ACL', 'WHOAMI'), 'app');
      assert.equal(await r.set('app:1', 'v'), 'OK');
      assert.equal(await r.get('app:1'), 'v');
      await assert.rejects(r.get('other'), /NOPERM this user has no permissions to access one of the keys used as arguments/);
      await assert.rejects(r.flushall(), /NOPERM this user has no permissions to run the 'flushall' command/);
    } finally {
      r.disconnect();
    }
    const bad = new Redis({ port: node.port, host: '127.0.0.1', username: 'app', password: 'wrong', lazyConnect: true, retryStrategy: () => null });
    const errors: string[] = [];
    bad.on('error', (e: Error) => errors.push(e.message));
    await assert.rejects(bad.connect());
    bad.disconnect();
    assert.ok(errors.some((m) => m.includes('WRONGPASS invalid username-password pair or user is disabled.')), errors.join('; '));
  });

  test('node-redis logs in with username and password (HELLO/AUTH) and works within its permissions', async () => {
    const client = createClient({ socket: { port: node.port, host: '127.0.0.1' }, username: 'app', password: 'apppw' });
    client.on('error', () => {});
    await client.connect();
    try {
      assert.equal(await client.sendCommand(['ACL', 'WHOAMI']), 'app');
      await client.set('app:2', 'w');
      assert.equal(await client.get('app:2'), 'w');
      await assert.rejects(client.get('elsewhere'), /NOPERM/);
    } finally {
      await client.quit();
    }
  });
});
