/**
 * createConsent: the signed record (read, grant, withdraw, set, clear) and
 * the check that keeps cookies without consent off responses. Runs on Node
 * and inside workerd.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CONSENT_PURPOSES,
  cookiePolicyRows,
  cookiePolicyTable,
  cookieReport,
  createConsent,
  createCookie,
  createKeyring,
  createSessionManager,
  MemoryStore,
  setCookie,
  sign,
  type ConsentOptions,
  type CookiePurpose,
} from '../../src/index.ts';
import { SECRET_A, SECRET_B, singleCharacterEdits } from '../crypto/helpers.ts';

const BASE = 'https://shop.example';
const theme = createCookie<string>('c_theme', {
  secrets: SECRET_A,
  purpose: 'preferences',
  path: '/',
  maxAge: 365 * 24 * 60 * 60,
  description: 'Remembers your <theme> & colours',
});
const AD = {
  name: 'c_ad',
  purpose: 'marketing',
  path: '/',
  domain: 'shop.example',
  maxAge: 30 * 86_400,
} as const;
const GA = { name: 'c_ga', purpose: 'analytics', maxAge: 7200 } as const;

function make(options: Partial<ConsentOptions> = {}) {
  return createConsent({
    secrets: SECRET_A,
    policyVersion: '2025-06',
    cookies: [theme, AD, GA],
    onBlocked: 'silent',
    ...options,
  });
}

/** A request carrying the cookies (name=value pairs) of earlier responses. */
function request(cookies: string[] = [], headers: Record<string, string> = {}, path = '/'): Request {
  const cookie = cookies.join('; ');
  return new Request(new URL(path, BASE), { headers: cookie ? { ...headers, cookie } : headers });
}

/** The name=value pairs a response sets (deletions dropped), as a browser would keep them. */
const pairs = (response: Response | Headers) =>
  ('headers' in response ? response.headers : response)
    .getSetCookie()
    .filter((line) => !/Max-Age=0/.test(line))
    .map((line) => line.split(';')[0]!);
const names = (response: Response) => response.headers.getSetCookie().map((line) => line.split('=')[0]);

/** The consent cookie pair after recording `purposes`. */
async function consentCookie(consent = make(), purposes: CookiePurpose[] = [...CONSENT_PURPOSES]) {
  const headers = new Headers();
  await consent.set(headers, purposes);
  return pairs(headers).find((pair) => pair.startsWith('consent='))!;
}

/** A response that tries to set every kind of cookie. */
async function everything(): Promise<Response> {
  const response = new Response('page');
  response.headers.append('set-cookie', await theme.serialize('dark'));
  setCookie(response, 'c_ad', 'campaign', { path: '/', domain: 'shop.example' });
  setCookie(response, 'c_ga', 'GA1.2', {});
  setCookie(response, '__Host-sid', 'session', { secure: true, path: '/' });
  setCookie(response, 'c_old', '', { maxAge: 0, purpose: 'marketing' });
  return response;
}

afterEach(() => vi.restoreAllMocks());

