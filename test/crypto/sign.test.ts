import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  createKeyring,
  decodeBase64url,
  encodeBase64url,
  MAX_SIGNED_LENGTH,
  sign,
  verify,
  type Keyring,
} from '../../src/index.ts';
import { nonCanonicalTail, SECRET_A, SECRET_B, SECRET_C, singleCharacterEdits } from './helpers.ts';

/** A keyring with the memo off, so every verify runs the MAC. */
const fresh = (secrets: Parameters<typeof createKeyring>[0]): Keyring =>
  createKeyring(secrets, { memoSize: 0 });

describe('sign / verify', () => {
  const ring = fresh({ id: 'k1', secret: SECRET_A });

  it('round-trips strings, unicode and the empty string', async () => {
    for (const value of ['hello', '', 'a.b.c', 'ünïcødé ✓ 🍪', '{"json":[1,2]}', ' spaced ', '%41']) {
      const signed = await sign(ring, 'sid', value);
      expect(signed.startsWith(`${value}.`)).toBe(true);
      expect(await verify(ring, 'sid', signed)).toBe(value);
    }
  });

  it('is deterministic for the same input and differs per name', async () => {
    expect(await sign(ring, 'a', 'v')).toBe(await sign(ring, 'a', 'v'));
    expect(await sign(ring, 'a', 'v')).not.toBe(await sign(ring, 'b', 'v'));
  });

  describe('tampering', () => {
    it('rejects every single-character change', async () => {
      for (const [id, value] of [
        ['k1', 'user-42'],
        ['key-two', ''],
        ['abc', 'x.y'],
      ] as const) {
        const keyring = fresh({ id, secret: SECRET_A });
        const signed = await sign(keyring, 'sid', value, { expires: new Date(Date.now() + 60_000) });
        const edits = singleCharacterEdits(signed);
        expect(edits.length).toBeGreaterThan(signed.length * 5);
        const results = await Promise.all(edits.map((edit) => verify(keyring, 'sid', edit)));
        expect(
          results.filter((r) => r !== null),
          `${id}/${value}`,
        ).toEqual([]);
      }
    });

    it('rejects truncation, appended data, padding, a removed or non-canonical signature', async () => {
      const keyring = fresh({ id: 'k1', secret: SECRET_A });
      const signed = await sign(keyring, 'sid', 'value');
      const dot = signed.lastIndexOf('.');
      const tail = nonCanonicalTail(signed.slice(dot + 1));
      expect(tail).not.toBeNull();
      const bad = [
        ...Array.from({ length: signed.length }, (_, n) => signed.slice(0, n)),
        `${signed}A`,
        `${signed}AA`,
        `${signed}AAAA`,
        `${signed}.`,
        `${signed}.x`,
        `x${signed}`,
        `${signed}=`,
        `${signed}==`,
        'value',
        'value.',
        `${signed.slice(0, dot + 1)}${tail!}`,
        signed.replace('.', '..'),
      ];
      for (const candidate of bad) expect(await verify(keyring, 'sid', candidate), candidate).toBeNull();
      expect(await verify(keyring, 'sid', signed)).toBe('value');
    });

    it('rejects a value moved to another cookie name', async () => {
      const signed = await sign(ring, 'sid', 'admin');
      expect(await verify(ring, 'other', signed)).toBeNull();
      expect(await verify(fresh({ id: 'k1', secret: SECRET_A }), 'sid ', signed)).toBeNull();
    });
  });

  describe('expiry', () => {
    it('rejects a value past its expiry, with or without the memo', async () => {
      const now = Date.UTC(2030, 0, 1);
      const memoRing = createKeyring({ id: 'k1', secret: SECRET_A });
      const signed = await sign(memoRing, 'sid', 'v', { expires: new Date(now + 60_000) });
      for (const keyring of [memoRing, fresh({ id: 'k1', secret: SECRET_A })]) {
        expect(await verify(keyring, 'sid', signed, { now })).toBe('v');
        expect(await verify(keyring, 'sid', signed, { now: now + 59_999 })).toBe('v');
        expect(await verify(keyring, 'sid', signed, { now: now + 60_000 })).toBeNull();
      }
    });

    it('uses Date.now when no clock is passed', async () => {
      const signed = await sign(ring, 'sid', 'v', { expires: new Date(Date.now() + 1000) });
      expect(await verify(ring, 'sid', signed)).toBe('v');
      const spy = vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 5000);
      try {
        expect(await verify(ring, 'sid', signed)).toBeNull();
      } finally {
        spy.mockRestore();
      }
    });

    it('binds the expiry: a later expiry with the original MAC is refused', async () => {
      const keyring = fresh({ id: 'k1', secret: SECRET_A });
      const signed = await sign(keyring, 'sid', 'v', { expires: new Date(Date.UTC(2030, 0, 1)) });
      const dot = signed.lastIndexOf('.');
      const trailer = decodeBase64url(signed.slice(dot + 1))!;
      // version, flags, idLen, "k1", then the 6-byte expiry: push it a year later.
      const expiryAt = 3 + 2;
      expect(trailer[1]).toBe(1);
      const later = trailer.slice();
      later[expiryAt + 3]! += 1; // +2^16 s
      const forged = `${signed.slice(0, dot + 1)}${encodeBase64url(later)}`;
      expect(await verify(keyring, 'sid', signed, { now: Date.UTC(2029, 0, 1) })).toBe('v');
      expect(await verify(keyring, 'sid', forged, { now: Date.UTC(2029, 0, 1) })).toBeNull();
    });

    it('refuses an invalid expires option', async () => {
      await expect(sign(ring, 'sid', 'v', { expires: new Date(Number.NaN) })).rejects.toThrow(TypeError);
    });
  });

  describe('rotation', () => {
    it('accepts old keys while in the ring, signs with the first, rejects removed keys', async () => {
      const old = fresh({ id: 'old', secret: SECRET_A });
      const rotated = fresh([
        { id: 'new', secret: SECRET_B },
        { id: 'old', secret: SECRET_A },
      ]);
      const retired = fresh({ id: 'new', secret: SECRET_B });
      const fromOld = await sign(old, 'sid', 'v');
      expect(await verify(rotated, 'sid', fromOld)).toBe('v');
      expect(await verify(retired, 'sid', fromOld)).toBeNull();

      const fromRotated = await sign(rotated, 'sid', 'v');
      const trailer = fromRotated.slice(fromRotated.lastIndexOf('.') + 1);
      expect(
        atob(
          trailer
            .replace(/-/g, '+')
            .replace(/_/g, '/')
            .padEnd(Math.ceil(trailer.length / 4) * 4, '='),
        ).slice(3, 6),
      ).toBe('new');
      expect(await verify(retired, 'sid', fromRotated)).toBe('v');
      expect(await verify(old, 'sid', fromRotated)).toBeNull();
    });

    it('picks the key by id: one MAC check however many keys the ring holds', async () => {
      const ring3 = fresh([SECRET_A, SECRET_B, SECRET_C]);
      const oldest = await sign(fresh(SECRET_C), 'sid', 'v');
      await ring3.ready();
      const spy = vi.spyOn(crypto.subtle, 'verify');
      try {
        expect(await verify(ring3, 'sid', oldest)).toBe('v');
        expect(spy).toHaveBeenCalledTimes(1);
      } finally {
        spy.mockRestore();
      }
    });
  });

  describe('memo', () => {
    it('skips the MAC for a value it has verified or produced, per cookie name', async () => {
      const keyring = createKeyring(SECRET_A);
      const signed = await sign(keyring, 'sid', 'v');
      const spy = vi.spyOn(crypto.subtle, 'verify');
      try {
        for (let i = 0; i < 10; i++) expect(await verify(keyring, 'sid', signed)).toBe('v');
        expect(spy).not.toHaveBeenCalled();
        expect(await verify(keyring, 'other', signed)).toBeNull();
        expect(spy).toHaveBeenCalledTimes(1);
      } finally {
        spy.mockRestore();
      }
    });

    it('matches the whole text: a value that shares a remembered one’s MAC tail is verified, and refused', async () => {
      const keyring = createKeyring(SECRET_A);
      const signed = await sign(keyring, 'sid', 'value');
      expect(await verify(keyring, 'sid', signed)).toBe('value');
      const spy = vi.spyOn(crypto.subtle, 'verify');
      try {
        // Same trailer (MAC included), other value: the memo must not answer for it.
        for (const forged of [`valuf${signed.slice(5)}`, `x${signed}`, signed.slice(1)]) {
          expect(await verify(keyring, 'sid', forged), forged).toBeNull();
        }
        expect(spy).toHaveBeenCalled();
        expect(await verify(keyring, 'sid', signed)).toBe('value');
      } finally {
        spy.mockRestore();
      }
    });

    it('never remembers a rejected value', async () => {
      const keyring = createKeyring(SECRET_A);
      const signed = await sign(fresh(SECRET_B), 'sid', 'v');
      expect(await verify(keyring, 'sid', signed)).toBeNull();
      expect(await verify(keyring, 'sid', signed)).toBeNull();
    });
  });

  it('whatever sign returns verifies: a value past MAX_SIGNED_LENGTH throws instead', async () => {
    const keyring = fresh({ id: 'k1', secret: SECRET_A });
    const room = MAX_SIGNED_LENGTH - (await sign(keyring, 'sid', '')).length;
    const longest = 'v'.repeat(room);
    expect(await verify(keyring, 'sid', await sign(keyring, 'sid', longest))).toBe(longest);
    await expect(sign(keyring, 'sid', `${longest}v`)).rejects.toThrow(/MAX_SIGNED_LENGTH \(8192\)/);
    await expect(sign(keyring, 'sid', 'v'.repeat(10_000))).rejects.toThrow(TypeError);
  });

  it('never throws on arbitrary input (10 000 runs)', async () => {
    const keyring = fresh({ id: 'k1', secret: SECRET_A });
    const valid = await sign(keyring, 'sid', 'value', { expires: new Date(Date.now() + 60_000) });
    const mutated = fc
      .tuple(
        fc.nat({ max: valid.length }),
        fc.nat({ max: valid.length }),
        fc.string({ unit: 'binary', maxLength: 6 }),
      )
      .map(([at, cut, insert]) => valid.slice(0, at) + insert + valid.slice(Math.max(at, cut)));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ unit: 'binary' }), mutated),
        fc.string({ maxLength: 8 }),
        async (text, name) => {
          const result = await verify(keyring, name, text);
          if (result !== null) expect(text).toBe(valid);
        },
      ),
      { numRuns: 10_000 },
    );
    expect(await verify(keyring, 'sid', undefined as unknown as string)).toBeNull();
    expect(await verify(keyring, 'sid', 'x'.repeat(100_000))).toBeNull();
  });
});
