/**
 * The suite's reply cases: a reply with a broken signature, a genuine reply about another order
 * and a genuine reply with another amount never reach the order.
 *
 * @packageDocumentation
 */
import { HutongError } from '@hutong/core';
import { expect } from 'vitest';
import type { SandboxReplyTampering } from '../testing/wallet-sandbox.js';
import {
  type ConformanceCase,
  caseAmount,
  caseContext,
  createOpened,
  type ProviderConformanceSuite,
} from './provider-conformance-harness.js';

/**
 * Pays at the wallet without delivering the notification, tampers the next reply, and syncs: the
 * query's reply is the one altered.
 */
async function syncTampered(suite: ProviderConformanceSuite, amount: number, kind: SandboxReplyTampering) {
  const context = await caseContext(suite);
  const order = await createOpened(suite, context, amount);
  context.sandbox.pay(order.id); // the notification is lost; only the query can tell
  if (!context.provider.capabilities.query) return undefined;
  context.sandbox.hostile.tamperNextReply(kind);
  const error = await context.payments.sync(order.id).then(
    () => undefined,
    (e: unknown) => e,
  );
  const stored = await context.payments.getOrder(order.id);
  return { error, stored, order };
}

/** The cases about replies. @internal */
export function replyCases(suite: ProviderConformanceSuite, first: number): ConformanceCase[] {
  const at = (i: number) => caseAmount(first + i);
  return [
    {
      name: 'refuses a reply whose signature does not verify, and changes nothing',
      async run() {
        const found = await syncTampered(suite, at(0), 'signature');
        if (!found) return;
        expect(HutongError.isInstance(found.error) && found.error.code, 'the query fails on the signature').toBe(
          'signature_invalid',
        );
        expect(found.stored.status).toBe('pending');
        expect(found.stored.version).toBe(found.order.version);
      },
    },
    {
      name: 'refuses a genuine reply about another order, and changes nothing',
      async run() {
        const found = await syncTampered(suite, at(1), 'order');
        if (!found) return;
        expect(HutongError.isInstance(found.error) && found.error.code, 'the reply answers another request').toBe(
          'unexpected_response',
        );
        expect(found.stored.status).toBe('pending');
        expect(found.stored.version).toBe(found.order.version);
      },
    },
    {
      name: "takes the paid amount from the wallet's reply, never from the order",
      async run() {
        const found = await syncTampered(suite, at(2), 'amount');
        if (!found) return;
        // Either the adapter binds the amount (an unexpected_response), or it reports the wallet's
        // amount and the order records a mismatch: never paid at the order's own amount.
        if (found.error !== undefined) {
          expect(HutongError.isInstance(found.error) && found.error.code).toBe('unexpected_response');
        } else {
          expect(found.stored.anomalies.some((a) => a.code === 'amount_mismatch')).toBe(true);
        }
        expect(found.stored.status, 'a reply with another amount does not pay the order').toBe('pending');
      },
    },
  ];
}
