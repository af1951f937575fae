/** HTML for the demo Worker. Every interpolation goes through Hono's `html`, which escapes it. */
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { ConsentPurpose, SessionInfo } from '../../../src/index.ts';

export type Theme = 'light' | 'dark';

/** What every page shows beside its content. */
export interface Look {
  theme: Theme;
  /** The consent banner: until the visitor has chosen. */
  banner: boolean;
  /** The browser sends Global Privacy Control. */
  gpc: boolean;
}

const GPC_NOTE =
  'Your browser sends Global Privacy Control: marketing cookies stay off, whatever you choose here.';

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

export function layout(look: Look, title: string, body: Html, notices: string[] = []): Html {
  return html`<!doctype html>
<html lang="en" data-theme="${look.theme}">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${title} · Tessera demo</title>
    <style>
      body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }
      [data-theme='dark'] body { background: #111; color: #eee; }
      [data-theme='dark'] a { color: #9cf; }
      .notice { padding: 0.5rem 1rem; border-left: 4px solid #4a4; background: #4a42; }
      nav a { margin-right: 1rem; }
      #consent-banner { padding: 0.5rem 1rem; border: 1px solid #888; border-radius: 4px; }
    </style>
  </head>
  <body>
    <nav><a href="/">Home</a><a href="/cart">Cart</a><a href="/devices">Devices</a><a href="/prefs?theme=light">Light</a><a href="/prefs?theme=dark">Dark</a><a href="/consent">Cookies</a></nav>
    ${look.banner ? banner(look.gpc) : ''}
    ${notices.map((notice) => html`<p class="notice" role="status">${notice}</p>`)}
    <main>${body}</main>
    <footer><p>Theme: <span id="theme">${look.theme}</span></p></footer>
  </body>
</html>`;
}

/** Until the visitor chooses, only necessary cookies are set (ePrivacy art. 5(3)); the choice is made on /consent. */
function banner(gpc: boolean): Html {
  return html`<aside id="consent-banner" aria-label="Cookies">
      <p>This demo would like to remember your theme (a <em>preferences</em> cookie) and to set a
        <em>marketing</em> test cookie. Until you choose, it sets only the cookies it needs.</p>
      ${gpc ? html`<p class="gpc-note">${GPC_NOTE}</p>` : ''}
      <p><a id="choose-cookies" href="/consent">Choose cookies</a></p>
    </aside>`;
}

/** The cookie choice: the current one, the two buttons, and the table of the site's cookies. */
export function consentPage(state: {
  purposes: readonly ConsentPurpose[] | null;
  gpc: boolean;
  table: string;
  csrf: string;
  forTheme: boolean;
}): Html {
  const choice =
    state.purposes === null
      ? 'not made yet'
      : state.purposes.length === 0
        ? 'declined'
        : `accepted (${state.purposes.join(', ')})`;
  return html`<h1>Cookies</h1>
    ${state.forTheme ? html`<p class="notice" id="consent-needed">To remember your theme, allow preferences cookies.</p>` : ''}
    <p>Your choice: <span id="consent-choice">${choice}</span></p>
    ${state.gpc ? html`<p class="gpc-note">${GPC_NOTE}</p>` : ''}
    <form method="post" action="/consent">
      <input type="hidden" name="_csrf" value="${state.csrf}" />
      <button type="submit" name="choice" value="all">Accept all</button>
      <button type="submit" name="choice" value="none">Decline</button>
    </form>
    <h2>The cookies of this site</h2>
    ${raw(state.table) /* cookiePolicyTable escapes every value */}`;
}

/** The home page; `csrf` is the session's token, for the logout form (logged-in visitors only). */
export function home(user: string | undefined, csrf: string): Html {
  return user
    ? html`<h1>Logged in as <span id="user">${user}</span></h1>${logoutForm(csrf)}`
    : html`<h1>You are not logged in</h1><p><a href="/login">Log in</a></p>`;
}

/** Logging out changes state, so it is a POST with the CSRF token: a cross-site link cannot log anyone out. */
function logoutForm(csrf: string): Html {
  return html`<form method="post" action="/logout">
      <input type="hidden" name="_csrf" value="${csrf}" />
      <button type="submit">Log out</button>
    </form>`;
}

