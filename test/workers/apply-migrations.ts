// Setup file of the workerd project: applies the package's D1 migrations
// (read by vitest.config.ts) to the DB binding before each test file.
import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
