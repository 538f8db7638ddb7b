// `cove why SOURCE DESTINATION:PORT`: asks the running control plane whether the
// flow is allowed, and prints the rule that allows it or the missing piece, hop by
// hop (src/network/why.ts). Exit status: 0 allowed, 1 denied, 2 the question could
// not be asked.

import { adminCall, AdminError } from '../network/admin-client.js';
import { formatWhy, WhyAnswer } from '../network/why.js';
import { dataDirOf } from './up.js';

export async function runWhy(source: string, destination: string, flags: { dataDir?: string; json?: boolean }): Promise<number> {
  try {
    const q = new URLSearchParams({ source, destination });
    const answer = await adminCall<WhyAnswer>(dataDirOf(flags.dataDir), 'GET', `/_cove/why?${q}`);
    process.stdout.write(flags.json ? JSON.stringify(answer, null, 2) + '\n' : formatWhy(answer));
    return answer.allowed ? 0 : 1;
  } catch (e) {
    if (!(e instanceof AdminError)) throw e;
    process.stderr.write(`cove why: ${e.message}\n`);
    return 2;
  }
}
