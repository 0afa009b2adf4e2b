import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { describeServerSuite, runSqlStoreSuite, testPrefix } from './sql-store-suite.js';

describeServerSuite('PostgreSQL', 'postgres', (url) => {
  runSqlStoreSuite({
    name: 'PostgreSQL',
    prefix: testPrefix('pg'),
    connect: () =>
      new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 4 }) }) }),
  });
});
