/**
 * The relay's acknowledgements when the store misbehaves: a failed acknowledgement is reported and
 * tried again with the next write (the event is not delivered again), and an acknowledgement that
 * never settles holds the next writes only until the deadline, so other orders' events are still
 * acknowledged.
 */

import { createOutboxRelay, MemoryOutbox } from '@hutong/core';
import type { OrderOutbox, OutboxEvent } from '@hutong/core/store-kit';
import { describe, expect, it } from 'vitest';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function event(orderId: string): OutboxEvent {
  return {
    id: `${orderId}:1:0`,
    type: 'order.created',
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

/** A memory outbox whose first acknowledgement call fails (`'fail'`) or never settles (`'hang'`). */
function faultyAck(outbox: MemoryOutbox, fault: 'fail' | 'hang') {
  const acked: string[] = [];
  let calls = 0;
  const wrapped: OrderOutbox = {
    claimEvents: (o) => outbox.claimEvents(o),
    releaseEvents: (ids, o) => outbox.releaseEvents(ids, o),
    pruneEvents: (b, o) => outbox.pruneEvents(b, o),
    async ackEvents(ids, group) {
      calls++;
      if (calls === 1 && fault === 'fail') throw new Error('the store is busy');
      if (calls === 1 && fault === 'hang') return new Promise<number>(() => undefined);
      acked.push(...ids);
      return outbox.ackEvents(ids, group);
    },
  };
  return { outbox: wrapped, acked };
}

describe('acknowledgements that fail or hang', () => {
  it('reports a failed acknowledgement and acknowledges the event with a later write, delivered once', async () => {
    const memory = new MemoryOutbox();
    memory.append([event('o1')]);
    const { outbox, acked } = faultyAck(memory, 'fail');
    const delivered: string[] = [];
    const errors: unknown[] = [];
    const relay = createOutboxRelay({
      outbox,
      leaseMs: 60_000,
      pollIntervalMs: 10,
      retentionMs: false,
      onError: (error) => errors.push(error),
      deliver: (e) => {
        delivered.push(e.id);
      },
    });
    relay.start();
    try {
      await eventually(() => acked.includes('o1:1:0'), 3000);
      expect(errors.map((error) => (error as Error).message)).toEqual(['the store is busy']);
      await sleep(100);
      expect(delivered).toEqual(['o1:1:0']);
    } finally {
      await relay.stop();
    }
  });

  it('acknowledges other orders past an acknowledgement that never settles, and reports it', async () => {
    const memory = new MemoryOutbox();
    memory.append([event('o1')]);
    const { outbox, acked } = faultyAck(memory, 'hang');
    const delivered: string[] = [];
    const errors: unknown[] = [];
    const relay = createOutboxRelay({
      outbox,
      leaseMs: 60_000,
      deliveryTimeoutMs: 300,
      drainTimeoutMs: 100,
      pollIntervalMs: 10,
      retentionMs: false,
      onError: (error) => errors.push(error),
      deliver: (e) => {
        delivered.push(e.id);
      },
    });
    relay.start();
    try {
      await eventually(() => delivered.includes('o1:1:0'), 2000);
      memory.append([event('o2')]);
      relay.wake();
      await eventually(() => acked.includes('o2:1:0') && acked.includes('o1:1:0'), 3000);
      expect(errors.map((error) => (error as Error).name)).toEqual(['TimeoutError']);
      expect(delivered).toEqual(['o1:1:0', 'o2:1:0']);
    } finally {
      await relay.stop();
    }
  });
});
