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
  .addHelpText('after', '\nExamples:\n  cove server --engine valkey --port 6379\n  cove server --engine redis --requirepass s3cret --maxmemory 100mb --maxmemory-policy allkeys-lru\n')
  .action(async (opts) => {
    if (opts.engine === 'memcached') {
      process.stderr.write('cove: the memcached engine is not built yet\n');
      process.exit(2);
    }
    await runValkeyServer(opts);
  });

program.parseAsync(process.argv).catch((e: Error) => {
  process.stderr.write(`cove: ${e.message}\n`);
  process.exit(1);
});
