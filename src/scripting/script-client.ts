// The client a script's commands run as, and how other commands can tell: some
// behave differently when called from a script (Redis's CLIENT_SCRIPT / DENY_BLOCKING:
// SORT BY <constant> sorts its output, XREAD/XREADGROUP refuse BLOCK). Kept apart from
// the interpreter so that command groups can import it without loading Lua.

import { Client } from '../server/client.js';

export class ScriptClient extends Client {
  readonly isScript = true;
  constructor() {
    super(null);
  }
}

/** True when the command runs on behalf of a Lua script or function. */
export function calledFromScript(client: Client): boolean {
  return client instanceof ScriptClient;
}
