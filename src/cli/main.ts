#!/usr/bin/env node
// The `cove` command line. Thin: each subcommand parses flags and calls into the
// module that does the work.

import { Command, Option } from 'commander';
import { runValkeyServer } from '../server/run-server.js';

const program = new Command();
program.name('cove').description('A self-hosted ElastiCache: Valkey/Redis and Memcached nodes in a virtual private network.');

program
  .command('server')
  .description('Run one standalone cache node in the foreground until SIGINT/SIGTERM.')
  .addOption(new Option('--engine <engine>', 'cache engine').choices(['valkey', 'redis', 'memcached']).default('valkey'))
  .option('--port <port>', 'TCP port (6379 for valkey/redis, 11211 for memcached)')
  .option('--bind <address>', 'address to listen on', '127.0.0.1')
  .option('--requirepass <password>', 'password of the default user (valkey/redis)')
  .option('--maxmemory <bytes>', 'memory limit, e.g. 100mb (valkey/redis)')
  .option('--maxmemory-policy <policy>', 'eviction policy (valkey/redis)')
  .option('--maxclients <n>', 'maximum connected clients')
  .option('--timeout <seconds>', 'close idle clients after this many seconds (0 = never)')
  .option('--databases <n>', 'number of databases')
  .option('--protected-mode <yes|no>', 'refuse non-loopback clients while no password is set')
  .option('--enable-debug-command', 'allow the DEBUG command')
  .option('--config <name=value...>', 'any other CONFIG parameter, as redis.conf names it')
  .option('--management-socket <path>', 'also listen on this unix socket: the control plane\'s channel, never subject to security groups')
  .option('--network-policy <file>', 'the control plane\'s network view: enforce security groups on every TCP connection (with --eni)')
  .option('--eni <id>', 'this node\'s network interface in the network view (with --network-policy)')
  .option('-m, --memory-limit <megabytes>', 'item memory in megabytes, default 64 (memcached)')
  .option('-I, --max-item-size <size>', 'largest item, e.g. 1m or 512k, default 1m (memcached)')
  .option('-c, --conn-limit <n>', 'maximum simultaneous connections, default 1024 (memcached)')
  .option('-M, --disable-evictions', 'return an error when memory is full instead of evicting (memcached)')
  .option('--sasl-pwdb <file>', 'require SASL PLAIN auth (binary protocol) against user:password lines (memcached)')
  .addHelpText('after', '\nExamples:\n  cove server --engine valkey --port 6379\n  cove server --engine redis --requirepass s3cret --maxmemory 100mb --maxmemory-policy allkeys-lru\n')
  .action(async (opts) => {
    if (opts.engine === 'memcached') {
      const { runMemcachedServer } = await import('../server/run-memcached.js');
      await runMemcachedServer(opts);
      return;
    }
    await runValkeyServer(opts);
  });

program
  .command('up')
  .description('Run the control plane in the foreground: the AWS API (EC2 + ElastiCache), the reconciler and the cache nodes.')
  .option('--data-dir <dir>', 'state, sockets and logs (default $COVE_HOME or ~/.cove)')
  .option('--api <host:port>', 'address of the AWS API endpoint', '127.0.0.1:4599')
  .addOption(new Option('--log-format <format>', 'log lines').choices(['text', 'json']).default('text'))
  .option('--credentials <file>', 'access keys (ACCESS_KEY SECRET ACCOUNT_ID per line): verify SigV4, one account per key')
  .option('--region <region>', 'the region the API reports', 'us-east-1')
  .action(async (opts) => {
    const { runUp } = await import('./up.js');
    await runUp(opts);
  });

program
  .command('status')
  .description('Show what the running control plane of a data dir runs.')
  .option('--data-dir <dir>', 'data dir of the control plane (default $COVE_HOME or ~/.cove)')
  .option('--json', 'print JSON')
  .action(async (opts) => {
    const { runStatus } = await import('./status.js');
    process.exitCode = await runStatus(opts);
  });

program
  .command('down')
  .description('Stop the running control plane of a data dir and its cache nodes (the next `cove up` brings them back).')
  .option('--data-dir <dir>', 'data dir of the control plane (default $COVE_HOME or ~/.cove)')
  .option('--timeout <seconds>', 'how long to wait for it to stop', '60')
  .action(async (opts) => {
    const { runDown } = await import('./down.js');
    process.exitCode = await runDown(opts);
  });

program.parseAsync(process.argv).catch((e: Error) => {
  process.stderr.write(`cove: ${e.message}\n`);
  process.exit(1);
});
