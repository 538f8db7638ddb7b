// `cove why SOURCE DESTINATION:PORT`: asks the running control plane whether the
// flow is allowed, and prints the rule that allows it or the missing piece, hop by
// hop (src/network/why.ts). Exit status: 0 allowed, 1 denied, 2 the question names
// something Cove does not know (errors.ts), 3 cove is not running.

import { adminCall } from '../network/admin-client.js';
import { formatWhy, WhyAnswer } from '../network/why.js';
import { dataDirOf } from './up.js';
import { json } from './format.js';
import { EXIT } from './errors.js';

export async function runWhy(source: string, destination: string, flags: { dataDir?: string; json?: boolean }): Promise<number> {
  const q = new URLSearchParams({ source, destination });
  const answer = await adminCall<WhyAnswer>(dataDirOf(flags.dataDir), 'GET', `/_cove/why?${q}`);
  process.stdout.write(flags.json ? json(answer) : formatWhy(answer));
  return answer.allowed ? EXIT.ok : EXIT.no;
}
