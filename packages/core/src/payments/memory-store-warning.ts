/**
 * The one warning a production process gets when its orders live in memory: they are lost on every
 * restart and invisible to the other instances, and nothing else would say so.
 *
 * @packageDocumentation
 */
import { MemoryOrderStore, type OrderStore } from '../order-store.js';

/** The warning's code, for `process.on('warning')` filters. */
export const MEMORY_ORDER_STORE_WARNING = 'HUTONG_MEMORY_ORDER_STORE';

let warned = false;

/**
 * Emits one `process.emitWarning` per process when `store` is a {@link MemoryOrderStore} (the
 * default) and `NODE_ENV` is `production`. Library code never logs: the warning goes through Node's
 * warning channel (printed to stderr unless the process handles or silences warnings). Runtimes
 * without `process.emitWarning` get none.
 */
export function warnOfMemoryStoreInProduction(store: OrderStore): void {
  if (warned || !(store instanceof MemoryOrderStore)) return;
  const runtime = (globalThis as { process?: Partial<Pick<NodeJS.Process, 'env' | 'emitWarning'>> }).process;
  if (typeof runtime?.emitWarning !== 'function' || readNodeEnv(runtime) !== 'production') return;
  warned = true;
  runtime.emitWarning(
    'createPayments keeps orders in memory (MemoryOrderStore, the default store) with NODE_ENV=production: ' +
      'every order is lost on restart and unseen by other instances. Pass a durable store, e.g. ' +
      "createSqlStore from '@hutong/store-sql'.",
    { type: 'HutongWarning', code: MEMORY_ORDER_STORE_WARNING },
  );
}

/** `NODE_ENV`, or `undefined` where reading the environment is refused (Deno without `--allow-env`). */
function readNodeEnv(runtime: Partial<Pick<NodeJS.Process, 'env'>>): string | undefined {
  try {
    return runtime.env?.NODE_ENV;
  } catch {
    return undefined;
  }
}
