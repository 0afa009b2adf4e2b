import { Kysely, MysqlDialect } from 'kysely';
import { createPool } from 'mysql2';
import { describeServerSuite, runSqlStoreSuite, testPrefix } from './sql-store-suite.js';

describeServerSuite('MariaDB/MySQL', 'mysql', (url) => {
  runSqlStoreSuite({
    name: 'MariaDB/MySQL',
    prefix: testPrefix('mysql'),
    connect: () => new Kysely({ dialect: new MysqlDialect({ pool: createPool({ uri: url, connectionLimit: 4 }) }) }),
  });
});
