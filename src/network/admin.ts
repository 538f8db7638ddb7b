// The control plane's admin endpoints for the network (behind the x-cove-token the
// CLI reads from cove.json, like /_cove/status): JSON in, JSON out.
//
//   GET  /_cove/why?source=S&destination=D:P        → WhyAnswer
//   POST /_cove/nat/iptables  {instance, args}       → {output}
//   POST /_cove/nat/restore   {instance, text}       → {rules}
//   GET  /_cove/nat/status?instance=i-...            → status
//   GET  /_cove/nat/ca                               → {pem}
//   GET  /_cove/tunnel?instance=i-...&to=HOST:PORT   → where to connect, and the verdict
//   GET  /_cove/flow-logs                            → the subscriptions and their files

import type http from 'node:http';
import { NetworkError, NetworkManager } from './manager.js';

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body) + '\n');
}

/** Handles a /_cove/ network route; false when the route is not one of these. */
export function handleNetworkAdmin(net: NetworkManager, req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): boolean {
  const url = new URL(req.url ?? '/', 'http://cove.internal');
  const q = url.searchParams;
  const json = (): Record<string, unknown> => {
    try {
      return JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      throw new NetworkError('the request body is not JSON');
    }
  };
  const route = `${req.method} ${url.pathname}`;
  try {
    switch (route) {
      case 'GET /_cove/why':
        send(res, 200, net.why(q.get('source') ?? '', q.get('destination') ?? ''));
        return true;
      case 'POST /_cove/nat/iptables': {
        const b = json();
        if (typeof b.instance !== 'string' || !Array.isArray(b.args)) throw new NetworkError('expected {instance, args}');
        send(res, 200, { output: net.iptables(b.instance, b.args.map(String)) });
        return true;
      }
      case 'POST /_cove/nat/restore': {
        const b = json();
        if (typeof b.instance !== 'string' || typeof b.text !== 'string') throw new NetworkError('expected {instance, text}');
        send(res, 200, { rules: net.restore(b.instance, b.text) });
        return true;
      }
      case 'GET /_cove/nat/status':
        send(res, 200, net.natStatus(q.get('instance') ?? ''));
        return true;
      case 'GET /_cove/nat/ca':
        send(res, 200, { pem: net.natCa() });
        return true;
      case 'GET /_cove/tunnel':
        send(res, 200, net.tunnel(q.get('instance') ?? '', q.get('to') ?? ''));
        return true;
      case 'GET /_cove/flow-logs':
        send(res, 200, { flowLogs: net.view().flowLogs });
        return true;
      default:
        return false;
    }
  } catch (e) {
    if (e instanceof NetworkError) {
      send(res, e.status, { error: e.message });
      return true;
    }
    throw e;
  }
}
