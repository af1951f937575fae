/**
 * The options tables of docs/sessions.md cannot drift from the code: their
 * names are the keys of `SessionManagerOptions` and `SessionCookieOptions`
 * as the compiler sees them, and every default they print as a value is the
 * one the manager resolves (an option whose default is described in words,
 * "none" or "required", must resolve to nothing).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSessionManager, MemoryStore } from '../src/index.ts';
import { resolveOptions } from '../src/session/options/options.ts';
import { docText } from './docs.ts';
import { propertiesOf } from './exports.ts';
import { root } from './run.ts';

const OPTIONS = join(root, 'src/session/options/options.ts');
const COOKIE_OPTIONS = join(root, 'src/session/options/cookie.ts');
const SECRET = 'a-secret-of-at-least-thirty-two-bytes-0123456789';

interface Row {
  name: string;
  default: string;
}

/** The tables under the page's "## Options" heading, in order, as rows of name and default. */
function optionTables(): Row[][] {
  const text = docText('docs/sessions.md');
  const section = text.slice(
    text.indexOf('\n## Options\n'),
    text.indexOf('\n## ', text.indexOf('\n## Options\n') + 1),
  );
  const tables = section.split(/\n\n/).filter((block) => block.startsWith('| option |'));
  return tables.map((table) => {
    const [header, , ...rows] = table.trim().split('\n');
    const columns = header!.split('|').map((cell) => cell.trim());
    const at = (name: string) => columns.indexOf(name);
    expect(columns).toEqual(['', 'option', 'type', 'default', 'unit', 'what it does', '']);
    return rows.map((row) => {
      const cells = row.split(/(?<!\\)\|/).map((cell) => cell.trim());
      return { name: cells[at('option')]!.replace(/^`|`$/g, ''), default: cells[at('default')]! };
    });
  });
}

/** A default printed as a value: `1800`, `'userId'`, `true`, `Date.now`; undefined for words. */
function printedValue(cell: string): { value: unknown } | undefined {
  const match = /^`([^`]+)`$/.exec(cell);
  if (!match) return undefined;
  const code = match[1]!;
  if (code === 'Date.now') return { value: Date.now };
  return { value: JSON.parse(code.replace(/^'(.*)'$/, '"$1"')) };
}

describe('docs/sessions.md options', () => {
  const [manager, cookie] = optionTables();

  it('has the manager table and the cookie table', () => {
    expect(manager?.length).toBeGreaterThan(0);
    expect(cookie?.length).toBeGreaterThan(0);
  });

  it('names exactly the keys of SessionManagerOptions and SessionCookieOptions', () => {
    expect(manager!.map((row) => row.name).sort()).toEqual(propertiesOf(OPTIONS, 'SessionManagerOptions'));
    expect(cookie!.map((row) => row.name).sort()).toEqual(
      propertiesOf(COOKIE_OPTIONS, 'SessionCookieOptions'),
    );
  });

  it('prints the defaults the manager resolves', async () => {
    const resolved = resolveOptions({ secrets: [SECRET] }, () => new MemoryStore());
    // What each option resolves to when it is not given, in the option's own unit.
    const actual: Record<string, unknown> = {
      idleTimeout: resolved.idleMs / 1000,
      absoluteTimeout: resolved.absoluteMs / 1000,
      touchInterval: resolved.touchIntervalMs / 1000,
      userField: resolved.userField,
      now: resolved.now,
      metadata: resolved.metadata,
      maxSessionsPerUser: resolved.maxSessionsPerUser,
      hookMode: resolved.hooks.mode,
      sessionToken: resolved.transport.header,
      readCache: resolved.readCache,
      crossOrigin: resolved.crossOrigin.protect ? 'protect' : 'allow',
      trustProxy: resolved.trustProxy,
    };
    // Described in words: required, made per manager, a table of its own, a wrapper that logs.
    const described = new Set(['secrets', 'store', 'cookie', 'hooks', 'onHookError', 'trustedOrigins']);
    for (const row of manager!) {
      const printed = printedValue(row.default);
      if (printed) expect(printed.value, row.name).toBe(actual[row.name]);
      else if (!described.has(row.name))
        expect(actual[row.name], `${row.name}: ${row.default}`).toBeUndefined();
      else expect(row.name in actual, row.name).toBe(false);
    }

    // The cookie: what a response to an https request carries by default.
    const sessions = createSessionManager<{ n?: number }>({ secrets: [SECRET] });
    const session = sessions.load(new Request('https://example.com/'));
    session.set('n', 1);
    const line = (await sessions.commit(session, new Response('ok'))).headers.getSetCookie()[0]!;
    const attributes = new Map(
      line.split('; ').map((part, i) => {
        const [key, value = ''] = i === 0 ? ['name', part.split('=')[0]!] : part.split('=');
        return [key!.toLowerCase(), value] as const;
      }),
    );
    const cookieActual: Record<string, unknown> = {
      name: attributes.get('name'),
      secure: attributes.has('secure'),
      httpOnly: attributes.has('httponly'),
      path: attributes.get('path'),
      sameSite: attributes.get('samesite'),
      domain: attributes.get('domain'),
      partitioned: attributes.has('partitioned') || undefined,
      priority: attributes.get('priority'),
      persistent: attributes.has('max-age'),
    };
    for (const row of cookie!) {
      const printed = printedValue(row.default);
      if (printed) expect(printed.value, `cookie.${row.name}`).toBe(cookieActual[row.name]);
      else expect(cookieActual[row.name], `cookie.${row.name}: ${row.default}`).toBeUndefined();
    }
  });
});
