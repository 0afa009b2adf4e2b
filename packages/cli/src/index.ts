/**
 * `@hutong/cli`: the `hutong` command (`hutong reconcile` closes a day against a wallet's
 * statement) and what it is made of, for scripts that run it in process. ESM-only.
 *
 * @example
 * ```ts
 * import { runReconcileCommand } from '@hutong/cli';
 * const code = await runReconcileCommand(['--config', './hutong.config.mjs', '--provider', 'wechatpay', '--date', '2026-12-01']);
 * ```
 *
 * @packageDocumentation
 */
export * from './load-config.js';
export * from './reconcile-command.js';
export * from './statement-report.js';
