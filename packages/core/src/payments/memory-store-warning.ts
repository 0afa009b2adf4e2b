/**
 * The one warning a production process gets when its orders live in memory: they are lost on every
 * restart and invisible to the other instances, and nothing else would say so.
 *
 * @packageDocumentation
 */
import { MemoryOrderStore, type OrderStore } from '../order-store.js';
import { warnOnceInProduction } from '../production-warning.js';

/** The warning's code, for `process.on('warning')` filters. */
export const MEMORY_ORDER_STORE_WARNING = 'HUTONG_MEMORY_ORDER_STORE';

/**
 * Emits one `process.emitWarning` per process when `store` is a {@link MemoryOrderStore} (the
 * default) and `NODE_ENV` is `production`. Library code never logs: the warning goes through Node's
 * warning channel (printed to stderr unless the process handles or silences warnings). Runtimes
 * without `process.emitWarning` get none.
 */
export function warnOfMemoryStoreInProduction(store: OrderStore): void {
  if (!(store instanceof MemoryOrderStore)) return;
  warnOnceInProduction(
    MEMORY_ORDER_STORE_WARNING,
    'createPayments keeps orders in memory (MemoryOrderStore, the default store) with NODE_ENV=production: ' +
      'every order is lost on restart and unseen by other instances. Pass a durable store, e.g. ' +
      "createSqlStore from '@hutong/store-sql'.",
  );
}
