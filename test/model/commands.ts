/** The model's commands (test/model/model.ts): what browsers, thieves and the clock do, each checked against the model. */
import fc from 'fast-check';
import { expect } from 'vitest';
import { beforeRequest, copiedBinding, thiefRefresh } from './dbsc.ts';
import {
  absorb,
  carriesReplacedValue,
  carriesReusedValue,
  checkRead,
  end,
  increment,
  loggedIn,
  noteEvictions,
  observe,
  observeAndCheck,
  request,
  requestOf,
  USERS,
  type Modelled,
  type ModelOptions,
  type ModelWorld,
} from './world.ts';

type Command = fc.AsyncCommand<object, ModelWorld>;
const command = (
  name: string,
  run: (world: ModelWorld) => Promise<void>,
  check: (world: ModelWorld) => boolean = () => true,
): Command => ({
  check: () => true,
  run: async (_m, world) => (check(world) ? run(world) : undefined),
  toString: () => name,
});

export function commands(options: ModelOptions) {
  const browser = fc.nat({ max: 2 });
  const thief = fc.nat({ max: 5 });
  const user = fc.constantFrom(...USERS);
  const thiefRead = thief.map((t) =>
    command(
      `thiefRead(${t})`,
      async (world) => {
        const holder = world.thieves[t % world.thieves.length]!;
        await observeAndCheck(world, holder);
      },
      (world) => world.thieves.length > 0,
    ),
  );
  const list: fc.Arbitrary<Command>[] = [
    fc.tuple(browser, user).map(([b, u]) =>
      command(`login(${b}, ${u})`, async (world) => {
        const holder = world.browsers[b]!;
        const before = holder.session;
        const since = world.clock.time;
        const replaced = carriesReplacedValue(world, holder);
        await request(world, holder, async (s) => {
          await s.regenerate();
          s.set('userId', u);
        });
        // Checked after the request: a reused cookie value ends its session in it (rotation),
        // and one in grace starts a new session, leaving the old one to the current value's holder.
        const alive = before !== undefined && before.endedAt === undefined && !replaced;
        // The data moves with a live session; one that ended is not carried over.
        if (alive) end(world, before);
        const session: Modelled = {
          user: u,
          n: alive ? before.n : 0,
          ...(await loggedIn(world, holder, since)),
        };
        world.sessions.push(session);
        holder.session = session;
        await noteEvictions(world, u, holder);
      }),
    ),
    browser.map((b) =>
      command(`write(${b})`, async (world) => {
        const holder = world.browsers[b]!;
        await increment(world, holder);
      }),
    ),
    browser.map((b) =>
      command(`read(${b})`, async (world) => {
        const holder = world.browsers[b]!;
        await observeAndCheck(world, holder);
      }),
    ),
    browser.map((b) =>
      command(`logout(${b})`, async (world) => {
        const holder = world.browsers[b]!;
        await request(world, holder, (s) => s.destroy());
        end(world, holder.session);
        holder.session = undefined;
      }),
    ),
    browser.map((b) =>
      command(`steal(${b})`, async (world) => {
        const holder = world.browsers[b]!;
        if (holder.session !== undefined) holder.session.stolen = true;
        world.thieves.push({
          jar: holder.jar.clone(),
          thief: true,
          location: 'elsewhere',
          session: holder.session,
          ...copiedBinding(world, holder),
        });
      }),
    ),
    thiefRead,
    thief.map((t) =>
      command(
        `thiefRegenerate(${t})`,
        async (world) => {
          const holder = world.thieves[t % world.thieves.length]!;
          const before = holder.session;
          const since = world.clock.time;
          const replaced = carriesReplacedValue(world, holder);
          const renewed = await request(world, holder, async (s) => {
            if ((await s.get('userId')) === undefined) return false;
            await s.regenerate();
            return true;
          });
          if (!renewed) return;
          const alive = before !== undefined && before.endedAt === undefined && !replaced;
          if (alive && before.user !== undefined) {
            end(world, before);
            const { endedAt: _ended, ...rest } = before;
            const moved: Modelled = { ...rest, ...(await loggedIn(world, holder, since)) };
            world.sessions.push(moved);
            holder.session = moved;
          } else {
            // Regenerated from a copy of an ended session: never carries the user.
            const seen = await observe(world, holder);
            expect(seen.user, 'a copied pair regenerated an ended session').toBeUndefined();
            holder.session = undefined;
          }
        },
        (world) => world.thieves.length > 0,
      ),
    ),
    browser.map((b) =>
      command(`revokeOthers(${b})`, async (world) => {
        const holder = world.browsers[b]!;
        const session = holder.session;
        if (session === undefined || session.endedAt !== undefined || session.user === undefined) return;
        await world.manager.revokeUserSessions(session.user, {
          except: session.handle,
          request: requestOf(holder),
        });
        for (const other of world.sessions)
          if (other.user === session.user && other !== session) end(world, other);
      }),
    ),
    fc.tuple(browser, browser).map(([b, target]) =>
      command(`revokeSession(${b} → ${target})`, async (world) => {
        const holder = world.browsers[b]!;
        const victim = world.browsers[target]!.session;
        if (holder.session?.user === undefined || victim === undefined) return;
        // A cookie value rotated past grace ago no longer proves the user (the session ends when it commits).
        const reused = carriesReusedValue(world, holder);
        await beforeRequest(world, holder);
        const current = world.manager.load(requestOf(holder));
        const revoked = await world.manager.revokeSession(victim.handle, { current });
        const mine = victim.user === holder.session.user && victim.endedAt === undefined && !reused;
        // Elsewhere on an eventually consistent store, a recent session may not be seen yet.
        if (holder.session.endedAt === undefined && !world.eventual) expect(revoked).toBe(mine);
        if (revoked) end(world, victim);
      }),
    ),
    fc
      .integer({ min: 1, max: 40 })
      .map((seconds) => command(`advance(${seconds})`, async (world) => world.clock.advance(seconds))),
    // A slow read that loaded before a write of the same browser and answers after it.
    browser.map((b) =>
      command(`slowRead(${b})`, async (world) => {
        const holder = world.browsers[b]!;
        await beforeRequest(world, holder);
        const slow = world.manager.load(requestOf(holder));
        await slow.get('n');
        await increment(world, holder);
        absorb(world, holder, await world.manager.commit(slow, new Response()));
        checkRead(world, holder, await observe(world, holder));
      }),
    ),
  ];
  if (options.atomic) {
    list.push(
      browser.map((b) =>
        command(`overlappingWrites(${b})`, async (world) => {
          const holder = world.browsers[b]!;
          const session = holder.session;
          // (Two writes with a replaced value would each start a new session once grace has passed,
          // which the engine's clock may see a little before the model's margin: not modelled here.)
          if (session === undefined || session.endedAt !== undefined || carriesReplacedValue(world, holder))
            return;
          await beforeRequest(world, holder);
          const [first, second] = [requestOf(holder), requestOf(holder)].map((r) => world.manager.load(r));
          first!.increment('n');
          second!.increment('n');
          const responses = await Promise.all([
            world.manager.commit(first!, new Response()),
            world.manager.commit(second!, new Response()),
          ]);
          for (const response of responses) absorb(world, holder, response);
          session.n += 2;
        }),
      ),
    );
  }
  if (options.dbsc) {
    // Thieves read twice as often: a copied bound cookie has to be tried after it expired.
    list.push(
      thiefRead,
      thief.map((t) =>
        command(
          `thiefRefresh(${t})`,
          (world) => thiefRefresh(world, world.thieves[t % world.thieves.length]!),
          (world) => world.thieves.length > 0,
        ),
      ),
    );
  }
  // Rotation and DBSC need long runs (a login, time past `every` or the bound cookie's maxAge, a
  // copy used on both sides): full-length command lists.
  return fc.commands(list, {
    maxCommands: options.maxCommands ?? 40,
    ...(options.rotation || options.dbsc ? { size: 'max' as const } : {}),
  });
}
