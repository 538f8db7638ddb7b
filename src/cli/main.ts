#!/usr/bin/env node
// The `cove` command line. Thin: each subcommand parses flags and calls into the
// module that does the work. Every command has examples in --help; listings print a
// table, or JSON with --json; exit statuses are the ones errors.ts lists (0 done,
// 1 no / failed, 2 usage, 3 not running), and a user's mistake is one line on
// stderr, never a stack trace.

import { Command, Option } from 'commander';
import { wholeNumber } from './format.js';

const DATA_DIR = ['--data-dir <dir>', 'data dir of the control plane (default $COVE_HOME or ~/.cove)'] as const;

function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
}

/** Validates a port but hands the string on (the server modules parse their own flags). */
const portText = (name: string) => (v: string) => String(wholeNumber(name, 65535)(v));

const program = new Command();
program
  .name('cove')
  .description('A self-hosted ElastiCache: Valkey/Redis and Memcached nodes in a virtual private network, managed through the AWS APIs.')
  .version('0.1.0', '-V, --version')
  .exitOverride()
  .showHelpAfterError('(cove COMMAND --help shows the options and examples)')
  .addHelpText(
    'after',
    examples(
      'cove up --demo                      # the guide scenario, ready to connect to',
      'cove up                             # the AWS API on http://127.0.0.1:4599, state in ~/.cove',
      'cove status',
      'cove why host 127.200.0.1:6379',
      'cove down',
    ) + '\nExit status: 0 done, 1 no (denied) or failed, 2 usage error or unknown id, 3 cove is not running.\n',
  );

program
  .command('server')
  .description('Run one standalone cache node in the foreground until SIGINT/SIGTERM.')
  .addOption(new Option('--engine <engine>', 'cache engine').choices(['valkey', 'redis', 'memcached']).default('valkey'))
  .option('--port <port>', 'TCP port (6379 for valkey/redis, 11211 for memcached)', portText('--port'))
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
  .option('--management-socket <path>', "also listen on this unix socket: the control plane's channel, never subject to security groups")
  .option('--network-policy <file>', "the control plane's network view: enforce security groups on every TCP connection (with --eni)")
  .option('--eni <id>', "this node's network interface in the network view (with --network-policy)")
  .option('-m, --memory-limit <megabytes>', 'item memory in megabytes, default 64 (memcached)')
  .option('-I, --max-item-size <size>', 'largest item, e.g. 1m or 512k, default 1m (memcached)')
  .option('-c, --conn-limit <n>', 'maximum simultaneous connections, default 1024 (memcached)')
  .option('-M, --disable-evictions', 'return an error when memory is full instead of evicting (memcached)')
  .option('--sasl-pwdb <file>', 'require SASL PLAIN auth (binary protocol) against user:password lines (memcached)')
  .addHelpText(
    'after',
    examples(
      'cove server --engine valkey --port 6379',
      'cove server --engine redis --requirepass s3cret --maxmemory 100mb --maxmemory-policy allkeys-lru',
      'cove server --engine memcached --port 11211 -m 128',
    ),
  )
  .action(async (opts) => {
    if (opts.engine === 'memcached') {
      const { runMemcachedServer } = await import('../server/run-memcached.js');
      await runMemcachedServer(opts);
      return;
    }
    const { runValkeyServer } = await import('../server/run-server.js');
    await runValkeyServer(opts);
  });

program
  .command('endpoints', { hidden: true })
  .description('Serve the replication groups\' primary and reader endpoints of a control plane (started by `cove up`).')
  .requiredOption('--spec <file>', 'the endpoints file the control plane publishes (run/endpoints.json)')
  .action(async (opts) => {
    const { runEndpoints } = await import('../control/endpoint-process.js');
    await runEndpoints(opts.spec);
  });

