/**
 * `tesserajs/react-router` inside workerd on the test Worker's Durable Object
 * binding: the contract (contract.ts), the store taken from `env` as a React
 * Router app on Workers does, and the atomic patches under load.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createTesseraSessionStorage } from '../../src/react-router/index.ts';
import { DurableObjectStore } from '../../src/stores/durable-object.ts';
import { SECRET } from '../session/helpers.ts';
import { appScenario, buildApp } from './app.ts';
import { storageContract } from './contract.ts';
import { tesseraGuarantees } from './guarantees.ts';
import { Browser } from './helpers.ts';

storageContract('Durable Objects', () => new DurableObjectStore(env.SESSIONS_DO));
tesseraGuarantees('Durable Objects', () => new DurableObjectStore(env.SESSIONS_DO));

type Env = typeof env;
type Counts = Record<`k${number}`, number> & { userId?: string };

describe('createTesseraSessionStorage on Durable Objects, store from env', () => {
  const storage = createTesseraSessionStorage<Counts, Counts, Env>({
    secrets: SECRET,
    store: (bindings) => new DurableObjectStore(bindings.SESSIONS_DO),
  });

  it('a React Router app, through its request handler: log in, flash, tamper, log out, replay', async () => {
    const sessions = createTesseraSessionStorage<{ userId?: string }, { notice?: string }, Env>({
      secrets: SECRET,
      store: (bindings) => new DurableObjectStore(bindings.SESSIONS_DO),
    });
    await appScenario(
      buildApp<Env>((bindings) => sessions.withEnv(bindings)),
      env,
    );
  });

  it('20 concurrent commits, each setting its own key on one session: all 20 survive', async () => {
    const { getSession, commitSession } = storage.withEnv(env);
    const browser = new Browser();
    const first = await getSession(null);
    first.set('userId', `racer-${crypto.randomUUID()}`);
    browser.keep(await commitSession(first));
    const sessions = await Promise.all(Array.from({ length: 20 }, () => getSession(browser.cookie)));
    sessions.forEach((session, i) => session.set(`k${i}`, i));
    await Promise.all(sessions.map((session) => commitSession(session)));
    const data = (await getSession(browser.cookie)).data;
    for (let i = 0; i < 20; i++) expect(data[`k${i}`]).toBe(i);
  });

  it('signing out everywhere (deleteByUser) ends every session of the user at once', async () => {
    const { getSession, commitSession } = storage.withEnv(env);
    const user = `grace-${crypto.randomUUID()}`;
    const devices = [new Browser(), new Browser(), new Browser()];
    for (const device of devices) {
      const session = await getSession(null);
      session.set('userId', user);
      device.keep(await commitSession(session));
    }
    const store = new DurableObjectStore(env.SESSIONS_DO);
    expect(await store.listByUser(user)).toHaveLength(3);
    expect(await store.deleteByUser(user)).toBe(3);
    for (const device of devices) expect((await getSession(device.cookie)).get('userId')).toBeUndefined();
  });
});