describe('createConsent options', () => {
  it('throws at construction for misconfiguration, naming the option', () => {
    const bad: [Partial<ConsentOptions>, RegExp][] = [
      [{ secrets: undefined as unknown as string }, /option secrets is required/],
      [{ secrets: 'short' }, /option secrets .*32 bytes/],
      [{ policyVersion: '' }, /option policyVersion/],
      [{ policyVersion: 'x'.repeat(65) }, /option policyVersion/],
      [{ gpc: ['necessary'] as unknown as ['marketing'] }, /option gpc/],
      [{ gpc: 'marketing' as unknown as ['marketing'] }, /option gpc/],
      [{ undeclared: 'drop' as 'block' }, /option undeclared/],
      [{ onBlocked: 'log' as 'warn' }, /option onBlocked/],
      [{ reportHeader: 'bad header' }, /option reportHeader/],
      [{ cookies: {} as [] }, /option cookies must be an array/],
      [{ cookies: [{ name: 'c_x', purpose: 'ads' as 'marketing' }] }, /option cookies\[0\]\.purpose/],
      [{ cookies: [{ name: 'c_y', purpose: 'analytics', path: 'no-slash' }] }, /option cookies\[0\].*path/],
      [
        { cookies: [{ name: 'c_ad', purpose: 'analytics' }] },
        /"c_ad" is already declared with purpose "marketing"/,
      ],
      [{ cookies: [{ name: 'c_z', purpose: 'analytics', maxAge: 1.5 }] }, /option cookies\[0\] maxAge/],
      [{ cookie: { path: 'x' } }, /option cookie is invalid/],
    ];
    for (const [options, message] of bad) expect(() => make(options), String(message)).toThrow(message);
    expect(() => createConsent(undefined as unknown as ConsentOptions)).toThrow(/options are required/);
  });

  it('declares the consent cookie as necessary and lists it first', () => {
    const consent = make({ cookie: { name: 'c_choice' } });
    expect(consent.cookieName).toBe('c_choice');
    expect(consent.cookies.map((c) => [c.name, c.purpose])).toEqual([
      ['c_choice', 'necessary'],
      ['c_theme', 'preferences'],
      ['c_ad', 'marketing'],
      ['c_ga', 'analytics'],
    ]);
    expect(consent.gpc).toEqual(['marketing']);
  });
});

describe('the consent record', () => {
  it('set, then read: purposes, time and policy version; necessary is never recorded', async () => {
    const consent = make();
    const before = Date.now();
    const headers = new Headers();
    const record = await consent.set(headers, ['analytics', 'necessary', 'preferences', 'analytics']);
    expect(record.purposes).toEqual(['preferences', 'analytics']);
    const line = headers.getSetCookie().find((l) => l.startsWith('consent='))!;
    expect(line).toMatch(/; Max-Age=15552000; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    const read = await consent.read(request(pairs(headers)));
    expect(read).toEqual({ purposes: ['preferences', 'analytics'], at: record.at, policyVersion: '2025-06' });
    expect(read!.at).toBeGreaterThanOrEqual(before);
  });

  it('absent, tampered, renamed or re-spelled: no consent', async () => {
    const consent = make();
    const pair = await consentCookie(consent);
    expect(await consent.read(request())).toBeNull();
    const value = pair.slice('consent='.length);
    for (const edit of singleCharacterEdits(value).filter((_, i) => i % 7 === 0))
      expect(await consent.read(request([`consent=${edit}`]))).toBeNull();
    expect(await consent.read(request([`other=${value}`]))).toBeNull();
    expect(await consent.read(request([`consent="${value}"`]))).toBeNull();
    expect(await consent.read(request([`consent=${value.replace('%22', '%2522')}`]))).toBeNull();
    expect(await consent.read(request(['consent=garbage']))).toBeNull();
  });

  it('another secret, an expired record or another policy version: no consent', async () => {
    const pair = await consentCookie();
    expect(await make({ secrets: SECRET_B }).read(request([pair]))).toBeNull();
    expect(await make({ policyVersion: '2026-01' }).read(request([pair]))).toBeNull();
    expect(await make({ policyVersion: '2026-01' }).allowed(request([pair]))).toEqual(new Set(['necessary']));
    expect(await make({ secrets: [SECRET_B, SECRET_A] }).read(request([pair]))).not.toBeNull(); // rotation
    vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 181 * 86_400_000);
    expect(
      await make({ secrets: createKeyring(SECRET_A, { memoSize: 0 }) }).read(request([pair])),
    ).toBeNull();
  });

  it('a validly signed value of the wrong shape: no consent', async () => {
    const keyring = createKeyring(SECRET_A);
    const consent = make({ secrets: keyring });
    const shapes = [
      [],
      'yes',
      null,
      { v: '2025-06', p: ['necessary'], t: 1 },
      { v: '2025-06', p: ['ads'], t: 1 },
      { v: '2025-06', p: 'analytics', t: 1 },
      { v: '2025-06', p: [], t: -1 },
      { v: '2025-06', p: [], t: 'now' },
      { v: 2025, p: [], t: 1 },
      { p: [], t: 1 },
    ];
    for (const shape of shapes) {
      const value = await sign(keyring, 'consent', JSON.stringify(shape));
      expect(
        await consent.read(request([`consent=${encodeURIComponent(value)}`])),
        JSON.stringify(shape),
      ).toBeNull();
    }
    const good = await sign(keyring, 'consent', JSON.stringify({ v: '2025-06', p: ['marketing'], t: 5 }));
    expect(await consent.read(request([`consent=${encodeURIComponent(good)}`]))).toMatchObject({
      purposes: ['marketing'],
    });
  });

  it('grant adds to the stored choice; withdraw removes and deletes those cookies with their Path and Domain', async () => {
    const consent = make();
    const granted = new Headers();
    await consent.grant(request([await consentCookie(consent, ['analytics'])]), granted, ['marketing']);
    expect((await consent.read(request(pairs(granted))))!.purposes).toEqual(['analytics', 'marketing']);

    const withdrawn = new Headers();
    const record = await consent.withdraw(request(pairs(granted)), withdrawn, [
      'marketing',
      'bogus' as 'analytics',
    ]);
    expect(record.purposes).toEqual(['analytics']);
    expect(withdrawn.getSetCookie()).toContain('c_ad=; Max-Age=0; Domain=shop.example; Path=/');
    expect(withdrawn.getSetCookie().some((l) => l.startsWith('c_ga=') || l.startsWith('c_theme='))).toBe(
      false,
    );
    expect((await consent.read(request(pairs(withdrawn))))!.purposes).toEqual(['analytics']);
  });

  it('set records exactly its purposes and deletes the cookies of the others; clear forgets everything', async () => {
    const consent = make();
    const declined = new Headers();
    expect((await consent.set(declined, [])).purposes).toEqual([]);
    expect(
      declined
        .getSetCookie()
        .filter((l) => /Max-Age=0/.test(l))
        .map((l) => l.split('=')[0]),
    ).toEqual(['c_theme', 'c_ad', 'c_ga']);
    expect(await consent.read(request(pairs(declined)))).toMatchObject({ purposes: [] }); // declined is a choice
    const cleared = new Headers();
    consent.clear(cleared);
    expect(cleared.getSetCookie()).toEqual([
      'c_theme=; Max-Age=0; Path=/',
      'c_ad=; Max-Age=0; Domain=shop.example; Path=/',
      'c_ga=; Max-Age=0',
      'consent=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax',
    ]);
  });
});

