import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { createKeyring, decodeBase64url, seal, unseal, type Keyring } from '../../src/index.ts';
import { nonCanonicalTail, SECRET_A, SECRET_B, SECRET_C, singleCharacterEdits } from './helpers.ts';

const fresh = (secrets: Parameters<typeof createKeyring>[0]): Keyring =>
  createKeyring(secrets, { memoSize: 0 });

describe('seal / unseal', () => {
  const ring = fresh({ id: 'k1', secret: SECRET_A });

  it('round-trips JSON objects, strings, unicode and empty values', async () => {
    const values: unknown[] = [
      { user: { id: 42, name: 'Zoë' }, cart: ['a', 'b'], flags: { admin: false }, n: null },
      'plain string',
      '',
      'ünïcødé ✓ 🍪',
      0,
      [],
      {},
      true,
      '\ufeffbom',
    ];
    for (const value of values) {
      const sealed = await seal(ring, 'session', value);
      expect(sealed).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(await unseal(ring, 'session', sealed)).toEqual(value);
    }
  });

  it('refuses data with no JSON form', async () => {
    await expect(seal(ring, 'session', undefined)).rejects.toThrow(/JSON/);
    await expect(seal(ring, 'session', () => 1)).rejects.toThrow(/JSON/);
  });

  it('hides the plaintext and uses a fresh IV each time', async () => {
    const a = await seal(ring, 'session', { secret: 'hunter2' });
    const b = await seal(ring, 'session', { secret: 'hunter2' });
    expect(a).not.toBe(b);
    expect(
      atob(
        a
          .replace(/-/g, '+')
          .replace(/_/g, '/')
          .padEnd(Math.ceil(a.length / 4) * 4, '='),
      ),
    ).not.toContain('hunter2');
  });

  describe('tampering', () => {
    it('rejects every single-character change', async () => {
      for (const id of ['k1', 'abc', 'key-x']) {
        const keyring = fresh({ id, secret: SECRET_A });
        const sealed = await seal(keyring, 'session', { u: 1 }, { expires: new Date(Date.now() + 60_000) });
        const edits = singleCharacterEdits(sealed);
        const results = await Promise.all(edits.map((edit) => unseal(keyring, 'session', edit)));
        expect(
          results.filter((r) => r !== null),
          id,
        ).toEqual([]);
      }
    });

    it('rejects truncation, appended data, padding and a non-canonical tail', async () => {
      let sealed = '';
      let tail: string | null = null;
      const keyring = fresh({ id: 'k1', secret: SECRET_A });
      // Find a payload whose encoding has unused bits in its last character.
      for (let n = 0; tail === null; n++) {
        sealed = await seal(keyring, 'session', 'x'.repeat(n));
        tail = nonCanonicalTail(sealed);
      }
      const bad = [
        ...Array.from({ length: sealed.length }, (_, n) => sealed.slice(0, n)),
        `${sealed}A`,
        `${sealed}AAAA`,
        `${sealed}=`,
        `${sealed}==`,
        `${sealed}.x`,
        `A${sealed}`,
        tail,
      ];
      for (const candidate of bad) expect(await unseal(keyring, 'session', candidate), candidate).toBeNull();
      expect(await unseal(keyring, 'session', sealed)).not.toBeNull();
    });

    it('rejects a value moved to another cookie name', async () => {
      const sealed = await seal(ring, 'session', { admin: true });
      expect(await unseal(ring, 'other', sealed)).toBeNull();
    });
  });

  it('rejects a value past its expiry, with or without the memo', async () => {
    const now = Date.UTC(2030, 0, 1);
    const memoRing = createKeyring({ id: 'k1', secret: SECRET_A });
    const sealed = await seal(memoRing, 'session', { a: 1 }, { expires: new Date(now + 1000) });
    for (const keyring of [memoRing, fresh({ id: 'k1', secret: SECRET_A })]) {
      expect(await unseal(keyring, 'session', sealed, { now })).toEqual({ a: 1 });
      expect(await unseal(keyring, 'session', sealed, { now: now + 1000 })).toBeNull();
    }
  });

  it('lays out version, id, IV and ciphertext for every key id length (each alignment in base64url)', async () => {
    // The header and IV are encoded ahead of the ciphertext without joining
    // them: ids of 1 to 16 characters put that seam at every offset mod 3.
    for (let length = 1; length <= 16; length++) {
      const id = 'k123456789abcdef'.slice(0, length);
      const keyring = fresh({ id, secret: SECRET_A });
      for (const value of [0, 'ünï ✓ 🍪', { list: 'x'.repeat(length * 7) }]) {
        const sealed = await seal(keyring, 'session', value);
        const bytes = decodeBase64url(sealed)!;
        expect(bytes, id).not.toBeNull();
        expect([bytes[0], bytes[1]]).toEqual([1, length]);
        expect(new TextDecoder().decode(bytes.subarray(2, 2 + length))).toBe(id);
        // flags (1 byte) | JSON, then the 16-byte tag: nothing else in the ciphertext.
        const plaintextLength = 1 + new TextEncoder().encode(JSON.stringify(value)).length;
        expect(bytes.length).toBe(2 + length + 12 + plaintextLength + 16);
        expect(await unseal(keyring, 'session', sealed)).toEqual(value);
        const flipped = sealed.slice(0, -1) + (sealed.endsWith('A') ? 'Q' : 'A');
        expect(await unseal(keyring, 'session', flipped)).toBeNull();
      }
    }
  });

  it('hands out a fresh object on every memo hit', async () => {
    const keyring = createKeyring(SECRET_A);
    const sealed = await seal(keyring, 'session', { list: [1] });
    const first = (await unseal(keyring, 'session', sealed)) as { list: number[] };
    first.list.push(2);
    expect(await unseal(keyring, 'session', sealed)).toEqual({ list: [1] });
  });

  describe('rotation', () => {
    it('accepts old keys while in the ring and rejects them once removed', async () => {
      const sealed = await seal(fresh({ id: 'old', secret: SECRET_A }), 'session', 1);
      expect(
        await unseal(
          fresh([
            { id: 'new', secret: SECRET_B },
            { id: 'old', secret: SECRET_A },
          ]),
          'session',
          sealed,
        ),
      ).toBe(1);
      expect(await unseal(fresh({ id: 'new', secret: SECRET_B }), 'session', sealed)).toBeNull();
    });

    it('seals with the first key and decrypts once (no trial decryption)', async () => {
      const ring3 = fresh([SECRET_A, SECRET_B, SECRET_C]);
      const [newest] = await ring3.ready();
      const sealed = await seal(ring3, 'session', 'v');
      const bytes = Uint8Array.from(
        atob(
          sealed
            .replace(/-/g, '+')
            .replace(/_/g, '/')
            .padEnd(Math.ceil(sealed.length / 4) * 4, '='),
        ),
        (c) => c.charCodeAt(0),
      );
      expect(new TextDecoder().decode(bytes.subarray(2, 2 + bytes[1]!))).toBe(newest);
      const old = await seal(fresh(SECRET_C), 'session', 'old');
      const spy = vi.spyOn(crypto.subtle, 'decrypt');
      try {
        expect(await unseal(ring3, 'session', old)).toBe('old');
        expect(spy).toHaveBeenCalledTimes(1);
      } finally {
        spy.mockRestore();
      }
    });
  });

  it('100 000 seals use 100 000 distinct IVs', async () => {
    const keyring = fresh({ id: 'k', secret: SECRET_A });
    const ivs = new Set<string>();
    for (let batch = 0; batch < 100; batch++) {
      const sealed = await Promise.all(Array.from({ length: 1000 }, () => seal(keyring, 's', 1)));
      // The IV sits after version, id length and the 1-byte id "k": characters 4..20 hold it.
      for (const text of sealed) ivs.add(text.slice(4, 20));
    }
    expect(ivs.size).toBe(100_000);
  }, 120_000);

  it('concurrent seals across IV pool refills each carry the IV they were encrypted with', async () => {
    // The pool holds 256 IVs: 600 seals in flight at once refill it twice
    // while earlier encryptions are still awaited.
    const keyring = fresh({ id: 'k', secret: SECRET_A });
    const sealed = await Promise.all(Array.from({ length: 600 }, (_, i) => seal(keyring, 's', { i })));
    const opened = await Promise.all(sealed.map((text) => unseal(keyring, 's', text)));
    expect(opened).toEqual(Array.from({ length: 600 }, (_, i) => ({ i })));
  });

  it('whatever seal returns unseals: past maxLength it throws instead', async () => {
    const keyring = createKeyring({ id: 'k1', secret: SECRET_A });
    const big = 'x'.repeat(20_000);
    await expect(seal(keyring, 'sid', big)).rejects.toThrow(/over maxLength \(16384\)/);
    const sealed = await seal(keyring, 'sid', big, { maxLength: 40_000 });
    expect(await unseal(keyring, 'sid', sealed)).toBeNull(); // over the default a reader accepts
    expect(await unseal(keyring, 'sid', sealed, { maxLength: 40_000 })).toBe(big);
    const fits = 'x'.repeat(12_000);
    expect(await unseal(keyring, 'sid', await seal(keyring, 'sid', fits))).toBe(fits);
  });

  it('never throws on arbitrary input (10 000 runs)', async () => {
    const keyring = fresh({ id: 'k1', secret: SECRET_A });
    const valid = await seal(keyring, 'session', { a: 1 });
    const mutated = fc
      .tuple(fc.nat({ max: valid.length }), fc.nat({ max: valid.length }), fc.string({ maxLength: 4 }))
      .map(([at, cut, insert]) => valid.slice(0, at) + insert + valid.slice(Math.max(at, cut)));
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ unit: 'binary' }), mutated), async (text) => {
        const result = await unseal(keyring, 'session', text);
        if (result !== null) expect(text).toBe(valid);
      }),
      { numRuns: 10_000 },
    );
  });
});
