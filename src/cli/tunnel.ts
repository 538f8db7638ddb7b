// `cove tunnel --via i-ID --to HOST:PORT [--local-port N]`: a port-forwarding session
// that connects from an instance's identity, like AWS Systems Manager's remote port
// forwarding. It listens on 127.0.0.1:N (a free port by default, printed) and opens
// each connection to the target from the instance's mapped address, so the target's
// security groups see the instance. The instance's outbound rules are checked per
// connection (asking the control plane); the target's inbound rules are enforced by
// the target itself.

import net from 'node:net';
import { adminCall } from '../network/admin-client.js';
import { relay } from '../gateway/relay.js';
import { dataDirOf } from './up.js';

interface TunnelAnswer {
  localAddress: string;
  host: string;
  port: number;
  from: string;
  to: string;
  verdict: { allowed: boolean; reason: string; code?: string };
}

export interface TunnelFlags {
  via: string;
  to: string;
  localPort?: string;
  bind?: string;
  dataDir?: string;
}

export async function runTunnel(flags: TunnelFlags): Promise<number> {
  const dataDir = dataDirOf(flags.dataDir);
  const ask = () => adminCall<TunnelAnswer>(dataDir, 'GET', `/_cove/tunnel?instance=${encodeURIComponent(flags.via)}&to=${encodeURIComponent(flags.to)}`);
  // An unknown instance or target, or no control plane: main's report (errors.ts).
  const first = await ask();
  const bind = flags.bind ?? '127.0.0.1';
  const server = net.createServer({ pauseOnConnect: true, noDelay: true }, (local) => {
    local.on('error', () => {});
    ask().then(
      (a) => {
        if (!a.verdict.allowed) {
          process.stderr.write(`refused: ${a.verdict.reason}\n`);
          local.destroy();
          return;
        }
        const upstream = net.connect({ host: a.host, port: a.port, localAddress: a.localAddress, noDelay: true });
        upstream.pause();
        upstream.once('connect', () => relay({ client: local, upstream }, () => {}));
        upstream.once('error', (e) => {
          process.stderr.write(`connection to ${a.host}:${a.port} failed: ${e.message}\n`);
          local.destroy();
        });
      },
      (e) => {
        process.stderr.write(`cove tunnel: ${(e as Error).message}\n`);
        local.destroy();
      },
    );
  });
  const port = flags.localPort !== undefined ? Number(flags.localPort) : 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, bind, () => resolve());
  });
  const bound = (server.address() as net.AddressInfo).port;
  process.stdout.write(
    `Forwarding ${bind}:${bound} -> ${first.host}:${first.port} as ${flags.via} (${first.localAddress})\n` +
      `  ${first.verdict.allowed ? 'allowed' : 'currently DENIED'}: ${first.verdict.reason}\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => server.close(() => resolve());
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
