/**
 * `hutong reconcile`: reconciles one provider's statement of one day through the merchant's own
 * `payments` (from the config module) and prints the result.
 *
 * @packageDocumentation
 */
import { parseArgs } from 'node:util';
import { HutongError, type Payments } from '@hutong/core';
import { loadPayments } from './load-config.js';
import { formatStatementResult, REPORT_FORMATS, type ReportFormat } from './statement-report.js';

/** Where a command writes; `process.stdout`/`process.stderr` by default. */
export interface CommandOutput {
  /** Receives the report. */
  readonly stdout: (text: string) => void;
  /** Receives usage and run errors. */
  readonly stderr: (text: string) => void;
}

/** Exit codes of `hutong reconcile`: no difference, differences found, a usage or run error. */
export const RECONCILE_EXIT = { clean: 0, differences: 1, error: 2 } as const;

/** The usage text of `hutong reconcile`. */
export const RECONCILE_USAGE = `Usage:
  hutong reconcile --config <file> --provider <id> --date <YYYY-MM-DD>
                   [--merchant <key>] [--kind <bill kind>] [--format text|json|csv]
      Downloads the provider's statement of that day (China time), matches it against the store,
      asks the wallet about every payment or refund settled there but not here, stores the result
      and prints it. The config module's default export is your payments facade (or a function
      returning it).
      Exit code: 0 no differences, 1 differences found, 2 usage or run error.`;

class UsageError extends Error {}

function parse(argv: readonly string[]) {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: false; args: string[] }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: false });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values } = parsed;
  for (const name of ['config', 'provider', 'date'] as const) {
    if (!values[name]) throw new UsageError(`--${name} is required`);
  }
  const format = (values.format ?? 'text') as ReportFormat;
  if (!REPORT_FORMATS.includes(format)) throw new UsageError(`--format must be one of ${REPORT_FORMATS.join(', ')}`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(values.date as string)) throw new UsageError('--date must be YYYY-MM-DD');
  return {
    config: values.config as string,
    provider: values.provider as string,
    date: values.date as string,
    merchant: values.merchant,
    kind: values.kind,
    format,
  };
}

const OPTIONS = {
  config: { type: 'string' },
  provider: { type: 'string' },
  date: { type: 'string' },
  merchant: { type: 'string' },
  kind: { type: 'string' },
  format: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** An error as one line, its stable code first for hutong errors; never a stack or a cause's secrets. */
function describeError(error: unknown): string {
  if (HutongError.isInstance(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs `hutong reconcile` with these arguments (those after `reconcile`); resolves with the exit
 * code. Usage errors print the usage to `stderr`; a failed run prints the error's code and message.
 *
 * @example
 * ```ts
 * const code = await runReconcileCommand(['--config', './hutong.config.mjs', '--provider', 'wechatpay', '--date', '2026-12-01']);
 * ```
 */
export async function runReconcileCommand(
  argv: readonly string[],
  output: CommandOutput = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  },
): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    output.stdout(`${RECONCILE_USAGE}\n`);
    return RECONCILE_EXIT.clean;
  }
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (error) {
    output.stderr(`hutong reconcile: ${(error as Error).message}\n\n${RECONCILE_USAGE}\n`);
    return RECONCILE_EXIT.error;
  }
  let payments: Payments | undefined;
  try {
    payments = await loadPayments(args.config);
    const result = await payments.reconcileStatement({
      provider: args.provider,
      date: args.date,
      ...(args.merchant === undefined ? {} : { merchant: args.merchant }),
      ...(args.kind === undefined ? {} : { kind: args.kind }),
    });
    output.stdout(formatStatementResult(result, args.format));
    return result.differences.length === 0 ? RECONCILE_EXIT.clean : RECONCILE_EXIT.differences;
  } catch (error) {
    output.stderr(`hutong reconcile: ${describeError(error)}\n`);
    return RECONCILE_EXIT.error;
  } finally {
    // The events are in the store's outbox; the application's relay delivers them.
    await payments?.relay?.stop();
  }
}
