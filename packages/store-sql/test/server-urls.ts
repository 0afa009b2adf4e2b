/**
 * Vitest global setup: decides, once per run, which database servers the server-backed suites use.
 *
 * - `HUTONG_TEST_POSTGRES_URL` / `HUTONG_TEST_MYSQL_URL` set: that URL, used as given (a server
 *   that does not answer fails the suite: it was asked for).
 * - set to `off`: the suite does not run.
 * - unset: the default URL of this project's machines, if a server answers there within 2 s;
 *   otherwise the suite does not run. So `pnpm test` on a development machine with the servers
 *   runs them, and on one without still passes, saying so.
 */
import { createRequire } from 'node:module';
import type { TestProject } from 'vitest/node';

// Loaded through Node, from this package: the global setup is transformed from the repository root,
// where the drivers (devDependencies of this package) do not resolve.
const require = createRequire(import.meta.url);
const pg = require('pg') as typeof import('pg');
const mysql = require('mysql2/promise') as typeof import('mysql2/promise');

/** Where one server suite runs, or why it does not. */
export interface ServerTarget {
  readonly url: string | null;
  /** Why the suite does not run (when `url` is null), or where the URL came from. */
  readonly note: string;
}

/** What the global setup provides to the test files. */
export interface ServerTargets {
  readonly postgres: ServerTarget;
  readonly mysql: ServerTarget;
}

declare module 'vitest' {
  export interface ProvidedContext {
    hutongServers: ServerTargets;
  }
}

/** The URLs of the servers on this project's machines and CI. */
export const DEFAULT_URLS = {
  postgres: 'postgres://postgres@127.0.0.1:5432/test',
  mysql: 'mysql://root@127.0.0.1:3306/test',
} as const;

/** The environment variable of each suite. */
export const URL_VARIABLES = {
  postgres: 'HUTONG_TEST_POSTGRES_URL',
  mysql: 'HUTONG_TEST_MYSQL_URL',
} as const;

async function answers(engine: keyof ServerTargets, url: string): Promise<boolean> {
  try {
    if (engine === 'postgres') {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
      await client.connect();
      try {
        await client.query('select 1');
      } finally {
        await client.end();
      }
    } else {
      const connection = await mysql.createConnection({ uri: url, connectTimeout: 2000 });
      try {
        await connection.query('select 1');
      } finally {
        await connection.end();
      }
    }
    return true;
  } catch {
    return false;
  }
}

async function target(engine: keyof ServerTargets): Promise<ServerTarget> {
  const variable = URL_VARIABLES[engine];
  const given = process.env[variable];
  if (given === 'off') return { url: null, note: `${variable}=off` };
  if (given) return { url: given, note: `from ${variable}` };
  const url = DEFAULT_URLS[engine];
  if (await answers(engine, url)) return { url, note: `${variable} not set; the server at the default URL answered` };
  return { url: null, note: `${variable} not set and no server answered at ${url}` };
}

export default async function setup(project: TestProject): Promise<void> {
  const [postgres, mysqlTarget] = await Promise.all([target('postgres'), target('mysql')]);
  project.provide('hutongServers', { postgres, mysql: mysqlTarget });
}
