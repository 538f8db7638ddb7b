// Exit statuses and error reporting of the `cove` command line, so that scripts can
// trust them and people never see a stack trace for their own mistake:
//
//   0  done (for `cove why`: the flow is allowed)
//   1  the command ran and the answer is no, or the work failed (`cove why`: denied;
//      `cove down`: still running after --timeout; `cove up --demo`: not built)
//   2  usage: an unknown command or option, a bad value, an id that does not exist
//   3  no control plane is running for the data dir (commands that need one)
//
// A failure of Cove itself (a bug) is reported with its stack, exit status 1.

import { CommanderError } from 'commander';
import { AdminError } from '../network/admin-client.js';

export const EXIT = { ok: 0, no: 1, usage: 2, notRunning: 3 } as const;

/** A mistake in how cove was called (flags, arguments, ids). */
export class UsageError extends Error {}

/** The command needs a running control plane and there is none. */
export class NotRunningError extends Error {
  constructor(dataDir: string) {
    super(`cove is not running (data dir ${dataDir}): start it with \`cove up\``);
  }
}

/** Reports an error escaping a command on stderr and gives the exit status. */
export function report(e: unknown, write: (s: string) => void = (s) => process.stderr.write(s)): number {
  if (e instanceof CommanderError) {
    // commander has printed its message (or the help) already.
    return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (e instanceof NotRunningError) {
    write(`cove: ${e.message}\n`);
    return EXIT.notRunning;
  }
  if (e instanceof AdminError) {
    if (/^cove is not running/.test(e.message)) {
      write(`cove: ${e.message}\n`);
      return EXIT.notRunning;
    }
    // The control plane refused the request: an unknown id or a bad argument.
    write(`cove: ${e.message}\n`);
    return /^the control plane answered HTTP 5/.test(e.message) ? EXIT.no : EXIT.usage;
  }
  if (e instanceof UsageError) {
    write(`cove: ${e.message}\n`);
    return EXIT.usage;
  }
  const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const code = err?.code ?? err?.cause?.code;
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET') {
    write(`cove: the control plane does not answer (${code}); is it still starting or stopping? \`cove status\` tells\n`);
    return EXIT.notRunning;
  }
  if (code === 'EADDRINUSE') {
    write(`cove: ${err.message.replace(/^listen /, '')}: the address is in use (another cove? pick another with --api HOST:PORT)\n`);
    return EXIT.no;
  }
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
    write(`cove: ${err.message}\n`);
    return EXIT.usage;
  }
  if (e instanceof Error && e.constructor === Error) {
    // Errors Cove raises on purpose carry a sentence for the user.
    write(`cove: ${e.message}\n`);
    return EXIT.no;
  }
  write(`cove: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
  return EXIT.no;
}
