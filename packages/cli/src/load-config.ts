/**
 * Loading `hutong.config.mjs`: a module whose default export is the merchant's `payments` facade,
 * or a function (sync or async) that returns it.
 *
 * @packageDocumentation
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Payments } from '@hutong/core';

/**
 * The `payments` of a config module: its default export, called first when it is a function.
 * Throws when the module has none or it is not a payments facade.
 *
 * @example
 * ```ts
 * // hutong.config.mjs
 * // export default createPayments({ providers: [wechatpay({ ... })], store: createSqlStore({ url }) });
 * const payments = await loadPayments('./hutong.config.mjs');
 * ```
 */
export async function loadPayments(configPath: string, cwd = process.cwd()): Promise<Payments> {
  const url = pathToFileURL(resolve(cwd, configPath)).href;
  const module = (await import(url)) as { default?: unknown };
  let exported = module.default;
  if (typeof exported === 'function') exported = await (exported as () => unknown)();
  else exported = await exported;
  if (
    typeof exported !== 'object' ||
    exported === null ||
    typeof (exported as Partial<Payments>).reconcileStatement !== 'function'
  ) {
    throw new Error(
      `${configPath}: its default export must be a payments facade (createPayments(...)) or a function returning one`,
    );
  }
  return exported as Payments;
}
