/**
 * The one channel library code may speak through on its own: a Node warning (`process.emitWarning`),
 * emitted once per code per process, and only in production, for a set-up that works in
 * development but loses data in production (orders or sessions kept in memory).
 *
 * @packageDocumentation
 */

const warned = new Set<string>();

/** `NODE_ENV`, or `undefined` where reading the environment is refused (Deno without `--allow-env`). */
function readNodeEnv(runtime: Partial<Pick<NodeJS.Process, 'env'>>): string | undefined {
  try {
    return runtime.env?.NODE_ENV;
  } catch {
    return undefined;
  }
}

/**
 * Emits `message` as a `HutongWarning` with `code`, once per code per process, when `NODE_ENV` is
 * `production`. Runtimes without `process.emitWarning`, or that refuse to show the environment, get
 * none. Returns whether it emitted.
 *
 * @example
 * ```ts
 * warnOnceInProduction('HUTONG_MEMORY_CHECKOUT_STORE', 'sessions are kept in memory: pass a durable store');
 * ```
 */
export function warnOnceInProduction(code: string, message: string): boolean {
  if (warned.has(code)) return false;
  const runtime = (globalThis as { process?: Partial<Pick<NodeJS.Process, 'env' | 'emitWarning'>> }).process;
  if (typeof runtime?.emitWarning !== 'function' || readNodeEnv(runtime) !== 'production') return false;
  warned.add(code);
  runtime.emitWarning(message, { type: 'HutongWarning', code });
  return true;
}