program
  .command('up')
  .description('Run the control plane in the foreground: the AWS API (EC2 + ElastiCache), the web console, the reconciler and the cache nodes.')
  .option(...DATA_DIR)
  .option('--api <host:port>', 'address of the AWS API endpoint (port 0: any free port)', '127.0.0.1:4599')
  .addOption(new Option('--log-format <format>', 'log lines').choices(['text', 'json']).default('text'))
  .option('--credentials <file>', 'access keys (ACCESS_KEY SECRET ACCOUNT_ID per line): verify SigV4, one account per key')
  .option('--region <region>', 'the region the API reports', 'us-east-1')
  .option('--public-pool <cidr|interface>', 'where Elastic IPs come from (default the loopback block 127.200.0.0/16); a real interface exposes NAT gateways beyond this host')
  .option('--demo', "also build the guide's scenario through the API (VPC, groups, memcached and valkey nodes, a NAT instance with an Elastic IP) and print how to connect; with cove already running, build it through that one")
  .addHelpText(
    'after',
    examples(
      'cove up --demo                                   # build (or find) the demo and print how to connect',
      'cove up --data-dir /srv/cove --api 0.0.0.0:4599   # the API for other machines too',
      'cove up --credentials keys.txt                    # SigV4 verified, one account per key',
      'cove up --public-pool eth0                        # Elastic IPs on a real interface',
    ),
  )
  .action(async (opts) => {
    const { runUp } = await import('./up.js');
    process.exit(await runUp(opts));
  });

program
  .command('status')
  .description('Show what the running control plane of a data dir runs: clusters and their nodes.')
  .option(...DATA_DIR)
  .option('--json', 'print JSON (exit status 3 and {"running": false} when cove is not running)')
  .addHelpText('after', examples('cove status', 'cove status --json | jq -r \'.clusters[].nodes[].endpoint\''))
  .action(async (opts) => {
    const { runStatus } = await import('./status.js');
    process.exitCode = await runStatus(opts);
  });

program
  .command('down')
  .description('Stop the running control plane of a data dir and its cache nodes (the next `cove up` brings them back).')
  .option(...DATA_DIR)
  .option('--timeout <seconds>', 'how long to wait for it to stop', wholeNumber('--timeout'), 60)
  .addHelpText('after', examples('cove down', 'cove down --data-dir /srv/cove --timeout 120') + '\nExit status 0 also when cove was not running; 1 when it is still running after --timeout.\n')
  .action(async (opts) => {
    const { runDown } = await import('./down.js');
    process.exitCode = await runDown(opts);
  });

program
  .command('why')
  .description('Is a flow allowed? Prints the security-group rule that allows it, or the missing piece (like VPC Reachability Analyzer).')
  .argument('<source>', 'host, an address (127.k.c.d stands for its interface), a private address, i-..., eni-...')
  .argument('<destination>', 'ADDRESS:PORT, ELASTIC_IP:PORT, i-...:PORT, eni-...:PORT or CLUSTER/NODE[:PORT]')
  .option(...DATA_DIR)
  .option('--json', 'print JSON')
  .addHelpText(
    'after',
    examples('cove why host 127.200.0.1:6379          # the host through a NAT instance', 'cove why 127.55.0.1 127.200.0.1:11212', 'cove why i-0123456789abcdef0 mc/0002', 'cove why host 127.2.1.230:6379') +
      '\nExit status 0 allowed, 1 denied, 2 a source or destination Cove does not know, 3 cove is not running.\n',
  )
  .action(async (source: string, destination: string, opts) => {
    const { runWhy } = await import('./why.js');
    process.exitCode = await runWhy(source, destination, opts);
  });

program
  .command('flow-logs')
  .description('Print the VPC Flow Logs records (version 2 format) written for flow logs created with CreateFlowLogs.')
  .option(...DATA_DIR)
  .option('-f, --follow', 'keep printing records as they are written')
  .option('--flow-log-id <id...>', 'only these flow logs')
  .option('--no-header', 'do not print the field names first')
  .option('--json', 'one JSON object per record, one per line (field names as keys)')
  .addHelpText('after', examples('cove flow-logs', 'cove flow-logs --follow --flow-log-id fl-0123456789abcdef0', "cove flow-logs --json | jq -c 'select(.action == \"REJECT\")'"))
  .action(async (opts) => {
    const { runFlowLogs } = await import('./flow-logs.js');
    process.exitCode = await runFlowLogs(opts);
  });

const nat = program
  .command('nat')
  .description("A NAT instance's forwarding, the iptables way.")
  .addHelpText('after', examples('cove nat status i-0123456789abcdef0', 'cove nat iptables i-0123456789abcdef0 -- -t nat -S', 'cove nat save i-0123456789abcdef0 > rules'));
