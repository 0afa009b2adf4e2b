/**
 * `createSqlMerchantDirectory`: a {@link MerchantDirectory} (platform mode) on the store's
 * `merchants` table, its accounts' credentials sealed at rest (see `sql-merchant-secrets.ts`).
 *
 * @packageDocumentation
 */
import { ValidationError } from '@hutong/core';
import type { MerchantAccount, MerchantDirectory } from '@hutong/core/store-kit';
import type { Kysely } from 'kysely';
import { merchantError } from './sql-merchant-errors.js';
import { type MerchantEncryptionKeys, MerchantKeyring } from './sql-merchant-secrets.js';
import type { MerchantsTable } from './sql-platform-schema.js';
import { type SqlConnectionOptions, SqlStoreContext } from './sql-store-context.js';
import { checkKey } from './sql-values.js';
import { checkStorableText } from './sql-errors.js';

/**
 * Options of {@link createSqlMerchantDirectory}: the store's connection options (the same
 * database and `tablePrefix` as the order store, or another) and the keys that seal credentials.
 *
 * @example
 * ```ts
 * const options: SqlMerchantDirectoryOptions = {
 *   url: process.env.DATABASE_URL,
 *   encryptionKeys: { current: 'k1', keys: { k1: process.env.MERCHANT_KEY_1! } },
 * };
 * ```
 */
export interface SqlMerchantDirectoryOptions<DB = unknown> extends SqlConnectionOptions<DB> {
  /**
   * The keys that seal every account's `fields` (AES-256-GCM, a key id per row). Required:
   * credentials are never stored in clear.
   */
  readonly encryptionKeys: MerchantEncryptionKeys;
}

/**
 * A {@link MerchantDirectory} kept in SQL, plus key rotation.
 *
 * @example
 * ```ts
 * const directory: SqlMerchantDirectory = createSqlMerchantDirectory({ db, encryptionKeys });
 * await directory.rotate(); // every row now sealed under encryptionKeys.current
 * ```
 */
export interface SqlMerchantDirectory extends MerchantDirectory {
  /**
   * Re-seals, under the current key, every account sealed under another one, in batches; returns
   * how many it re-sealed. Throws `MerchantSecretError` for a row under a key it was not given
   * (the rows before it are already re-sealed; run it again once the key is supplied).
   */
  rotate(options?: { readonly batchSize?: number | undefined }): Promise<{ readonly rotated: number }>;
  /** Resolves once the tables are migrated (when `migrate` is on). */
  ready(): Promise<void>;
  /** Ends the pool the directory built from `url`; a `db` or `pool` you gave is left open. */
  close(): Promise<void>;
}

type Db = Kysely<Record<string, MerchantsTable>>;

/** A {@link MerchantAccount} checked before it is stored. */
function checkAccount(account: MerchantAccount): MerchantAccount {
  if (typeof account !== 'object' || account === null) throw new ValidationError('account', 'must be a MerchantAccount');
  checkKey(account.merchant, 'account.merchant');
  checkKey(account.provider, 'account.provider');
  if (typeof account.accountId !== 'string' || account.accountId.length === 0 || account.accountId.length > 128) {
    throw new ValidationError('account.accountId', 'must be the id the wallet knows the merchant by (1 to 128 characters)');
  }
  checkStorableText(account.accountId, 'account.accountId');
  if (account.name !== undefined && (typeof account.name !== 'string' || !checkStorableText(account.name, 'account.name'))) {
    throw new ValidationError('account.name', 'must be a string');
  }
  if (typeof account.enabled !== 'boolean') throw new ValidationError('account.enabled', 'must be a boolean');
  if (typeof account.fields !== 'object' || account.fields === null || Array.isArray(account.fields)) {
    throw new ValidationError('account.fields', 'must be an object of strings');
  }
  for (const [name, value] of Object.entries(account.fields)) {
    // The message names the field, never its value (it may be a token).
    if (typeof value !== 'string') throw new ValidationError(`account.fields.${name}`, 'must be a string');
  }
  return account;
}

class KyselyMerchantDirectory implements SqlMerchantDirectory {
  readonly #context: SqlStoreContext;
  readonly #keyring: MerchantKeyring;

  constructor(context: SqlStoreContext, keyring: MerchantKeyring) {
    this.#context = context;
    this.#keyring = keyring;
  }

