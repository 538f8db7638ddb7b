// Helpers shared by the string, bitmap and generic-key tests: one raw RESP connection
// that sends a command and waits for its complete reply. The reply builders, error
// constants and the COVE_TWIN_PORT switch live in test/support/resp-wire.ts and are
// re-exported here under the names these tests use.

import { RawClient } from '../support/valkey.js';
import { cmd, replies } from '../support/resp-wire.js';

export {
  TWIN, inNode as inNodeOnly, target, replyEnd,
  OK, NIL, int, bulk, err, bulks, arr,
  WRONGTYPE, NOT_INT as NOT_INTEGER, SYNTAX, arity,
} from '../support/resp-wire.js';

/** A raw connection: `call` sends one command and resolves with its whole reply text. */
export class Conn {
  private constructor(readonly raw: RawClient) {}

  static async open(port: number): Promise<Conn> {
    return new Conn(await RawClient.connect(port));
  }

  async call(...args: (string | Buffer)[]): Promise<string> {
    return cmd(this.raw, ...args);
  }

  /** Waits for one more complete reply (a push message) without sending anything. */
  async next(): Promise<string> {
    return replies(this.raw, 1, 2000);
  }

  close(): void {
    this.raw.close();
  }
}