nat
  .command('iptables')
  .description('Apply or list nat-table rules: -A, -D, -I, -F, -L, -S (after --).')
  .argument('<instance>', 'the NAT instance (i-...)')
  .argument('<args...>', 'iptables arguments, e.g. -- -t nat -A PREROUTING -i eth0 -p tcp --dport 6380 -j DNAT --to 10.0.1.231:6379')
  .option(...DATA_DIR)
  .addHelpText(
    'after',
    examples(
      'cove nat iptables i-0123456789abcdef0 -- -t nat -A PREROUTING -i eth0 -p tcp --dport 6380 -j DNAT --to 10.0.1.231:6379',
      'cove nat iptables i-0123456789abcdef0 -- -t nat -D PREROUTING 2',
      'cove nat iptables i-0123456789abcdef0 -- -t nat -L -n',
    ),
  )
  .action(async (instance: string, args: string[], opts) => {
    const { runNatIptables } = await import('./nat.js');
    process.exitCode = await runNatIptables(instance, args, opts);
  });
nat
  .command('save')
  .description('Print the nat table as iptables-save does.')
  .argument('<instance>', 'the NAT instance (i-...)')
  .option(...DATA_DIR)
  .addHelpText('after', examples('cove nat save i-0123456789abcdef0 > rules'))
  .action(async (instance: string, opts) => {
    const { runNatSave } = await import('./nat.js');
    process.exitCode = await runNatSave(instance, opts);
  });
nat
  .command('restore')
  .description('Replace the nat table from iptables-save output (a file, or stdin).')
  .argument('<instance>', 'the NAT instance (i-...)')
  .argument('[file]', 'iptables-save output (default: stdin)')
  .option(...DATA_DIR)
  .addHelpText('after', examples('cove nat restore i-0123456789abcdef0 rules', 'cove nat save i-0aaa | cove nat restore i-0bbb'))
  .action(async (instance: string, file: string | undefined, opts) => {
    const { runNatRestore } = await import('./nat.js');
    process.exitCode = await runNatRestore(instance, file, opts);
  });
nat
  .command('status')
  .description('Forwarding table, listeners, ignored user data and events of a NAT instance.')
  .argument('<instance>', 'the NAT instance (i-...)')
  .option(...DATA_DIR)
  .option('--json', 'print JSON')
  .addHelpText('after', examples('cove nat status i-0123456789abcdef0', "cove nat status i-0123456789abcdef0 --json | jq '.forwarding[] | [.publicPort, .ip, .port]'"))
  .action(async (instance: string, opts) => {
    const { runNatStatus } = await import('./nat.js');
    process.exitCode = await runNatStatus(instance, opts);
  });
nat
  .command('ca')
  .description('Print the CA certificate that signs the TLS certificates of gateways tagged cove:tls=on.')
  .option(...DATA_DIR)
  .addHelpText('after', examples('cove nat ca > ca.pem && redis-cli --tls --cacert ca.pem -h 127.200.0.1 -p 6379 ping'))
  .action(async (opts) => {
    const { runNatCa } = await import('./nat.js');
    process.exitCode = await runNatCa(opts);
  });

program
  .command('tunnel')
  .description("A port-forwarding session from an instance's identity (like SSM remote port forwarding).")
  .requiredOption('--via <instance>', 'the instance to connect as (i-...)')
  .requiredOption('--to <host:port>', 'the target: a node address (127.k.c.d or private), CLUSTER/NODE, with :PORT')
  .option('--local-port <port>', 'local port to listen on (default: a free one, printed)', portText('--local-port'))
  .option('--bind <address>', 'local address to listen on', '127.0.0.1')
  .option(...DATA_DIR)
  .addHelpText('after', examples('cove tunnel --via i-0123456789abcdef0 --to 127.2.1.4:6379 --local-port 7000 &', 'redis-cli -p 7000 ping'))
  .action(async (opts) => {
    const { runTunnel } = await import('./tunnel.js');
    process.exitCode = await runTunnel(opts);
  });

program
  .command('coverage-docs', { hidden: true })
  .description('Write (or with --check, compare) docs/coverage/*.md from the operation and command tables.')
  .option('--dir <dir>', 'the docs/coverage directory', 'docs/coverage')
  .option('--check', 'do not write: exit 1 when a checked-in file differs')
  .action(async (opts) => {
    const { runCoverageDocs } = await import('./coverage-docs.js');
    process.exitCode = await runCoverageDocs(opts);
  });

// `cove ... | head`: when the reader goes away, stop quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

program.parseAsync(process.argv).catch(async (e: unknown) => {
  const { report } = await import('./errors.js');
  process.exit(report(e));
});
