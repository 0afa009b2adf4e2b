/**
 * `@hutong/store-sql`: durable hutong orders on PostgreSQL, MySQL/MariaDB or SQLite, through
 * [Kysely](https://kysely.dev). One table of orders (indexed columns plus the order as JSON),
 * versioned migrations, compare-and-set updates and paged listing; transfers and statement
 * results beside them; and a merchant directory whose credentials are encrypted at rest.
 *
 * @example
 * ```ts
 * import { createSqlStore } from '@hutong/store-sql';
 * const store = createSqlStore({ db }); // db: a Kysely instance
 * ```
 *
 * @packageDocumentation
 */

// StoreError lives in @hutong/core (a merchant catches it whatever the store); re-exported for
// code that imported it from here.
export { StoreError, type StoreErrorCode } from '@hutong/core';
export {
  createSqlCheckoutStore,
  type SqlCheckoutAttemptShape,
  type SqlCheckoutSessionShape,
  type SqlCheckoutStore,
  type SqlCheckoutStoreOptions,
} from './sql-checkout-store.js';
export { guardPool } from './sql-connection.js';
export {
  createSqlMerchantDirectory,
  type SqlMerchantDirectory,
  type SqlMerchantDirectoryOptions,
} from './sql-merchant-directory.js';
export {
  type MerchantEncryptionKeys,
  MerchantSecretError,
  type MerchantSecretFailure,
} from './sql-merchant-secrets.js';
export { createSqlStore, type SqlOrderStore, type SqlStoreOptions } from './sql-order-store.js';
export type { SqlOrderOutbox } from './sql-outbox.js';
export { backfillSplitIndex, migrateToLatest, type SqlEngine, type SqlSchemaOptions } from './sql-schema.js';
export type { SqlConnectionOptions } from './sql-store-context.js';
export type { StoreTimeouts } from './sql-transaction.js';
