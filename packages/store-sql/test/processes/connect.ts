// How a child process of the tests reaches the database named on its command line.

import { Kysely, MysqlDialect, PostgresDialect, SqliteDialect } from 'kysely';
import Database from 'libsql';
import { createPool } from 'mysql2';
import pg from 'pg';

/** `sqlite:<file>`, `postgres://...` or `mysql://...`. */
export function connect(target: string, connections = 4): Kysely<unknown> {
  if (target.startsWith('sqlite:')) {
    return new Kysely({ dialect: new SqliteDialect({ database: new Database(target.slice('sqlite:'.length)) }) });
  }
  if (target.startsWith('postgres')) {
    return new Kysely({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: target, max: connections }) }),
    });
  }
  if (target.startsWith('mysql')) {
    return new Kysely({
      dialect: new MysqlDialect({ pool: createPool({ uri: target, connectionLimit: connections }) }),
    });
  }
  throw new Error(`unknown database target ${target}`);
}

/** Events of the outbox under `tablePrefix` that consumer `group` has not acknowledged. */
export async function countOpenEvents(db: Kysely<unknown>, tablePrefix: string, group = 'default'): Promise<number> {
  const tables = db as unknown as Kysely<Record<string, Record<string, unknown>>>;
  const events = await tables
    .selectFrom(`${tablePrefix}outbox`)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  const acked = await tables
    .selectFrom(`${tablePrefix}outbox_claims`)
    .select((eb) => eb.fn.countAll().as('n'))
    .where('group_name', '=', group)
    .where('acked_at', 'is not', null)
    .executeTakeFirstOrThrow();
  return Number(events.n) - Number(acked.n);
}
