/** A one-cookie-jar client for HTTP-level benchmarks run in process. */
export type FetchLike = (request: Request) => Response | Promise<Response>;

/**
 * Sends requests like a browser would: keeps the cookies each response sets
 * and sends them back. Every candidate pays the same client cost. Two clients
 * given one `jar` send the same cookies.
 */
export function browserClient(
  fetch: FetchLike,
  url = 'https://bench.example/',
  jar = new Map<string, string>(),
) {
  return async (): Promise<void> => {
    const headers = new Headers();
    if (jar.size > 0) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
    const response = await fetch(new Request(url, { headers }));
    for (const line of response.headers.getSetCookie()) {
      const pair = line.slice(0, line.indexOf(';') >>> 0);
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      if (/;\s*max-age=0/i.test(line)) jar.delete(name);
      else jar.set(name, pair.slice(eq + 1));
    }
    await response.arrayBuffer();
  };
}
