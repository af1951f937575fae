import { describe } from 'vitest';
import { scenarioOverHttp } from './server.ts';

describe('examples/node.ts on Node', () => {
  scenarioOverHttp('node_modules/.bin/tsx', ['examples/node.ts']);
});
