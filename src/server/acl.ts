// Users, passwords and permissions (AUTH, ACL, requirepass).
//
// A user has an on/off flag, passwords (kept as SHA-256 hex, as Redis stores them),
// "nopass", allowed commands and categories, key patterns and channel patterns.
// `check` is what the dispatcher calls before every command.

import { createHash } from 'node:crypto';
import type { Argv } from '../protocol/resp/argv.js';
import type { CommandSpec } from '../commands/types.js';
import type { Client } from './client.js';
import { Errors } from '../protocol/resp/errors.js';

export interface User {
  name: string;
  enabled: boolean;
  nopass: boolean;
  passwords: Set<string>; // sha256 hex
  /** null = all commands allowed; otherwise allowed full names ("get", "config|get"). */
  allowedCommands: Set<string> | null;
  /** The rules as given, for ACL LIST/GETUSER ("+@all", "-debug", ...). */
  commandRules: string[];
  /** Key patterns; "~*" means all keys. */
  keyPatterns: string[];
  channelPatterns: string[];
}

export function sha256hex(s: string | Buffer): string {
  return createHash('sha256').update(s).digest('hex');
}

export function newUser(name: string): User {
  return {
    name,
    enabled: false,
    nopass: false,
    passwords: new Set(),
    allowedCommands: new Set(),
    commandRules: ['-@all'],
    keyPatterns: [],
    channelPatterns: [],
  };
}

export class Acl {
  readonly users = new Map<string, User>();
  /** Pluggable permission check (filled in by the ACL command module). */
  checker: ((user: User, spec: CommandSpec, argv: Argv) => string | null) | null = null;

  constructor() {
    const def: User = {
      name: 'default',
      enabled: true,
      nopass: true,
      passwords: new Set(),
      allowedCommands: null,
      commandRules: ['+@all'],
      keyPatterns: ['*'],
      channelPatterns: ['*'],
    };
    this.users.set('default', def);
  }

  get defaultUser(): User {
    return this.users.get('default')!;
  }

  /** requirepass: sets (or with "" clears) the default user's only password. */
  setRequirePass(password: string): void {
    const def = this.defaultUser;
    def.passwords.clear();
    if (password === '') {
      def.nopass = true;
    } else {
      def.nopass = false;
      def.passwords.add(sha256hex(password));
    }
  }

  /** True when new connections must authenticate (default user has a password or is off). */
  authRequired(): boolean {
    const def = this.defaultUser;
    return !def.nopass || !def.enabled;
  }

  /** Checks a username/password pair; returns the user or null. */
  authenticate(username: string, password: Buffer | string): User | null {
    const user = this.users.get(username);
    if (!user || !user.enabled) return null;
    if (user.nopass) return user;
    return user.passwords.has(sha256hex(password)) ? user : null;
  }

  /** Null when the client's user may run the command with these arguments, else the error. */
  check(client: Client, spec: CommandSpec, argv: Argv): string | null {
    if (!this.checker) return null;
    const user = this.users.get(client.user);
    if (!user) return Errors.noPerm(spec.name);
    if (user.allowedCommands === null && user.keyPatterns.includes('*') && user.channelPatterns.includes('*')) return null;
    return this.checker(user, spec, argv);
  }
}
