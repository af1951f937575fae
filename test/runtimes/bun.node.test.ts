import { describe } from 'vitest';
import { scenarioOverHttp } from './server.ts';

describe('examples/bun.ts on Bun', () => {
  scenarioOverHttp('node_modules/.bin/bun', ['examples/bun.ts']);
});
