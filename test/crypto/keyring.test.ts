import { describe, expect, it } from 'vitest';
import { createKeyring, sign, verify } from '../../src/index.ts';
import { SECRET_A, SECRET_B } from './helpers.ts';

describe('createKeyring', () => {
  it('refuses secrets shorter than 32 bytes, naming the rule', () => {
    expect(() => createKeyring('too-short')).toThrow(TypeError);
    expect(() => createKeyring('x'.repeat(31))).toThrow(/at least 32 bytes/);
    expect(() => createKeyring([SECRET_A, 'short'])).toThrow(/secret 1 is 5 bytes/);
    expect(() => createKeyring(new Uint8Array(31))).toThrow(/at least 32 bytes/);
    expect(() => createKeyring({ id: 'k1', secret: 'short' })).toThrow(/at least 32 bytes/);
  });

  it('counts UTF-8 bytes, not characters', () => {
    expect(() => createKeyring('é'.repeat(16))).not.toThrow();
    expect(() => createKeyring('é'.repeat(15))).toThrow(/30 bytes/);
  });

  it('refuses an empty list, bad ids and duplicate ids', () => {
    expect(() => createKeyring([])).toThrow(/at least one/);
    expect(() => createKeyring({ id: 'has space', secret: SECRET_A })).toThrow(/id of secret 0/);
    expect(() => createKeyring({ id: 'x'.repeat(17), secret: SECRET_A })).toThrow(/id/);
    expect(() =>
      createKeyring([
        { id: 'k', secret: SECRET_A },
        { id: 'k', secret: SECRET_B },
      ]),
    ).toThrow(/duplicate id "k"/);
    expect(() => createKeyring(42 as unknown as string)).toThrow(/must be a string/);
    expect(() => createKeyring(SECRET_A, { memoSize: -1 })).toThrow(/memoSize/);
  });

  it('derives stable ids from the secret when none is given', async () => {
    const first = await createKeyring([SECRET_A, SECRET_B]).ready();
    const again = await createKeyring([SECRET_B, SECRET_A]).ready();
    expect(first).toHaveLength(2);
    expect(first[0]).toMatch(/^[A-Za-z0-9_-]{4}$/);
    expect(again).toEqual([first[1], first[0]]);
    expect(await createKeyring({ id: 'v2', secret: SECRET_A }).ready()).toEqual(['v2']);
  });

  it('accepts bytes and ArrayBuffers, and reuses a keyring passed in', async () => {
    const bytes = new Uint8Array(32).fill(7);
    const fromBytes = createKeyring(bytes);
    const fromBuffer = createKeyring(bytes.buffer);
    const signed = await sign(fromBytes, 'n', 'v');
    expect(await verify(fromBuffer, 'n', signed)).toBe('v');
    expect(createKeyring(fromBytes)).toBe(fromBytes);
  });
});
