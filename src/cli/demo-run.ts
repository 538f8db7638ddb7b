// `cove up --demo` around buildDemo (demo.ts): a Query API client for the control
// plane at `api` (signed with the first access key when --credentials is in force),
// progress lines with the time since cove started, then the report (demo-report.ts).
// Exit status 0 when the demo answers, 1 when it could not be built.

import { performance } from 'node:perf_hooks';
import { loadCredentials } from '../control/control-plane.js';
import { adminCall } from '../network/admin-client.js';
import { QueryClient, AwsError } from './aws-query.js';
import { buildDemo, DemoError } from './demo.js';
import { coveInvocation, demoReport } from './demo-report.js';

export interface DemoRunOptions {
  api: string;
  dataDir: string;
  region?: string;
  credentials?: string;
  logFile?: string;
  /** True when a control plane was already running and this process only builds the demo. */
  attached: boolean;
}

export async function runDemo(o: DemoRunOptions): Promise<number> {
  const region = o.region ?? 'us-east-1';
  let credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
  if (o.credentials) {
    const [key, cred] = [...loadCredentials(o.credentials).entries()][0];
    credentials = { accessKeyId: key, secretAccessKey: cred.secret };
  }
  const client = new QueryClient({ endpoint: `http://${o.api}`, region, credentials });
  const progress = (line: string) => process.stdout.write(`[${(performance.now() / 1000).toFixed(2).padStart(5)}s] ${line}\n`);
  progress(o.attached ? `cove is already running for ${o.dataDir} (API ${o.api}): building the demo through it` : `control plane up: AWS API on http://${o.api}, data dir ${o.dataDir}`);
  try {
    const result = await buildDemo({
      client,
      progress,
      now: () => performance.now(),
      forwarding: async (instance) =>
        (await adminCall<{ forwarding: { publicPort: number; ip: string; node?: { clusterId: string; nodeId: string } }[] }>(o.dataDir, 'GET', `/_cove/nat/status?instance=${encodeURIComponent(instance)}`)).forwarding,
    });
    process.stdout.write(demoReport(result, { cove: coveInvocation(), dataDir: o.dataDir, api: o.api, logFile: o.logFile }));
    return 0;
  } catch (e) {
    if (!(e instanceof DemoError || e instanceof AwsError)) throw e;
    process.stderr.write(`cove up --demo: ${e.message}\n`);
    return 1;
  }
}
