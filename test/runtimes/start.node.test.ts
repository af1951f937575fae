/**
 * `npm start` (examples/worker/start.mjs) refuses to serve the demo with the
 * public placeholder secret of .dev.vars.example. Run from a scratch folder
 * that holds only such a .dev.vars: it must stop before starting wrangler.
 * (Starting with --ip and --port is covered by the browser test.)
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { root, run } from '../run.ts';

describe('npm start', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'tesserajs-start-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('refuses the placeholder secret of .dev.vars.example with a message that says how to make one', async () => {
    copyFileSync(join(root, '.dev.vars.example'), join(scratch, '.dev.vars'));
    const { code, output } = await run(process.execPath, [join(root, 'examples/worker/start.mjs')], {
      cwd: scratch,
    });
    expect(code, output).toBe(1);
    expect(output).toContain('placeholder SESSION_SECRET from .dev.vars.example');
    expect(output).toContain(`node -e "console.log(crypto.randomBytes(32).toString('base64url'))"`);
    expect(output).not.toMatch(/wrangler/i);
  });
});
