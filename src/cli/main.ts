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
  .option('--public-pool <cidr|interface>', 'where Elastic IPs come from (default the loopback block 127.200.0.0/16); a real interface exposes NAT gateways beyond this host')
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

program
  .command('why')
  .description('Is a flow allowed? Prints the security-group rule that allows it, or the missing piece (like VPC Reachability Analyzer).')
  .argument('<source>', 'host, an address (127.k.c.d stands for its interface), a private address, i-..., eni-...')
  .argument('<destination>', 'ADDRESS:PORT, ELASTIC_IP:PORT, i-...:PORT, eni-...:PORT or CLUSTER/NODE[:PORT]')
  .option('--data-dir <dir>', 'data dir of the control plane (default $COVE_HOME or ~/.cove)')
  .option('--json', 'print JSON')
  .addHelpText('after', '\nExamples:\n  cove why 127.55.0.1 127.200.0.1:11212\n  cove why i-0123456789abcdef0 mc/0002\n  cove why host 127.2.1.230:6379\n')
  .action(async (source: string, destination: string, opts) => {
    const { runWhy } = await import('./why.js');
    process.exitCode = await runWhy(source, destination, opts);
  });

program
  .command('flow-logs')
  .description('Print the VPC Flow Logs records (version 2 format) written for flow logs created with CreateFlowLogs.')
  .option('--data-dir <dir>', 'data dir of the control plane (default $COVE_HOME or ~/.cove)')
  .option('-f, --follow', 'keep printing records as they are written')
  .option('--flow-log-id <id...>', 'only these flow logs')
  .option('--no-header', 'do not print the field names first')
  .action(async (opts) => {
    const { runFlowLogs } = await import('./flow-logs.js');
    process.exitCode = await runFlowLogs(opts);
  });

const nat = program.command('nat').description("A NAT instance's forwarding, the iptables way.");
nat
  .command('iptables')
  .description('Apply or list nat-table rules: -A, -D, -I, -F, -L, -S (after --).')
  .argument('<instance>', 'the NAT instance (i-...)')
  .argument('<args...>', 'iptables arguments, e.g. -- -t nat -A PREROUTING -i eth0 -p tcp --dport 6380 -j DNAT --to 10.0.1.231:6379')
  .option('--data-dir <dir>', 'data dir of the control plane (default $COVE_HOME or ~/.cove)')
  .action(async (instance: string, args: string[], opts) => {
    const { runNatIptables } = await import('./nat.js');
    process.exitCode = await runNatIptables(instance, args, opts);
  });
nat
  .command('save')
  .description('Print the nat table as iptables-save does.')
  .argument('<instance>', 'the NAT instance (i-...)')
  .option('--data-dir <dir>', 'data dir of the control plane (default $COVE_HOME or ~/.cove)')
  .action(async (instance: string, opts) => {
    const { runNatSave } = await import('./nat.js');
    process.exitCode = await runNatSave(instance, opts);
  });
nat
  .command('restore')
  .description('Replace the nat table from iptables-save output (a file, or stdin).')
  .argument('<instance>', 'the NAT instance (i-...)')
  .argument('[file]', 'iptables-save output (default: stdin)')
  .option('--data-dir <dir>', 'data dir of the control plane (default $COVE_HOME or ~/.cove)')
  .action(async (instance: string, file: string | undefined, opts) => {
    const { runNatRestore } = await import('./nat.js');
    process.exitCode = await runNatRestore(instance, file, opts);
  });
nat
  .command('status')
  .description('Forwarding table, listeners, ignored user data and events of a NAT instance.')
  .argument('<instance>', 'the NAT instance (i-...)')
  .option('--data-dir <dir>', 'data dir of the control plane (default $COVE_HOME or ~/.cove)')
  .option('--json', 'print JSON')
  .action(async (instance: string, opts) => {
    const { runNatStatus } = await import('./nat.js');
    process.exitCode = await runNatStatus(instance, opts);
  });
nat
  .command('ca')
  .description('Print the CA certificate that signs the TLS certificates of gateways tagged cove:tls=on.')
  .option('--data-dir <dir>', 'data dir of the control plane (default $COVE_HOME or ~/.cove)')
  .action(async (opts) => {
    const { runNatCa } = await import('./nat.js');
    process.exitCode = await runNatCa(opts);
  });

program
  .command('tunnel')
  .description("A port-forwarding session from an instance's identity (like SSM remote port forwarding).")
  .requiredOption('--via <instance>', 'the instance to connect as (i-...)')
  .requiredOption('--to <host:port>', 'the target: a node address (127.k.c.d or private), CLUSTER/NODE, with :PORT')
  .option('--local-port <port>', 'local port to listen on (default: a free one, printed)')
  .option('--bind <address>', 'local address to listen on', '127.0.0.1')
  .option('--data-dir <dir>', 'data dir of the control plane (default $COVE_HOME or ~/.cove)')
  .action(async (opts) => {
    const { runTunnel } = await import('./tunnel.js');
    process.exitCode = await runTunnel(opts);
  });

program.parseAsync(process.argv).catch((e: Error) => {
  process.stderr.write(`cove: ${e.message}\n`);
  process.exit(1);
});
