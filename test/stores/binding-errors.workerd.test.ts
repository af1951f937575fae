import { describe, expect, it } from 'vitest';
import { DurableObjectStore } from '../../src/stores/durable-object.ts';

describe('DurableObjectStore given no binding', () => {
  it('says the binding is missing and points at wrangler.toml', () => {
    expect(() => new DurableObjectStore(undefined as never)).toThrow(
      /DurableObjectStore: the first argument is undefined: pass the Durable Object namespace binding.*wrangler\.toml \(\[\[durable_objects\.bindings\]\]/,
    );
  });
});
