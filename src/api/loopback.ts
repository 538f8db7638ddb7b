// Loopback addresses and host names, for deciding what a browser request may do: the
// console's write guard (src/web/guard.ts) and the API's refusal of cross-site pages.

/** True for 127.0.0.0/8 and ::1, also in their IPv4-mapped IPv6 spelling. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.toLowerCase().replace(/^::ffff:/, '');
  if (a === '::1') return true;
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(a);
  return !!m && m.slice(1).every((o) => Number(o) <= 255) && m[1] === '127';
}

/** The host name of a Host header (port and IPv6 brackets removed), lower case. */
export function hostName(host: string | undefined): string {
  if (!host) return '';
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') === -1 ? undefined : h.indexOf(']'));
  const i = h.lastIndexOf(':');
  return i === -1 ? h : h.slice(0, i);
}

/** A Host header that names this machine's loopback interface. */
export function isLoopbackHost(host: string | undefined): boolean {
  const name = hostName(host);
  return name === 'localhost' || name.endsWith('.localhost') || isLoopbackAddress(name);
}
