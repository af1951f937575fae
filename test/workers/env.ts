// Types of the test Worker for `import { env, exports } from 'cloudflare:workers'`.
import type { D1Migration } from 'cloudflare:test';
import type * as Main from './main.ts';
import type { TestEnv } from './main.ts';

declare global {
  namespace Cloudflare {
    interface Env extends TestEnv {
      /** The package's D1 migrations, applied by `apply-migrations.ts`. */
      TEST_MIGRATIONS: D1Migration[];
    }
    interface GlobalProps {
      mainModule: typeof Main;
      durableNamespaces: 'SessionDurableObject';
    }
  }
}