/** What GET /logout shows: a question, not an action. */
export function confirmLogout(user: string, csrf: string): Html {
  return html`<h1>Log out <span id="user">${user}</span>?</h1>${logoutForm(csrf)}<p><a href="/">Stay logged in</a></p>`;
}

export function loginForm(csrf: string, problem?: string, next = '/'): Html {
  return html`<h1>Log in</h1>
    ${problem ? html`<p class="error" role="alert">${problem}</p>` : ''}
    <form method="post" action="/login">
      <input type="hidden" name="_csrf" value="${csrf}" />
      <input type="hidden" name="next" value="${next}" />
      <label>Username <input name="username" autocomplete="username" required maxlength="64" /></label>
      <label><input type="checkbox" name="remember" /> Remember me</label>
      <button type="submit">Log in</button>
    </form>`;
}

export function cartPage(items: string[], csrf: string): Html {
  return html`<h1>Cart</h1>
    ${items.length === 0 ? html`<p>Your cart is empty.</p>` : html`<ul id="items">${items.map((item) => html`<li>${item}</li>`)}</ul>`}
    <form method="post" action="/cart/add">
      <input type="hidden" name="_csrf" value="${csrf}" />
      <label>Item <input name="item" required maxlength="64" /></label>
      <button type="submit">Add</button>
    </form>`;
}

export function problemPage(look: Look, reason: string): Html {
  return layout(
    look,
    'Bad request',
    html`<h1>Bad request</h1><p id="reason">${reason}</p><p><a href="/">Back</a></p>`,
  );
}

/** A page for a server that is not set up right: says what to fix. Not for errors caused by the visitor. */
export function setupProblemPage(problem: string): Html {
  return layout(
    { theme: 'light', banner: false, gpc: false },
    'Server not set up',
    html`<h1>This server is not set up yet</h1><p id="reason">${problem}</p>`,
  );
}

/** "Your devices": each session of the user, this one marked, with a sign-out button for the others. */
export function devicesPage(sessions: SessionInfo[], csrf: string): Html {
  const when = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
  return html`<h1>Your devices</h1>
    <ul id="devices">
      ${sessions.map(
        (s) => html`<li data-current="${s.current ? 'yes' : 'no'}">
          ${String(s.meta?.browser ?? 'a browser')}, last seen ${when(s.lastSeenAt)} UTC${s.persistent ? ', remembered' : ''}${
            s.rotatedAt === undefined
              ? ''
              : html`, <span class="rotated">cookie value renewed at ${new Date(s.rotatedAt).toISOString().slice(11, 19)} UTC</span>`
          }${s.deviceBound ? html`, <span class="bound" title="Device Bound Session Credentials: a copied cookie stops working within minutes">bound to this device's key</span>` : ''}
          ${
            s.current
              ? html`<strong>(this device)</strong>`
              : html`<form method="post" action="/devices/revoke" style="display:inline">
                  <input type="hidden" name="_csrf" value="${csrf}" />
                  <input type="hidden" name="handle" value="${s.handle}" />
                  <button type="submit">Sign out</button>
                </form>`
          }
        </li>`,
      )}
    </ul>
    <form method="post" action="/devices/revoke-others">
      <input type="hidden" name="_csrf" value="${csrf}" />
      <button type="submit">Sign out everywhere else</button>
    </form>
    <p class="note">Each device keeps one entry however often its cookie's value is renewed (once a
      minute here, <code>rotation: { every: 60, grace: 10 }</code>): a copy of an older value, used more
      than 10 s after it was replaced, signs that device out on both sides.</p>
    <p class="note">A sign-out here is final at once: this demo keeps no read cache copy of the session
      in a cookie unless <code>SESSION_CACHE_MAX_AGE</code> is set. With one on the Durable Object store, a
      copied cookie pair would keep reading for up to that many seconds after a sign-out.</p>
    <p class="note" id="dbsc">Sessions marked <em>bound to this device's key</em> were registered by a
      browser that offers Device Bound Session Credentials (W3C DBSC, in Chrome): the browser keeps a
      private key in hardware and proves it every 10 minutes, so cookies copied off the device stop
      working within 10 minutes. Other browsers are not marked and work as before.</p>`;
}