describe('allowed purposes and Sec-GPC', () => {
  it('necessary always; the rest as recorded; Sec-GPC: 1 withdraws the mapped purposes whatever was recorded', async () => {
    const pair = await consentCookie();
    const consent = make();
    expect(await consent.allowed(request())).toEqual(new Set(['necessary']));
    expect(await consent.allowed(request([pair]))).toEqual(new Set(['necessary', ...CONSENT_PURPOSES]));
    expect(await consent.allowed(request([pair], { 'sec-gpc': '1' }))).toEqual(
      new Set(['necessary', 'preferences', 'analytics']),
    );
    const sharing = make({ gpc: ['marketing', 'analytics'] });
    expect(await sharing.allowed(request([pair], { 'sec-gpc': '1' }))).toEqual(
      new Set(['necessary', 'preferences']),
    );
    for (const value of ['0', 'true', '', '1, 1'])
      expect((await consent.allowed(request([pair], { 'sec-gpc': value }))).has('marketing'), value).toBe(
        true,
      );
  });
});

describe('enforce', () => {
  it('without consent only necessary, undeclared cookies and deletions leave', async () => {
    const response = await make().enforce(request(), await everything());
    expect(names(response)).toEqual(['__Host-sid', 'c_old']);
    expect(cookieReport(response)).toEqual([
      { name: 'c_theme', purpose: 'preferences', outcome: 'blocked', reason: 'not-granted' },
      { name: 'c_ad', purpose: 'marketing', outcome: 'blocked', reason: 'not-granted' },
      { name: 'c_ga', purpose: 'analytics', outcome: 'blocked', reason: 'not-granted' },
      { name: '__Host-sid', purpose: 'necessary', outcome: 'sent' },
      { name: 'c_old', purpose: 'marketing', outcome: 'deleted' },
    ]);
  });

  it('an Expires a browser reads as no date (Expires=0, an ISO date) is no deletion: held back without consent', async () => {
    for (const expires of ['0', '1970-01-01']) {
      const response = new Response('page');
      response.headers.append('set-cookie', `c_ga=1; Expires=${expires}; Path=/`);
      const sent = await make().enforce(request(), response);
      expect(sent.headers.getSetCookie(), expires).toEqual([]);
    }
  });

  it('sends what was granted; with Sec-GPC: 1 never marketing, reported as gpc', async () => {
    const consent = make();
    const some = await consent.enforce(
      request([await consentCookie(consent, ['preferences'])]),
      await everything(),
    );
    expect(names(some)).toEqual(['c_theme', '__Host-sid', 'c_old']);
    const all = await consentCookie(consent);
    expect(names(await consent.enforce(request([all]), await everything()))).toEqual([
      'c_theme',
      'c_ad',
      'c_ga',
      '__Host-sid',
      'c_old',
    ]);
    const gpc = await consent.enforce(request([all], { 'Sec-GPC': '1' }), await everything());
    expect(names(gpc)).toEqual(['c_theme', 'c_ga', '__Host-sid', 'c_old']);
    expect(cookieReport(gpc)).toContainEqual({
      name: 'c_ad',
      purpose: 'marketing',
      outcome: 'blocked',
      reason: 'gpc',
    });
    for (const value of ['0', 'true', ' 1 , 1'])
      expect(
        names(await consent.enforce(request([all], { 'sec-gpc': value }), await everything())),
      ).toContain('c_ad');
  });

  it('a choice made in this response applies to it: set, then the cookie; clear, then nothing', async () => {
    const consent = make();
    const accepted = await everything();
    await consent.set(accepted, ['preferences']);
    // set() replaced the handler's c_ad and c_ga lines with deletions; the theme it granted leaves.
    const sent = await consent.enforce(request(), accepted);
    expect(pairs(sent).map((pair) => pair.split('=')[0])).toEqual(['c_theme', '__Host-sid', 'consent']);
    expect(names(sent)).toEqual(['c_theme', '__Host-sid', 'c_old', 'c_ad', 'c_ga', 'consent']);
    const all = await consentCookie(consent);
    const cleared = await everything();
    consent.clear(cleared);
    expect(pairs(await consent.enforce(request([all]), cleared))).toEqual(['__Host-sid=session']);
  });

  it('deletes declared cookies the request carries without consent (GPC, withdrawn, another policy version)', async () => {
    const consent = make();
    const all = await consentCookie(consent);
    const carried = ['c_ad=campaign', 'c_theme=x', 'c_ga=y'];
    const gpc = await consent.enforce(request([all, ...carried], { 'sec-gpc': '1' }), new Response('x'));
    expect(gpc.headers.getSetCookie()).toEqual(['c_ad=; Max-Age=0; Domain=shop.example; Path=/']);
    expect(cookieReport(gpc)).toEqual([{ name: 'c_ad', purpose: 'marketing', outcome: 'deleted' }]);
    const newPolicy = make({ policyVersion: '2026-01' });
    expect(names(await newPolicy.enforce(request([all, ...carried]), new Response('x')))).toEqual([
      'c_theme',
      'c_ad',
      'c_ga',
    ]);
    expect(
      (await consent.enforce(request([all, ...carried]), new Response('x'))).headers.getSetCookie(),
    ).toEqual([]);
  });

  it('leaves a response without cookies untouched and reads no consent', async () => {
    const consent = make({ reportHeader: 'x-cookies' });
    const response = new Response('plain', { headers: { 'x-a': '1' } });
    const spy = vi.spyOn(crypto.subtle, 'verify');
    expect(await consent.enforce(request([await consentCookie(consent)]), response)).toBe(response);
    expect(spy).not.toHaveBeenCalled();
    expect(response.headers.get('x-cookies')).toBeNull();
    expect(cookieReport(response)).toEqual([]);
    expect(cookieReport(new Response('never checked'))).toBeUndefined();
  });

  it('copies a response with immutable headers and keeps status, Location and the body', async () => {
    /** Headers that refuse changes, like those of Response.redirect() or a fetch() response. */
    class ImmutableHeaders extends Headers {
      override append(): void {
        throw new TypeError('immutable');
      }
      override delete(): void {
        throw new TypeError('immutable');
      }
      override set(): void {
        throw new TypeError('immutable');
      }
    }
    const headers = new ImmutableHeaders([
      ['location', '/next'],
      ['set-cookie', 'c_ga=1'],
      ['set-cookie', 'c_keep=1'],
    ]);
    // Shaped like the Response it stands for: runtimes copy a response through these fields.
    const response = {
      status: 303,
      statusText: 'See Other',
      headers,
      body: new Response('moved').body,
    } as unknown as Response;
    const copy = await make().enforce(request(), response);
    expect(copy).not.toBe(response);
    expect(copy.status).toBe(303);
    expect(copy.headers.get('location')).toBe('/next');
    expect(copy.headers.getSetCookie()).toEqual(['c_keep=1']);
    expect(await copy.text()).toBe('moved');
    expect(cookieReport(copy)).toHaveLength(2);
    const redirect = Response.redirect(`${BASE}/next`, 303);
    expect(await make().enforce(request(), redirect)).toBe(redirect); // nothing to change: not copied
  });

  it('undeclared: "block" sends only declared cookies (necessary ones included)', async () => {
    const strict = make({ undeclared: 'block', cookies: [theme, { name: 'c_sid', purpose: 'necessary' }] });
    const response = new Response('x');
    setCookie(response, 'c_sid', 's');
    setCookie(response, 'c_unknown', 'u');
    await strict.set(response, ['preferences']);
    response.headers.append('set-cookie', await theme.serialize('dark'));
    const sent = await strict.enforce(request(), response);
    expect(names(sent)).toEqual(['c_sid', 'consent', 'c_theme']);
    expect(cookieReport(sent)).toContainEqual({
      name: 'c_unknown',
      purpose: 'necessary',
      outcome: 'blocked',
      reason: 'undeclared',
    });
  });

  it('onBlocked: a function hears each drop; "warn" warns once per cookie and reason; a throwing logger fails nothing', async () => {
    const heard: string[] = [];
    const listening = make({
      onBlocked: ({ name, purpose, reason, request }) =>
        heard.push(`${name} ${purpose} ${reason} ${request.url}`),
    });
    await listening.enforce(request(), await everything());
    expect(heard).toEqual([
      `c_theme preferences not-granted ${BASE}/`,
      `c_ad marketing not-granted ${BASE}/`,
      `c_ga analytics not-granted ${BASE}/`,
    ]);

    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const warning = make({ onBlocked: 'warn' });
    for (let i = 0; i < 3; i++) await warning.enforce(request(), await everything());
    expect(warn).toHaveBeenCalledTimes(3);
    expect(warn.mock.calls.flat().join('\n')).toContain('did not send cookie "c_ad" (purpose marketing)');
    await warning.enforce(request([await consentCookie(warning)], { 'sec-gpc': '1' }), await everything());
    expect(warn).toHaveBeenCalledTimes(4);
    expect(warn.mock.calls.at(-1)![0]).toMatch(/"c_ad".*Sec-GPC: 1/);

    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const failing = make({
      onBlocked: () => {
        throw new Error('logger down');
      },
    });
    expect(names(await failing.enforce(request(), await everything()))).toEqual(['__Host-sid', 'c_old']);
    expect(error).toHaveBeenCalled();
    warn.mockClear();
    await make({ onBlocked: 'silent' }).enforce(request(), await everything());
    expect(warn).not.toHaveBeenCalled();
  });

  it('reportHeader lists each cookie with its purpose and outcome', async () => {
    const response = await make({ reportHeader: 'x-cookies' }).enforce(request(), await everything());
    expect(response.headers.get('x-cookies')).toBe(
      'c_theme=preferences;blocked=not-granted, c_ad=marketing;blocked=not-granted, ' +
        'c_ga=analytics;blocked=not-granted, __Host-sid=necessary, c_old=marketing;deleted',
    );
  });

  it('never sends a cookie whose purpose is not allowed, whatever the lines, consent and GPC (property)', async () => {
    const consent = make();
    const tokens = new Map<string, string>();
    for (const purposes of [[], ['preferences'], ['marketing'], [...CONSENT_PURPOSES]] as CookiePurpose[][])
      tokens.set(purposes.join(','), await consentCookie(consent, purposes));
    const line = fc.record({
      name: fc.constantFrom('c_theme', 'c_ad', 'c_ga', 'sid', 'other'),
      deletion: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { maxLength: 6 }),
        fc.constantFrom(...tokens.keys(), 'none', 'tampered'),
        fc.constantFrom(undefined, '1', '0', '1, 1'),
        async (lines, choice, gpc) => {
          const response = new Response('x');
          for (const { name, deletion } of lines)
            response.headers.append('set-cookie', deletion ? `${name}=; Max-Age=0` : `${name}=v`);
          const cookies =
            choice === 'none' ? [] : choice === 'tampered' ? ['consent=x.y'] : [tokens.get(choice)!];
          const req = request(cookies, gpc === undefined ? {} : { 'sec-gpc': gpc });
          const allowed = await consent.allowed(req);
          const sent = await consent.enforce(req, response);
          const purposeOf = (name: string) =>
            (consent.cookies.find((c) => c.name === name)?.purpose ?? 'necessary') as CookiePurpose;
          for (const kept of sent.headers.getSetCookie()) {
            const name = kept.split('=')[0]!;
            expect(/Max-Age=0/.test(kept) || allowed.has(purposeOf(name)), kept).toBe(true);
          }
          // Every deletion the app sent still leaves.
          const deletions = lines.filter((l) => l.deletion).length;
          expect(sent.headers.getSetCookie().filter((l) => /Max-Age=0/.test(l)).length).toBe(deletions);
          if (gpc === '1')
            expect(sent.headers.getSetCookie().some((l) => l.startsWith('c_ad=v'))).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('handle', () => {
  it('wraps a fetch handler, sessions.handle included: the session cookie leaves, analytics without consent does not', async () => {
    const consent = make();
    const sessions = createSessionManager<{ n?: number }, { env: { tag: string } }>({
      secrets: [SECRET_A],
      store: new MemoryStore(),
    });
    const app = consent.handle(
      sessions.handle(async (_request, env, _ctx, session) => {
        session.increment('n');
        const response = new Response(env.tag);
        setCookie(response, 'c_ga', 'GA1', {});
        return response;
      }),
    );
    const response = await app(request(), { tag: 'env passed' }, {});
    expect(await response.text()).toBe('env passed');
    expect(names(response)).toEqual(['__Host-sid']);
    const granted = await app(request([await consentCookie(consent, ['analytics'])]), { tag: '' }, {});
    expect(names(granted).sort()).toEqual(['__Host-sid', 'c_ga']);
  });
});

describe('the cookie policy table', () => {
  it('lists declared cookies, necessary first, with lifetimes in words, escaped', () => {
    const consent = make({
      cookies: [AD, theme, GA, { name: 'c_until', purpose: 'analytics' }],
    });
    expect(cookiePolicyRows(consent)).toEqual([
      {
        name: 'consent',
        purpose: 'necessary',
        category: 'Strictly necessary',
        description: 'Remembers your cookie choices.',
        lifetime: '180 days',
      },
      {
        name: 'c_theme',
        purpose: 'preferences',
        category: 'Preferences',
        description: 'Remembers your <theme> & colours',
        lifetime: '1 year',
      },
      { name: 'c_ga', purpose: 'analytics', category: 'Analytics', description: '', lifetime: '2 hours' },
      {
        name: 'c_until',
        purpose: 'analytics',
        category: 'Analytics',
        description: '',
        lifetime: 'Until you close the browser',
      },
      { name: 'c_ad', purpose: 'marketing', category: 'Marketing', description: '', lifetime: '30 days' },
    ]);
    const table = cookiePolicyTable(consent);
    expect(table).toMatch(/^<table class="cookie-policy"><thead>.*<\/table>$/);
    expect(table).toContain('<td>Remembers your &lt;theme&gt; &amp; colours</td>');
    expect(table).not.toContain('<theme>');
    expect(table.match(/<tr>/g)).toHaveLength(6);
  });
});
