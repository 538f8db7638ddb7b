// The RDB format's constants, as redis-server 7.0 (RDB version 10) defines them:
// value types, opcodes, length and string encodings, and the containers of a
// quicklist node. Types 20 and 21 are Redis 7.2's (RDB version 11); Cove reads them
// so that Valkey 7.2 files load, but writes only what 7.0 reads.

/** The RDB version Cove writes (redis-server 7.0). */
export const RDB_VERSION = 10;
/** The newest version Cove reads from a file (Valkey/Redis 7.2 write 11). */
export const RDB_VERSION_READABLE = 11;

export const RdbType = {
  STRING: 0,
  LIST: 1,
  SET: 2,
  ZSET: 3,
  HASH: 4,
  ZSET_2: 5,
  MODULE: 6,
  MODULE_2: 7,
  HASH_ZIPMAP: 9,
  LIST_ZIPLIST: 10,
  SET_INTSET: 11,
  ZSET_ZIPLIST: 12,
  HASH_ZIPLIST: 13,
  LIST_QUICKLIST: 14,
  STREAM_LISTPACKS: 15,
  HASH_LISTPACK: 16,
  ZSET_LISTPACK: 17,
  LIST_QUICKLIST_2: 18,
  STREAM_LISTPACKS_2: 19,
  SET_LISTPACK: 20,
  STREAM_LISTPACKS_3: 21,
} as const;

export const RdbOpcode = {
  FUNCTION2: 245,
  FUNCTION_PRE_GA: 246,
  MODULE_AUX: 247,
  IDLE: 248,
  FREQ: 249,
  AUX: 250,
  RESIZEDB: 251,
  EXPIRETIME_MS: 252,
  EXPIRETIME: 253,
  SELECTDB: 254,
  EOF: 255,
} as const;

/** The two top bits of a length's first byte. */
export const LEN_6BIT = 0;
export const LEN_14BIT = 1;
export const LEN_ENCVAL = 3;
export const LEN_32BIT = 0x80;
export const LEN_64BIT = 0x81;

/** After LEN_ENCVAL: how the string is encoded. */
export const ENC_INT8 = 0;
export const ENC_INT16 = 1;
export const ENC_INT32 = 2;
export const ENC_LZF = 3;

/** Quicklist node containers (RDB_TYPE_LIST_QUICKLIST_2). */
export const QUICKLIST_PLAIN = 1;
export const QUICKLIST_PACKED = 2;

/** Stream entry flags inside a node's listpack. */
export const STREAM_ITEM_DELETED = 1;
export const STREAM_ITEM_SAMEFIELDS = 2;

/** Thrown for any malformed or unsupported input; the message says what was wrong. */
export class RdbError extends Error {}
