import { describe, expect, it, vi } from 'vitest';
import { createKeyring, seal, sign, unseal, verify } from '../../src/index.ts';
import { SECRET_A, SECRET_B } from './helpers.ts';

describe('warm path', () => {
  it('no importKey, deriveKey or deriveBits after the first sign/verify/seal/unseal', async () => {
    const keyring = createKeyring([SECRET_A, SECRET_B], { memoSize: 0 });
    await verify(keyring, 'sid', await sign(keyring, 'sid', 'warm-up'));
    await unseal(keyring, 'box', await seal(keyring, 'box', 'warm-up'));
    const spies = (['importKey', 'deriveKey', 'deriveBits'] as const).map((method) =>
      vi.spyOn(crypto.subtle, method),
    );
    const macs = vi.spyOn(crypto.subtle, 'sign');
    try {
      for (let i = 0; i < 100; i++) {
        expect(await verify(keyring, 'sid', await sign(keyring, 'sid', `value-${i}`))).toBe(`value-${i}`);
        expect(await unseal(keyring, 'box', await seal(keyring, 'box', { i }))).toEqual({ i });
      }
      for (const spy of spies) expect(spy, spy.getMockName()).not.toHaveBeenCalled();
      expect(macs).toHaveBeenCalledTimes(100);
    } finally {
      for (const spy of [...spies, macs]) spy.mockRestore();
    }
  });

  it('concurrent first use derives the keys once', async () => {
    const keyring = createKeyring(SECRET_A);
    const spy = vi.spyOn(crypto.subtle, 'importKey');
    try {
      await Promise.all(Array.from({ length: 20 }, (_, i) => sign(keyring, 'sid', `v${i}`)));
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });
});
