// The CLI side of the network admin endpoints (admin.ts): finds the running control
// plane of a data dir (cove.json: API address and token) and calls it.

import { readRuntime } from '../control/control-plane.js';

export class AdminError extends Error {}

export async function adminCall<T>(dataDir: string, method: 'GET' | 'POST', route: string, body?: unknown): Promise<T> {
  const info = readRuntime(dataDir);
  if (!info) throw new AdminError(`cove is not running (data dir ${dataDir}): start it with \`cove up\``);
  const res = await fetch(`http://${info.api}${route}`, {
    method,
    headers: { 'x-cove-token': info.token, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AdminError(`the control plane answered HTTP ${res.status}: ${text.trim()}`);
  }
  if (!res.ok) throw new AdminError((parsed as { error?: string }).error ?? `HTTP ${res.status}`);
  return parsed as T;
}
