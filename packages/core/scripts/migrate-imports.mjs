#!/usr/bin/env node
/**
 * Rewrites imports of the names that left `@hutong/core` in 1.0 to the entry that has them now
 * (`@hutong/core/provider-utils` for the provider spec, `@hutong/core/store-kit` for store
 * authors' helpers). Usage: `node migrate-imports.mjs <file or folder>...` (TypeScript and Markdown
 * files; `node_modules` and `dist` are skipped). Prints each file it changed.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Names that left `@hutong/core` in 1.0, and the entry that has them now. */
const MOVED = new Map([
  ['ClaimEventsOptions', '@hutong/core/store-kit'],
  ['ClaimOrdersOptions', '@hutong/core/store-kit'],
  ['ClaimedOutboxEvent', '@hutong/core/store-kit'],
  ['CreatePaymentRequest', '@hutong/core/provider-utils'],
  ['CreatePaymentResult', '@hutong/core/provider-utils'],
  ['DEFAULT_LIST_LIMIT', '@hutong/core/store-kit'],
  ['DefaultProviderActions', '@hutong/core/provider-utils'],
  ['HutongErrorOptions', '@hutong/core/provider-utils'],
  ['MAX_LIST_LIMIT', '@hutong/core/store-kit'],
  ['NormalizedListOrdersQuery', '@hutong/core/store-kit'],
  ['NotificationOutcome', '@hutong/core/provider-utils'],
  ['OrderClaims', '@hutong/core/store-kit'],
  ['OrderEffect', '@hutong/core/provider-utils'],
  ['OrderEvent', '@hutong/core/provider-utils'],
  ['OrderEventType', '@hutong/core/provider-utils'],
  ['OrderListPosition', '@hutong/core/store-kit'],
  ['OutboxEvent', '@hutong/core/store-kit'],
  ['OutboxEventType', '@hutong/core/store-kit'],
  ['OutboxPayload', '@hutong/core/store-kit'],
  ['PaymentClosedEvent', '@hutong/core/provider-utils'],
  ['PaymentFailedEvent', '@hutong/core/provider-utils'],
  ['PaymentInitiatedCommand', '@hutong/core/provider-utils'],
  ['PaymentPendingEvent', '@hutong/core/provider-utils'],
  ['PaymentProvider', '@hutong/core/provider-utils'],
  ['PaymentReference', '@hutong/core/provider-utils'],
  ['PaymentStatusEvent', '@hutong/core/provider-utils'],
  ['PaymentSucceededEvent', '@hutong/core/provider-utils'],
  ['ProviderActions', '@hutong/core/provider-utils'],
  ['ProviderApiErrorDetails', '@hutong/core/provider-utils'],
  ['ProviderCapabilities', '@hutong/core/provider-utils'],
  ['ProviderTypes', '@hutong/core/provider-utils'],
  ['PruneEventsOptions', '@hutong/core/store-kit'],
  ['RefundFailedEvent', '@hutong/core/provider-utils'],
  ['RefundPendingEvent', '@hutong/core/provider-utils'],
  ['RefundReference', '@hutong/core/provider-utils'],
  ['RefundRequest', '@hutong/core/provider-utils'],
  ['RefundRequestedCommand', '@hutong/core/provider-utils'],
  ['RefundStatusEvent', '@hutong/core/provider-utils'],
  ['RefundSucceededEvent', '@hutong/core/provider-utils'],
  ['ReleaseEventsOptions', '@hutong/core/store-kit'],
  ['ResumePaymentRequest', '@hutong/core/provider-utils'],
  ['TransitionResult', '@hutong/core/provider-utils'],
  ['ValidationErrorOptions', '@hutong/core/provider-utils'],
  ['VerifiedNotification', '@hutong/core/provider-utils'],
  ['checkClaimEventsOptions', '@hutong/core/store-kit'],
  ['checkLease', '@hutong/core/store-kit'],
  ['checkOutboxName', '@hutong/core/store-kit'],
  ['checkPruneEventsOptions', '@hutong/core/store-kit'],
  ['checkReleaseEventsOptions', '@hutong/core/store-kit'],
  ['compareOrderListPositions', '@hutong/core/store-kit'],
  ['decodeOrderCursor', '@hutong/core/store-kit'],
  ['defaultConsumerName', '@hutong/core/store-kit'],
  ['encodeOrderCursor', '@hutong/core/store-kit'],
  ['escapeHtml', '@hutong/core/provider-utils'],
  ['hasPendingRefund', '@hutong/core/store-kit'],
  ['normalizeListOrdersQuery', '@hutong/core/store-kit'],
  ['orderListPosition', '@hutong/core/store-kit'],
  ['outboxEventId', '@hutong/core/store-kit'],
]);

function files(path) {
  if (statSync(path).isFile()) return /\.(ts|tsx|mts|cts|md)$/.test(path) ? [path] : [];
  return readdirSync(path).flatMap((name) =>
    name === 'node_modules' || name === 'dist' || name.startsWith('.') ? [] : files(join(path, name)),
  );
}

const IMPORT = /import\s+(type\s+)?\{([^}]*)\}\s+from\s+(['"])@hutong\/core\3;?/g;

function rewrite(text) {
  return text.replace(IMPORT, (whole, typeOnly, list, quote) => {
    const groups = new Map();
    for (const raw of list.split(',')) {
      const spec = raw.trim();
      if (!spec) continue;
      const name = spec
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)[0]
        .trim();
      const from = MOVED.get(name) ?? '@hutong/core';
      if (!groups.has(from)) groups.set(from, []);
      groups.get(from).push(spec);
    }
    if (groups.size === 1 && groups.has('@hutong/core')) return whole;
    const keyword = typeOnly ? 'import type' : 'import';
    return [...groups]
      .map(([from, specs]) => `${keyword} { ${specs.join(', ')} } from ${quote}${from}${quote};`)
      .join('\n');
  });
}

for (const root of process.argv.slice(2)) {
  for (const file of files(root)) {
    const before = readFileSync(file, 'utf8');
    const after = rewrite(before);
    if (after !== before) {
      writeFileSync(file, after);
      console.log(file);
    }
  }
}
