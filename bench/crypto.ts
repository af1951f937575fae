/** Crypto layer: signed and sealed values against hono, iron-session and jose. */
import { createHmac } from 'node:crypto';
import { parseSigned, serializeSigned } from 'hono/utils/cookie';
import { sealData, unsealData } from 'iron-session';
import { EncryptJWT, jwtDecrypt } from 'jose';
import { do_not_optimize } from 'mitata';
import { createKeyring, getCookie, seal, serializeCookie, sign, unseal, verify } from '../src/index.ts';
import { compare } from './harness.ts';

const SECRET = 'a-benchmark-secret-of-at-least-32-bytes!!';

/** ~200 bytes of JSON, a typical small session. */
const SESSION = {
  userId: 'u_8f14e45fceea167a5a36dedd4bea2543',
  name: 'Ada Lovelace',
  roles: ['admin', 'editor'],
  theme: 'dark',
  cart: [
    { sku: 'A-1', qty: 2 },
    { sku: 'B-7', qty: 1 },
  ],
  issuedAt: 1_790_000_000,
};

export async function benchCrypto(): Promise<void> {
  const noMemo = createKeyring(SECRET, { memoSize: 0 });
  const withMemo = createKeyring(SECRET);
  await noMemo.ready();
  await withMemo.ready();
  const honoSecret = SECRET;
  let counter = 0;

  // A request cycle: write the Set-Cookie, then read it back from a Cookie header.
  const ourCycle = (keyring: typeof noMemo, fresh: boolean) => async () => {
    const value = fresh ? `user-${counter++}` : 'user-42';
    const line = serializeCookie('sid', await sign(keyring, 'sid', value), { path: '/', httpOnly: true });
    const header = line.slice(0, line.indexOf(';'));
    do_not_optimize(await verify(keyring, 'sid', getCookie(header, 'sid')!));
  };
  const honoCycle = (fresh: boolean) => async () => {
    const value = fresh ? `user-${counter++}` : 'user-42';
    const line = await serializeSigned('sid', value, honoSecret, { path: '/', httpOnly: true });
    const header = line.slice(0, line.indexOf(';'));
    do_not_optimize((await parseSigned(header, honoSecret, 'sid')).sid);
  };
  // Default keyrings remember values they produced, so the verify that follows
  // a sign in the same isolate is a memo hit; "memo off" shows the cold cost.
  await compare(
    'signed cookie: set then read back, new value each time',
    {
      'tessera sign+verify (default)': ourCycle(withMemo, true),
      'tessera sign+verify (memo off)': ourCycle(noMemo, true),
      'hono serializeSigned+parseSigned': honoCycle(true),
    },
    [{ peer: 'hono serializeSigned+parseSigned', maxRatio: 1 / 2.5 }],
  );

  const ironPassword = SECRET;
  const joseKey = new TextEncoder().encode(SECRET.slice(0, 32));
  const ironSealed = await sealData(SESSION, { password: ironPassword, ttl: 3600 });
  const joseSealed = await new EncryptJWT(SESSION)
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
    .setExpirationTime('1h')
    .encrypt(joseKey);
  const ourSealed = await seal(noMemo, 'session', SESSION, { expires: new Date(Date.now() + 3_600_000) });
  console.log(
    `\nsealed size for ${JSON.stringify(SESSION).length} bytes of JSON: tessera ${ourSealed.length}, jose ${joseSealed.length}, iron-session ${ironSealed.length} characters`,
  );

  const expires = () => new Date(Date.now() + 3_600_000);
  await compare(
    'sealed session (~200 B JSON): seal + unseal',
    {
      'tessera seal+unseal (default)': async () =>
        do_not_optimize(
          await unseal(withMemo, 'session', await seal(withMemo, 'session', SESSION, { expires: expires() })),
        ),
      'tessera seal+unseal (memo off)': async () =>
        do_not_optimize(
          await unseal(noMemo, 'session', await seal(noMemo, 'session', SESSION, { expires: expires() })),
        ),
      'iron-session sealData+unsealData': async () =>
        do_not_optimize(
          await unsealData(await sealData(SESSION, { password: ironPassword, ttl: 3600 }), {
            password: ironPassword,
            ttl: 3600,
          }),
        ),
      'jose EncryptJWT+jwtDecrypt (dir, A256GCM)': async () =>
        do_not_optimize(
          await jwtDecrypt(
            await new EncryptJWT(SESSION)
              .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
              .setExpirationTime('1h')
              .encrypt(joseKey),
            joseKey,
          ),
        ),
    },
    [
      { peer: 'iron-session sealData+unsealData', maxRatio: 1 / 8 },
      { peer: 'jose EncryptJWT+jwtDecrypt (dir, A256GCM)', maxRatio: 1 / 2 },
    ],
  );
  await compare('sealed session: unseal only (the per-request read)', {
    'tessera unseal (memo off)': async () => do_not_optimize(await unseal(noMemo, 'session', ourSealed)),
    'tessera unseal (memo hit)': async () => do_not_optimize(await unseal(withMemo, 'session', ourSealed)),
    'iron-session unsealData': async () =>
      do_not_optimize(await unsealData(ironSealed, { password: ironPassword, ttl: 3600 })),
    'jose jwtDecrypt': async () => do_not_optimize(await jwtDecrypt(joseSealed, joseKey)),
  });

  // The floor on Node: a synchronous HMAC of the same bytes with node:crypto.
  const signed = await sign(withMemo, 'sid', 'user-42');
  const macBytes = new TextEncoder().encode(`tessera/signed/v1\u0000.....sid.user-42`);
  await compare('verify one signed cookie vs the node:crypto floor', {
    'tessera verify (memo hit)': async () => do_not_optimize(await verify(withMemo, 'sid', signed)),
    'tessera verify (memo off)': async () => do_not_optimize(await verify(noMemo, 'sid', signed)),
    'node:crypto createHmac (sync floor)': () =>
      do_not_optimize(createHmac('sha256', SECRET).update(macBytes).digest()),
  });
}
