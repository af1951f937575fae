/**
 * Whether a request reached the app over https. Behind a TLS-terminating
 * proxy the app sees http; with `trustProxy` the proxy's word
 * (`X-Forwarded-Proto`, or `Forwarded: proto=` from RFC 7239 §5.4) decides.
 * Without it those headers are ignored: any client can send them.
 */
import { warnOnce } from '../../util/options.ts';

// Browsers treat https and loopback origins as secure contexts, so Secure and
// __Host- cookies work there (RFC 6265bis §5.7 "secure protocol").
const LOOPBACK = /^http:\/\/(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?(?:\/|$)/i;

/** Whether `url` is https or a loopback http URL. */
export function isSecureRequest(url: string): boolean {
  return url.startsWith('https:') || LOOPBACK.test(url);
}

/** Whether `url` is to a loopback host. */
export function isLoopback(url: string): boolean {
  return LOOPBACK.test(url);
}

/**
 * The protocol the nearest proxy says the client used, lower case, or
 * undefined. Only the first (client-side) value counts: a proxy appends.
 */
export function forwardedProto(headers: Headers): string | undefined {
  const forwarded = headers.get('forwarded');
  if (forwarded !== null) {
    const first = forwarded.split(',', 1)[0]!;
    for (const pair of first.split(';')) {
      const eq = pair.indexOf('=');
      if (eq === -1 || pair.slice(0, eq).trim().toLowerCase() !== 'proto') continue;
      return pair
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .toLowerCase();
    }
  }
  const proto = headers.get('x-forwarded-proto');
  return proto === null ? undefined : proto.split(',', 1)[0]!.trim().toLowerCase();
}

/** Whether the request is secure, asking the proxy only when it is trusted. */
export function isSecure(request: Request, trustProxy: boolean): boolean {
  if (isSecureRequest(request.url)) return true;
  return trustProxy && forwardedProto(request.headers) === 'https';
}

/**
 * Warns (once per process) that a session cookie goes out without `Secure`
 * to a host that is not loopback: on a real host that is a cookie anyone on
 * the network can read, and the usual cause is a TLS-terminating proxy.
 */
export function warnInsecureCookie(url: string, trustProxy: boolean): void {
  if (isLoopback(url)) return;
  let host = url;
  try {
    host = new URL(url).host;
  } catch {}
  warnOnce(
    'insecure-session-cookie',
    `tesserajs: the session cookie is being sent without Secure to ${host} (the request came over http). ` +
      (trustProxy
        ? 'The proxy did not say https in X-Forwarded-Proto or Forwarded: proto=; check its configuration.'
        : 'Behind a TLS-terminating proxy, set trustProxy: true so X-Forwarded-Proto / Forwarded decide Secure; ' +
          'in development, use http://localhost, where browsers accept Secure cookies.'),
  );
}
