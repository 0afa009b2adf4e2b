/**
 * stop() while a delivery hangs, then start() again: the relay keeps delivering that order's
 * events. (Before the fix, stop() left the order's emptied chain behind; after the restart, new
 * events of the order were appended to it and never ran, and once the hung delivery timed out they
 * were dropped while still counted as claimed, so no later claim delivered them.)
 */

import { createOutboxRelay, MemoryOutbox } from '@hutong/core';
import type { ClaimedOutboxEvent, OutboxEvent } from '@hutong/core/store-kit';
import { describe, expect, it } from 'vitest';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function event(orderId: string, version: number, type: OutboxEvent['type']): OutboxEvent {
  return {
    id: `${orderId}:${version}:0`,
    type,
    orderId,
    payload: { order: { id: orderId } },
    createdAt: new Date().toISOString(),
  } as OutboxEvent;
}

async function eventually(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(10);
  }
}

describe('stop() during a hung delivery, then start()', () => {
  it("delivers the order's events again after the restart, and after the hung delivery times out", async () => {
    const outbox = new MemoryOutbox();
    outbox.append([event('o1', 1, 'order.created')]);
    const delivered: string[] = [];
    let hung = false;
    const errors: unknown[] = [];
    const relay = createOutboxRelay({
      outbox,
      leaseMs: 1000,
      deliveryTimeoutMs: 1500,
      drainTimeoutMs: 200,
      pollIntervalMs: 20,
      retryDelayMs: 20,
      maxRetryDelayMs: 40,
      retentionMs: false,
      onError: (error) => errors.push(error),
      deliver: (e: ClaimedOutboxEvent) => {
        if (!hung) {
          // The first attempt of the first event never settles.
          hung = true;
          return new Promise(() => undefined);
        }
        delivered.push(e.id);
        return undefined;
      },
    });
    relay.start();
    await eventually(() => hung, 2000);
    await relay.stop();
    outbox.append([event('o1', 2, 'order.paid')]);
    relay.start();
    try {
      await eventually(() => delivered.includes('o1:1:0') && delivered.includes('o1:2:0'), 1000);
      expect(delivered).toEqual(['o1:1:0', 'o1:2:0']);
      // The hung delivery of the first generation times out (1.5 s after it began); the order's
      // later events are still delivered, once each.
      await sleep(1500);
      outbox.append([event('o1', 3, 'order.refunded')]);
      relay.wake();
      await eventually(() => delivered.includes('o1:3:0'), 1000);
      await sleep(100);
      expect(delivered).toEqual(['o1:1:0', 'o1:2:0', 'o1:3:0']);
    } finally {
      await relay.stop();
    }
  }, 8000);
});
