// Who may change things from the web console. The console is read-write only for a
// browser on this host: the request must come from a loopback address, name a
// loopback host (a page on another site that rebinds its DNS name to 127.0.0.1
// still sends its own name in Host), come from the console's own origin when the
// browser says where it comes from, and carry the console's header (a cross-site
// page cannot add a custom header without a CORS preflight, which Cove never
// grants). Everyone else gets a read-only console: Describe/List actions only.
//
// Pure functions, decided on the server; the page only mirrors the answer.

import { isLoopbackAddress, hostName, isLoopbackHost } from '../api/loopback.js';

export { isLoopbackAddress, hostName, isLoopbackHost };

/** Actions that only read: allowed for every console client. */
export function isReadOnlyAction(action: string): boolean {
  return /^(Describe|List|Get)[A-Z]/.test(action);
}

/** The header the console's own script sends with every API call. */
export const CONSOLE_HEADER = 'x-cove-console';

export interface ConsoleRequest {
  /** The TCP peer's address (req.socket.remoteAddress). */
  remoteAddress: string | undefined;
  /** Host header. */
  host: string | undefined;
  /** Origin header, when the browser sent one. */
  origin: string | undefined;
  /** Value of the x-cove-console header. */
  consoleHeader: string | undefined;
}

export type Verdict = { allowed: true } | { allowed: false; reason: string };

/** May this request change resources? (Also what the page is told, to show or hide its controls.) */
export function mayMutate(r: ConsoleRequest): Verdict {
  if (!isLoopbackAddress(r.remoteAddress)) {
    return { allowed: false, reason: `the console is read-only for ${r.remoteAddress ?? 'an unknown address'}: changes are accepted from this host's loopback only` };
  }
  if (!isLoopbackHost(r.host)) return { allowed: false, reason: `the console is read-only when reached as '${hostName(r.host)}': open it at 127.0.0.1 or localhost` };
  if (r.origin !== undefined && r.origin !== 'null') {
    let originHost = '';
    try {
      originHost = new URL(r.origin).host.toLowerCase();
    } catch {
      // unparseable: refused below
    }
    if (originHost !== (r.host ?? '').trim().toLowerCase()) return { allowed: false, reason: `requests from ${r.origin} may not change resources` };
  } else if (r.origin === 'null') {
    return { allowed: false, reason: 'requests from an opaque origin may not change resources' };
  }
  if (r.consoleHeader !== '1') return { allowed: false, reason: `console requests that change resources carry the ${CONSOLE_HEADER} header` };
  return { allowed: true };
}

/** May this console request run `action`? Reads always; anything else only by mayMutate. */
export function mayCall(action: string, r: ConsoleRequest): Verdict {
  if (isReadOnlyAction(action)) return { allowed: true };
  return mayMutate(r);
}
