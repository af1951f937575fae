/**
 * What goes on a response that carries a session cookie: the Set-Cookie
 * lines (one per cookie) and a cache rule that keeps it out of shared caches.
 */
import { appendSetCookie, editHeaders } from './headers.ts';

interface SessionHeaders {
  lines: string[];
  noStore: boolean;
}

/** Adds Set-Cookie lines and the cache rule to a Response or Headers. */
export function applyHeaders<T extends Response | Headers>(target: T, lines: string[], noStore: boolean): T {
  const input: SessionHeaders = { lines, noStore };
  if (target instanceof Response) return editHeaders(target, write, input) as T;
  write(target as Headers, input);
  return target;
}

function write(headers: Headers, { lines, noStore }: SessionHeaders): void {
  for (const line of lines) appendSetCookie(headers, line);
  // Fields for CDNs alone would override the rule below there (RFC 9213).
  for (const field of CDN_CACHE_FIELDS) headers.delete(field);
  if (noStore)
    headers.set('cache-control', 'no-store'); // logout: nothing of it is kept anywhere
  else keepPrivate(headers);
}

/** Cache-Control directives that let a shared cache store the response (RFC 9111 §5.2.2). */
const SHARED_CACHE_DIRECTIVES = new Set(['public', 's-maxage', 'proxy-revalidate']);
/** Cache-Control fields aimed at CDNs alone (RFC 9213), which would override `private` there. */
const CDN_CACHE_FIELDS = ['cdn-cache-control', 'cloudflare-cdn-cache-control', 'surrogate-control'];

/**
 * A response that sets a session cookie must never be stored by a shared
 * cache, which would hand one user's session to everyone (OWASP Session
 * Management, "Web Content Caching"). Without a Cache-Control it becomes
 * `private, no-store`; the app's own directives are kept, minus those for
 * shared caches, plus `private`. A qualified `private="set-cookie"` does
 * not count: it lets a shared cache store the rest of the response (RFC 9111
 * §5.2.2.7), so an unqualified `private` is added.
 */
function keepPrivate(headers: Headers): void {
  const current = headers.get('cache-control');
  if (current === null || current.trim() === '') {
    headers.set('cache-control', 'private, no-store');
    return;
  }
  const kept = current
    .split(',')
    .map((directive) => directive.trim())
    .filter(
      (directive) =>
        directive !== '' && !SHARED_CACHE_DIRECTIVES.has(directive.split('=', 1)[0]!.trim().toLowerCase()),
    );
  if (!kept.some((directive) => /^(?:private|no-store)$/i.test(directive))) kept.unshift('private');
  headers.set('cache-control', kept.join(', '));
}
