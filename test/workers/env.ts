// Types of the test Worker for `import { env, exports } from 'cloudflare:workers'`.
import type * as Main from './main.ts';
import type { TestEnv } from './main.ts';

declare global {
  namespace Cloudflare {
    interface Env extends TestEnv {}
    interface GlobalProps {
      mainModule: typeof Main;
      durableNamespaces: 'SessionDurableObject';
    }
  }
}
