// Verbatim error strings of redis-server 7.0 / Valkey 7.2, in one place.
//
// Error text is protocol behaviour: clients and the upstream test suite match on it,
// so every string here is copied from the reference server's replies, not paraphrased.
// A string without a leading code gets "ERR " from `errorLine`.

export const Errors = {
  syntax: 'ERR syntax error',
  wrongType: 'WRONGTYPE Operation against a key holding the wrong kind of value',
  notInteger: 'ERR value is not an integer or out of range',
  notFloat: 'ERR value is not a valid float',
  overflow: 'ERR increment or decrement would overflow',
  noSuchKey: 'ERR no such key',
  indexOutOfRange: 'ERR index out of range',
  outOfRange: 'ERR offset is out of range',
  noAuth: 'NOAUTH Authentication required.',
  wrongPass: 'WRONGPASS invalid username-password pair or user is disabled.',
  authNotConfigured:
    'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
  oom: "OOM command not allowed when used memory > 'maxmemory'.",
  execAbort: 'EXECABORT Transaction discarded because of previous errors.',
  multiNested: 'ERR MULTI calls can not be nested',
  execWithoutMulti: 'ERR EXEC without MULTI',
  discardWithoutMulti: 'ERR DISCARD without MULTI',
  watchInMulti: 'ERR WATCH inside MULTI is not allowed',
  maxClients: 'ERR max number of clients reached',
  invalidDbIndex: 'ERR DB index is out of range',
  selectNotAllowed: 'ERR SELECT is not allowed in cluster mode',
  sameObject: 'ERR source and destination objects are the same',
  invalidExpire: (cmd: string) => `ERR invalid expire time in '${cmd}' command`,
  timeoutNegative: 'ERR timeout is negative',
  timeoutNotFloat: 'ERR timeout is not a float or out of range',
  timeoutOutOfRange: 'ERR timeout is out of range',
  bitOffset: 'ERR bit offset is not an integer or out of range',
  bitValue: 'ERR bit is not an integer or out of range',
  stringTooLong: 'ERR string exceeds maximum allowed size (proto-max-bulk-len)',
  decrementOverflow: 'ERR decrement would overflow',
  bitArgument: 'ERR The bit argument must be 1 or 0.',
  bitopNotSingleKey: 'ERR BITOP NOT must be called with a single source key.',
  bitfieldType: 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.',
  bitfieldOverflowType: 'ERR Invalid OVERFLOW type specified',
  bitfieldRoGetOnly: 'ERR BITFIELD_RO only supports the GET subcommand',
  lcsNotStrings: 'ERR The specified keys must contain string values',
  lcsIdxAndLen: 'ERR If you want both the length and indexes, please just use IDX.',
  lcsTooBig: 'ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len',
  invalidCursor: 'ERR invalid cursor',
  sortNotDouble: "ERR One or more scores can't be converted into double",
  lfuSelected:
    'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
  lfuNotSelected:
    'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
  nanOrInfinity: 'ERR increment would produce NaN or Infinity',
  minMaxNotFloat: 'ERR min or max is not a float',
  minMaxNotValidString: 'ERR min or max not valid string range item',
  zsetNan: 'ERR resulting score is not a number (NaN)',
  zaddXxAndNx: 'ERR XX and NX options at the same time are not compatible',
  zaddGtLtNx: 'ERR GT, LT, and/or NX options at the same time are not compatible',
  zaddIncrPair: 'ERR INCR option supports a single increment-element pair',
  weightNotFloat: 'ERR weight value is not a float',
  limitNegative: "ERR LIMIT can't be negative",
  zrangeLimitNeedsBy: 'ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX',
  zrangeWithscoresByLex: 'ERR syntax error, WITHSCORES not supported in combination with BYLEX',
  numkeysPositive: 'ERR numkeys should be greater than 0',
  countGreaterThanZero: 'ERR count should be greater than 0',
  valueOutOfRange: 'ERR value is out of range',
  longRange: 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807',
  hllNotValid: 'WRONGTYPE Key is not a valid HyperLogLog string value.',
  hllCorrupt: 'INVALIDOBJ Corrupted HLL object detected',
  hashValueNotInteger: 'ERR hash value is not an integer',
  hashValueNotFloat: 'ERR hash value is not a float',
  countPositive: 'ERR value is out of range, must be positive',
  numkeysZero: (cmd: string) => `ERR at least 1 input key is needed for '${cmd}' command`,
  wrongArity: (cmd: string) => `ERR wrong number of arguments for '${cmd}' command`,
  unknownCommand: (name: string, args: string) =>
    `ERR unknown command '${name}', with args beginning with: ${args}`,
  unknownSubcommand: (sub: string, cmd: string) =>
    `ERR unknown subcommand '${sub}'. Try ${cmd} HELP.`,
  unknownSubcommandOrWrongArity: (sub: string, cmd: string) =>
    `ERR unknown subcommand or wrong number of arguments for '${sub}'. Try ${cmd} HELP.`,
  noScript: 'NOSCRIPT No matching script. Please use EVAL.',
  readOnlyReplica: "READONLY You can't write against a read only replica.",
  busyKey: 'BUSYKEY Target key name already exists.',
  notAllowedInMulti: (cmd: string) => `ERR Command not allowed inside a transaction`,
  subscribeContext: (cmd: string) =>
    `ERR Can't execute '${cmd}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
  noPerm: (cmd: string) => `NOPERM this user has no permissions to run the '${cmd}' command`,
  noPermKey: 'NOPERM this user has no permissions to access one of the keys used as arguments',
  noPermChannel: 'NOPERM this user has no permissions to access one of the channels used as arguments',
  protectedMode:
    'DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command \'CONFIG SET protected-mode no\' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to \'no\', and then restarting the server. 3) If you started the server manually just for testing, restart it with the \'--protected-mode no\' option. 4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.',
} as const;

/** Protocol errors: each is sent and then the connection closes (Valkey's setProtocolError). */
export const ProtocolErrors = {
  invalidMultibulkLength: 'ERR Protocol error: invalid multibulk length',
  invalidBulkLength: 'ERR Protocol error: invalid bulk length',
  expectedDollar: (got: string) => `ERR Protocol error: expected '$', got '${got}'`,
  tooBigInline: 'ERR Protocol error: too big inline request',
  tooBigMbulkCount: 'ERR Protocol error: too big mbulk count string',
  tooBigBulkCount: 'ERR Protocol error: too big bulk count string',
  unbalancedQuotes: 'ERR Protocol error: unbalanced quotes in request',
  unauthMultibulk: 'ERR Protocol error: unauthenticated multibulk length',
  unauthBulk: 'ERR Protocol error: unauthenticated bulk length',
} as const;

/**
 * Turns an error message into the text after '-': adds "ERR " unless the message
 * already starts with an upper-case code, and maps CR/LF to spaces so that user
 * input echoed in an error can never break the framing.
 */
export function errorLine(message: string): string {
  let line = message;
  if (line.indexOf('\r') !== -1 || line.indexOf('\n') !== -1) line = line.replace(/[\r\n]/g, ' ');
  if (!hasErrorCode(line)) line = 'ERR ' + line;
  return line;
}

function hasErrorCode(line: string): boolean {
  const space = line.indexOf(' ');
  const code = space === -1 ? line : line.slice(0, space);
  if (code.length === 0) return false;
  for (let i = 0; i < code.length; i++) {
    const c = code.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || c === 95 || (c >= 48 && c <= 57))) return false;
  }
  return true;
}

/** The first word of an error line (its code), as Redis counts errors in errorstats. */
export function errorCode(line: string): string {
  const space = line.indexOf(' ');
  return space === -1 ? line : line.slice(0, space);
}

/**
 * A command-level error thrown by a handler or helper deep inside a command.
 * The dispatcher catches it and replies with the message; the connection stays open.
 */
export class CommandError extends Error {
  constructor(message: string) {
    super(message);
  }
}