  get #db(): Db {
    return this.#context.db as unknown as Db;
  }

  get #table(): string {
    return this.#context.schema.merchants;
  }

  ready(): Promise<void> {
    return this.#context.ready();
  }

  close(): Promise<void> {
    return this.#context.close();
  }

  #account(row: MerchantsTable): MerchantAccount {
    const fields = this.#keyring.open(row.fields, row.key_id, row.merchant, row.provider);
    return {
      merchant: row.merchant,
      provider: row.provider,
      accountId: row.account_id,
      ...(row.name === null ? {} : { name: row.name }),
      enabled: Number(row.enabled) === 1,
      fields,
    };
  }

  async resolve(merchant: string, provider: string): Promise<MerchantAccount> {
    checkKey(merchant, 'merchant');
    checkKey(provider, 'provider');
    const rows = await this.#context.run('resolving a merchant', () =>
      this.#db.selectFrom(this.#table).selectAll().where('merchant', '=', merchant).execute(),
    );
    if (rows.length === 0) throw merchantError('unknown_merchant', merchant, provider);
    const row = rows.find((candidate) => candidate.provider === provider);
    if (!row) throw merchantError('merchant_not_enabled', merchant, provider);
    if (Number(row.enabled) !== 1) throw merchantError('merchant_disabled', merchant, provider);
    // Opened only once the account is known to be usable.
    return this.#account(row);
  }

  async put(account: MerchantAccount): Promise<void> {
    checkAccount(account);
    const { keyId, sealed } = this.#keyring.seal({ ...account.fields }, account.merchant, account.provider);
    const row: MerchantsTable = {
      merchant: account.merchant,
      provider: account.provider,
      account_id: account.accountId,
      name: account.name ?? null,
      enabled: account.enabled ? 1 : 0,
      key_id: keyId,
      fields: sealed,
      updated_at: Date.now(),
    };
    const { merchant: _merchant, provider: _provider, ...replace } = row;
    await this.#context.run('storing a merchant', async () => {
      const insert = this.#db.insertInto(this.#table).values(row);
      await (this.#context.schema.engine === 'mysql'
        ? insert.onDuplicateKeyUpdate(replace)
        : insert.onConflict((oc) => oc.columns(['merchant', 'provider']).doUpdateSet(replace))
      ).execute();
    });
  }

  async list(merchant: string): Promise<MerchantAccount[]> {
    checkKey(merchant, 'merchant');
    const rows = await this.#context.run('listing a merchant', () =>
      this.#db.selectFrom(this.#table).selectAll().where('merchant', '=', merchant).orderBy('provider').execute(),
    );
    return rows.map((row) => this.#account(row));
  }

  async rotate(options: { readonly batchSize?: number | undefined } = {}): Promise<{ readonly rotated: number }> {
    const batchSize = options.batchSize ?? 100;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1000) {
      throw new ValidationError('batchSize', 'must be an integer from 1 to 1000');
    }
    const current = this.#keyring.current;
    let rotated = 0;
    let after: { merchant: string; provider: string } | undefined;
    for (;;) {
      const from = after;
      const rows = await this.#context.run('reading merchants to rotate', () => {
        let select = this.#db.selectFrom(this.#table).selectAll().where('key_id', '<>', current);
        if (from) {
          select = select.where((eb) =>
            eb.or([
              eb('merchant', '>', from.merchant),
              eb.and([eb('merchant', '=', from.merchant), eb('provider', '>', from.provider)]),
            ]),
          );
        }
        return select.orderBy('merchant').orderBy('provider').limit(batchSize).execute();
      });
      for (const row of rows) {
        const fields = this.#keyring.open(row.fields, row.key_id, row.merchant, row.provider);
        const { keyId, sealed } = this.#keyring.seal(fields, row.merchant, row.provider);
        // Compare-and-set on what was read: a put in between already sealed the row anew.
        const written = await this.#context.run('re-sealing a merchant', () =>
          this.#db
            .updateTable(this.#table)
            .set({ key_id: keyId, fields: sealed })
            .where('merchant', '=', row.merchant)
            .where('provider', '=', row.provider)
            .where('key_id', '=', row.key_id)
            .where('fields', '=', row.fields)
            .executeTakeFirst(),
        );
        rotated += Number(written.numUpdatedRows);
      }
      const last = rows.at(-1);
      if (!last || rows.length < batchSize) break;
      after = { merchant: last.merchant, provider: last.provider };
    }
    return { rotated };
  }
}

/**
 * A {@link MerchantDirectory} on PostgreSQL, MySQL/MariaDB or SQLite: one row per merchant and
 * provider in `<prefix>merchants`. The account's `merchant`, `provider`, `accountId`, `name` and
 * `enabled` are plain columns; its `fields` (every one of them: Alipay's `appAuthToken` and
 * `appRefreshToken`, WeChat's `subAppId`, ...) are stored as one AES-256-GCM ciphertext under
 * `encryptionKeys.current`, with that key's id beside it, bound to the merchant and provider.
 * `resolve` throws `MerchantError` (`unknown_merchant`, `merchant_not_enabled`,
 * `merchant_disabled`); a row that cannot be opened throws `MerchantSecretError`.
 *
 * @example
 * ```ts
 * import { createSqlMerchantDirectory, createSqlStore } from '@hutong/store-sql';
 *
 * const merchants = createSqlMerchantDirectory({
 *   db,
 *   encryptionKeys: { current: 'k1', keys: { k1: process.env.MERCHANT_KEY_1! } }, // openssl rand -base64 32
 * });
 * await merchants.put({ merchant: 'shop-42', provider: 'alipay', accountId: '2021000000000001', enabled: true,
 *   fields: { appAuthToken: token, appRefreshToken: refresh } });
 * const payments = createPayments({ providers, store: createSqlStore({ db }), merchants });
 * ```
 */
export function createSqlMerchantDirectory<DB>(options: SqlMerchantDirectoryOptions<DB>): SqlMerchantDirectory {
  const keyring = new MerchantKeyring(options?.encryptionKeys);
  return new KyselyMerchantDirectory(new SqlStoreContext(options as SqlConnectionOptions), keyring);
}
