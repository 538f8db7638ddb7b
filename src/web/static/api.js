// The console's AWS client: the same Query API the CLI and the SDKs use (a form
// with Action and Version, XML back), posted to /console/api so the control plane
// can tell the console's requests apart and keep remote browsers read-only.

const VERSIONS = { ec2: '2016-11-15', elasticache: '2015-02-02' };

export class AwsError extends Error {
  constructor(code, message, status) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

/** Flattens {A: [{B: 'x'}]} into Query form fields: A.1.B=x (lists count from 1). */
export function flatten(params, prefix = '', out = new URLSearchParams()) {
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null) continue;
    const key = prefix ? `${prefix}.${k}` : k;
    if (Array.isArray(v)) {
      v.forEach((item, i) => {
        if (item !== null && typeof item === 'object') flatten(item, `${key}.${i + 1}`, out);
        else out.append(`${key}.${i + 1}`, String(item));
      });
    } else if (typeof v === 'object') flatten(v, key, out);
    else out.append(key, String(v));
  }
  return out;
}

/** An XML element as plain data: text for a leaf, else an object; repeated names and item/member lists become arrays. */
export function xmlToJs(el) {
  const kids = [...el.children];
  if (kids.length === 0) return el.textContent ?? '';
  if (kids.every((k) => k.localName === 'item' || k.localName === 'member')) return kids.map(xmlToJs);
  const out = {};
  const repeated = new Set();
  for (const k of kids) {
    const name = k.localName;
    const v = xmlToJs(k);
    if (!(name in out)) out[name] = v;
    else if (repeated.has(name)) out[name].push(v);
    else {
      out[name] = [out[name], v];
      repeated.add(name);
    }
  }
  return out;
}

/** Always an array: absent or empty → [], one → [it]. */
export function list(v) {
  if (v === undefined || v === null || v === '') return [];
  return Array.isArray(v) ? v : [v];
}

/** Calls `action` of `service`; resolves with the response's result element as data. */
export async function aws(service, action, params = {}) {
  const form = flatten({ Action: action, Version: VERSIONS[service], ...params });
  const res = await fetch('/console/api', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-cove-console': '1' },
    body: form.toString(),
  });
  const text = await res.text();
  const doc = new DOMParser().parseFromString(text, 'text/xml');
  const root = doc.documentElement;
  if (!root || root.localName === 'parsererror' || doc.querySelector('parsererror')) {
    throw new AwsError('BadResponse', `HTTP ${res.status}: ${text.slice(0, 200)}`, res.status);
  }
  const err = root.getElementsByTagName('Error')[0];
  if (!res.ok || err) {
    const pick = (name) => err?.getElementsByTagName(name)[0]?.textContent ?? '';
    throw new AwsError(pick('Code') || `HTTP${res.status}`, pick('Message') || text.slice(0, 200), res.status);
  }
  const data = xmlToJs(root);
  // ElastiCache wraps the answer in <ActionResult>; EC2 puts it at the top level.
  return data[`${action}Result`] ?? data;
}

/** Every page of a paginated describe (EC2 nextToken, ElastiCache Marker). */
export async function all(service, action, params, listKey, itemKey) {
  const items = [];
  let token;
  for (let page = 0; page < 50; page++) {
    const extra = token ? (service === 'ec2' ? { NextToken: token } : { Marker: token }) : {};
    const r = await aws(service, action, { ...params, ...extra });
    const l = itemKey ? list(r[listKey]?.[itemKey]) : list(r[listKey]);
    items.push(...l);
    token = service === 'ec2' ? r.nextToken : r.Marker;
    if (!token) break;
  }
  return items;
}
