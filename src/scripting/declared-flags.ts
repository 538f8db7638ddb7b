// The flags a script call declares before it runs: an EVAL body's shebang
// (`#!lua flags=no-writes`), a cached script's, or a function's register_function
// flags. Redis reads them in place of the command's own flags (getCommandFlags) when
// it decides whether a call waits out a CLIENT PAUSE WRITE; scripts without a
// shebang keep EVAL's flags.

import type { Argv } from '../protocol/resp/argv.js';
import type { ValkeyNode } from '../server/valkey-node.js';
import type { ScriptingEngine } from './engine.js';
import { evalShebang } from './shebang.js';

/** Declared flags of an EVAL/EVALSHA/FCALL call, or null when it declares none. */
export function declaredScriptFlags(node: ValkeyNode, command: string, argv: Argv): string[] | null {
  const engine = node.ext.get('scripting') as ScriptingEngine | undefined;
  if (command === 'eval' || command === 'eval_ro') {
    if (argv.count < 2) return null;
    const shebang = evalShebang(argv.view(1));
    return typeof shebang === 'string' || shebang.compat ? null : shebang.flags;
  }
  if (command === 'evalsha' || command === 'evalsha_ro') {
    const target = argv.count < 2 ? undefined : engine?.scripts.get(argv.str(1).toLowerCase())?.target;
    return target && !target.compat ? target.flags : null;
  }
  if (command === 'fcall' || command === 'fcall_ro') {
    return (argv.count < 2 ? undefined : engine?.functions.get(argv.str(1).toLowerCase())?.flags) ?? null;
  }
  return null;
}
