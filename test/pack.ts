/**
 * `npm pack` for the tests that install the package as users do. Packing runs
 * `prepack`, which rebuilds dist/ in place, so two test files packing at once
 * would delete each other's build: a lock directory makes them take turns.
 */
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { root, run } from './run.ts';

const LOCK = join(root, 'node_modules', '.tesserajs-pack.lock');
/** A lock older than this was left by a run that was killed. */
const STALE_MS = 10 * 60_000;

async function lock(): Promise<void> {
  for (;;) {
    try {
      mkdirSync(LOCK);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > STALE_MS) rmSync(LOCK, { recursive: true, force: true });
      } catch {
        // Released meanwhile: try again.
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** Packs the package into `dest` and resolves to the tarball's path; throws with npm's output on failure. */
export async function packTarball(dest: string): Promise<string> {
  await lock();
  try {
    const packed = await run('npm', ['pack', '--pack-destination', dest]);
    if (packed.code !== 0) throw new Error(`npm pack failed:\n${packed.output}`);
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
  return join(dest, readdirSync(dest).find((name) => name.endsWith('.tgz'))!);
}
