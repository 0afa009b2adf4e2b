/**
 * A reconciled day as the finance team reads it (text: counts per difference, totals in yuan, the
 * differences line by line) and as machines read it (JSON, CSV).
 *
 * @packageDocumentation
 */
import {
  countStatementDifferences,
  formatYuan,
  type StatementDifference,
  type StatementDifferenceCode,
  type StatementResult,
} from '@hutong/core';

/** The output formats of `hutong reconcile`. */
export const REPORT_FORMATS = ['text', 'json', 'csv'] as const;

/** One of {@link REPORT_FORMATS}. */
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** How many differences the text report lists before pointing to `--format csv`. */
const TEXT_LIST_LIMIT = 50;

const CODE_ORDER: readonly StatementDifferenceCode[] = [
  'missing_locally',
  'missing_at_wallet',
  'amount_mismatch',
  'status_mismatch',
  'refund_mismatch',
];

/** Fen as signed yuan, `¥1,234.56` style without the grouping: `¥1234.56`, `-¥0.50`. */
function yuan(fen: number): string {
  return fen < 0 ? `-¥${formatYuan(-fen)}` : `¥${formatYuan(fen)}`;
}

function resolutions(differences: readonly StatementDifference[], code: StatementDifferenceCode): string {
  const counts = new Map<string, number>();
  for (const difference of differences) {
    if (difference.code !== code || !difference.resolution) continue;
    counts.set(difference.resolution, (counts.get(difference.resolution) ?? 0) + 1);
  }
  if (counts.size === 0) return '';
  const parts = [...counts].map(([resolution, count]) => `${count} ${resolution.replace('_', ' ')}`);
  return ` (${parts.join(', ')})`;
}

function amount(fen: number | null): string {
  return fen === null ? '-' : yuan(fen);
}

/**
 * The readable summary: the day, the totals in yuan, the count of each difference (and what the
 * wallet's query did for status differences), then the differences, up to 50.
 *
 * @example
 * ```ts
 * process.stdout.write(formatStatementText(result));
 * ```
 */
export function formatStatementText(result: StatementResult): string {
  const counts = countStatementDifferences(result.differences);
  const merchant = result.merchant === null ? '' : ` (merchant ${result.merchant})`;
  const rows: [string, string][] = [
    ['Lines', String(result.totals.lines)],
    ['Matched', String(result.matched)],
    ['Payments', yuan(result.totals.payments)],
    ['Refunds', yuan(result.totals.refunds)],
    ['Fees', yuan(result.totals.fees)],
    ['Net', yuan(result.totals.net)],
    ['Differences', String(result.differences.length)],
  ];
  const out = [`Statement of ${result.provider} for ${result.date}${merchant}, reconciled ${result.reconciledAt}`];
  for (const [label, value] of rows) out.push(`  ${label.padEnd(12)} ${value.padStart(16)}`);
  for (const code of CODE_ORDER) {
    if (counts[code] === 0) continue;
    out.push(`    ${code.padEnd(18)} ${String(counts[code]).padStart(8)}${resolutions(result.differences, code)}`);
  }
  if (result.differences.length > 0) {
    out.push('', '  line  difference         kind        order             refund/movement   statement        store');
    for (const difference of result.differences.slice(0, TEXT_LIST_LIMIT)) {
      out.push(
        [
          `  ${String(difference.line ?? '-').padStart(4)}`,
          difference.code.padEnd(18),
          difference.kind.padEnd(11),
          (difference.orderId ?? '-').padEnd(17),
          (difference.refundId ?? difference.movementId ?? '-').padEnd(17),
          amount(difference.statementAmount).padStart(9),
          amount(difference.storeAmount).padStart(12),
          difference.resolution ?? '',
        ]
          .join(' ')
          .trimEnd(),
      );
    }
    const rest = result.differences.length - TEXT_LIST_LIMIT;
    if (rest > 0) out.push(`  … and ${rest} more (--format csv lists them all)`);
  } else {
    out.push('', '  No differences: the statement and the store agree.');
  }
  return `${out.join('\n')}\n`;
}

/**
 * The result as JSON, with the count of each difference: `{ ...result, counts }`.
 *
 * @example
 * ```ts
 * JSON.parse(formatStatementJson(result)).counts.amount_mismatch; // 1
 * ```
 */
export function formatStatementJson(result: StatementResult): string {
  return `${JSON.stringify({ ...result, counts: countStatementDifferences(result.differences) }, null, 2)}\n`;
}

const CSV_COLUMNS = [
  'provider',
  'date',
  'merchant',
  'code',
  'kind',
  'order_id',
  'refund_id',
  'movement_id',
  'provider_trade_id',
  'statement_amount_fen',
  'store_amount_fen',
  'line',
  'resolution',
  'statement_status',
] as const;

/** A CSV field: quoted when it must be, and text a spreadsheet would run as a formula made inert. */
function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * One CSV row per difference (amounts in fen), with a header row; RFC 4180 quoting.
 *
 * @example
 * ```ts
 * writeFileSync('differences.csv', formatStatementCsv(result));
 * ```
 */
export function formatStatementCsv(result: StatementResult): string {
  const rows = [CSV_COLUMNS.join(',')];
  for (const d of result.differences) {
    rows.push(
      [
        result.provider,
        result.date,
        result.merchant,
        d.code,
        d.kind,
        d.orderId,
        d.refundId,
        d.movementId,
        d.providerTradeId,
        d.statementAmount,
        d.storeAmount,
        d.line,
        d.resolution,
        d.status,
      ]
        .map(csvField)
        .join(','),
    );
  }
  return `${rows.join('\r\n')}\r\n`;
}

/**
 * The result in the format asked for.
 *
 * @example
 * ```ts
 * process.stdout.write(formatStatementResult(result, 'json'));
 * ```
 */
export function formatStatementResult(result: StatementResult, format: ReportFormat): string {
  switch (format) {
    case 'json':
      return formatStatementJson(result);
    case 'csv':
      return formatStatementCsv(result);
    default:
      return formatStatementText(result);
  }
}
