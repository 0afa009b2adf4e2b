// One process of the concurrent-migration test: migrates a SQLite file, prints what it applied.
// Usage (from packages/store-sql, so tsconfig paths resolve): tsx test/processes/migrate-sqlite.ts FILE PREFIX START_AT_MS
// Every process waits until START_AT_MS after loading, so their migrations really overlap.

import { Kysely, SqliteDialect } from 'kysely';
import Database from 'libsql';
import { migrateToLatest } from '../../src/index.js';

const [file, tablePrefix, startAt] = process.argv.slice(2);
if (!file || !tablePrefix || !startAt) throw new Error('usage: migrate-sqlite.ts FILE PREFIX START_AT_MS');
const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(file) }) });
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
try {
  process.stdout.write(`${JSON.stringify(await migrateToLatest(db, { tablePrefix }))}\n`);
} finally {
  await db.destroy();
}
