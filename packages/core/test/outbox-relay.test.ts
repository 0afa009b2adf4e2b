/**
 * The outbox relay on the memory outbox: a listener that never settles cannot stop delivery, stop()
 * is bounded, orders are delivered concurrently and each order's events in order, claims and
 * acknowledgements go in batches, and retention keeps the outbox bounded.
 */

import { createOutboxRelay, MemoryOutbox, MemoryOutboxStore, type OutboxRelayOptions } from '@hutong/core';
import { runOutboxStoreTests } from '@hutong/core/conformance';
import type { ClaimedOutboxEvent, OrderOutbox, OutboxEvent } from '@hutong/core/store-kit';
import { describe, expect, it } from 'vitest';

runOutboxStoreTests({ name: 'MemoryOutboxStore', createStore: () => new MemoryOutboxStore() });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function event(orderId: string, version: number, type: OutboxEvent['type'] = 'order.created', at = 0): OutboxEvent {
  return {
    id: `${orderId}:${version}:0`,
    type,
    orderId,
    payload: { order: { id: orderId } },
    createdAt: new Date(at).toISOString(),
  } as OutboxEvent;
}

/** An outbox that counts the store calls made on it. */
function counted(outbox: OrderOutbox) {
  const calls = { claim: 0, ack: 0, release: 0, prune: 0 };
  const wrapped: OrderOutbox = {
    claimEvents(o) {
      calls.claim++;
      return outbox.claimEvents(o);
    },
    ackEvents(ids, g) {
      calls.ack++;
      return outbox.ackEvents(ids, g);
    },
    releaseEvents(ids, o) {
      calls.release++;
      return outbox.releaseEvents(ids, o);
    },
    pruneEvents(b, o) {
      calls.prune++;
      return outbox.pruneEvents(b, o);
    },
  };
  return { outbox: wrapped, calls };
}

async function eventually(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(10);
  }
}

const fast: Partial<OutboxRelayOptions> = { pollIntervalMs: 10, retryDelayMs: 20, maxRetryDelayMs: 40 };

describe('a listener that never settles', () => {
  it('cannot stop delivery: the hung event is released at its deadline and retried, while later events flow', async () => {
    const outbox = new MemoryOutbox();
    outbox.append([event('hungOrder01', 1, 'order.created')]);
    outbox.append([event('otherOrder1', 1, 'order.created'), event('otherOrder1', 2, 'order.paid')]);
    const delivered: string[] = [];
    const tries: number[] = [];
    const relay = createOutboxRelay({
      outbox,
      ...fast,
      deliveryTimeoutMs: 100,
      deliver: (e: ClaimedOutboxEvent) => {
        if (e.orderId === 'hungOrder01') {
          tries.push(e.attempts);
          return new Promise(() => {}); // never settles
        }
        delivered.push(e.id);
      },
    });
    relay.start();
    await eventually(() => delivered.length === 2);
    expect(delivered).toEqual(['otherOrder1:1:0', 'otherOrder1:2:0']);
    // Events written later still flow while the hung one keeps failing.
    outbox.append([event('lateOrder01', 1, 'order.paid')]);
    relay.wake();
    await eventually(() => delivered.includes('lateOrder01:1:0') && tries.length >= 3);
    expect(tries.slice(0, 3)).toEqual([1, 2, 3]);
    const started = Date.now();
    await relay.stop();
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('lets stop() resolve within the drain time and releases the event for another instance', async () => {
    const outbox = new MemoryOutbox();
    outbox.append([event('hungOrder02', 1)]);
    let entered = false;
    const relay = createOutboxRelay({
      outbox,
      ...fast,
      deliveryTimeoutMs: 60_000,
      drainTimeoutMs: 200,
      deliver: () => {
        entered = true;
        return new Promise(() => {});
      },
    });
    relay.start();
    await eventually(() => entered);
    const started = Date.now();
    await relay.stop();
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(150);
    expect(took).toBeLessThan(1000);
    expect(relay.running).toBe(false);
    // Released: another consumer takes it now, not after the 60 s lease.
    const again = await outbox.claimEvents({ group: 'default', consumer: 'other', limit: 10, leaseMs: 1000 });
    expect(again.map((e) => [e.id, e.attempts])).toEqual([['hungOrder02:1:0', 2]]);
  });

  it('aborts the signal given to deliver at the deadline', async () => {
    const outbox = new MemoryOutbox();
    outbox.append([event('abortOrder1', 1)]);
    let reason: unknown;
    const errors: { error: unknown; timedOut: boolean | undefined }[] = [];
    const relay = createOutboxRelay({
      outbox,
      ...fast,
      deliveryTimeoutMs: 50,
      onError: (error, context) => void errors.push({ error, timedOut: context.timedOut }),
      deliver: (_e, { signal }) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            reason = signal.reason;
            reject(signal.reason);
          });
        }),
    });
    expect(await relay.runOnce()).toBe(0);
    expect((reason as { code?: string }).code).toBe('timeout');
    expect(errors[0]?.timedOut).toBe(true);
  });
});

describe('concurrency and order', () => {
  it('delivers different orders at the same time, up to `concurrency`, and each order one event after the other, in order', async () => {
    const outbox = new MemoryOutbox();
    for (let version = 1; version <= 3; version++) {
      for (let order = 0; order < 10; order++) outbox.append([event(`concOrder${order}`, version)]);
    }
    let active = 0;
    let most = 0;
    const activeOrders = new Set<string>();
    let overlapInOrder = 0;
    const seen = new Map<string, number[]>();
    const relay = createOutboxRelay({
      outbox,
      concurrency: 4,
      deliver: async (e) => {
        if (activeOrders.has(e.orderId)) overlapInOrder++;
        activeOrders.add(e.orderId);
        active++;
        most = Math.max(most, active);
        await sleep(20);
        seen.set(e.orderId, [...(seen.get(e.orderId) ?? []), Number(e.id.split(':')[1])]);
        active--;
        activeOrders.delete(e.orderId);
      },
    });
    const started = Date.now();
    expect(await relay.runOnce()).toBe(30);
    expect(most).toBe(4);
    expect(overlapInOrder).toBe(0);
    for (const versions of seen.values()) expect(versions).toEqual([1, 2, 3]);
    // 30 deliveries of 20 ms, four at a time: well under the 600 ms one at a time would take.
    expect(Date.now() - started).toBeLessThan(450);
  });

  it("holds an order's later events back while an earlier one fails, and delivers them after it", async () => {
    const outbox = new MemoryOutbox();
    outbox.append([event('heldOrder01', 1), event('heldOrder01', 2, 'order.paid')]);
    const calls: string[] = [];
    let failures = 1;
    const relay = createOutboxRelay({
      outbox,
      ...fast,
      deliver: (e) => {
        calls.push(`${e.id}#${e.attempts}`);
        if (e.id === 'heldOrder01:1:0' && failures-- > 0) throw new Error('fulfilment down');
      },
    });
    relay.start();
    await eventually(() => calls.includes('heldOrder01:2:0#1'));
    await relay.stop();
    expect(calls).toEqual(['heldOrder01:1:0#1', 'heldOrder01:1:0#2', 'heldOrder01:2:0#1']);
  });
});

describe('batches', () => {
  it('claims and acknowledges a batch with one store call each', async () => {
    const memory = new MemoryOutbox();
    for (let i = 0; i < 250; i++) memory.append([event(`batchOrder${i}`, 1)]);
    const { outbox, calls } = counted(memory);
    let delivered = 0;
    const relay = createOutboxRelay({ outbox, batchSize: 100, deliver: () => void delivered++ });
    let acked = 0;
    for (let pass = 0; pass < 3; pass++) acked += await relay.runOnce();
    expect([acked, delivered]).toEqual([250, 250]);
    expect(calls.claim).toBe(3);
    expect(calls.ack).toBeLessThanOrEqual(6);
  });

  it('acknowledges the events of types it does not accept with the batch, without delivering them', async () => {
    const memory = new MemoryOutbox();
    for (let i = 0; i < 20; i++) memory.append([event(`typeOrder${i}`, 1, i % 2 ? 'order.paid' : 'order.pending')]);
    const { outbox, calls } = counted(memory);
    const delivered: string[] = [];
    const relay = createOutboxRelay({
      outbox,
      accepts: (type) => type === 'order.paid',
      deliver: (e) => void delivered.push(e.type),
    });
    expect(await relay.runOnce()).toBe(20);
    expect(delivered).toEqual(Array(10).fill('order.paid'));
    expect(calls.ack).toBe(1);
    expect(await relay.runOnce()).toBe(0);
  });
});

describe('retention', () => {
  const HOUR = 3_600_000;
  const DAY = 24 * HOUR;
  /** Two weeks, an hour at a time: 50 events an hour, delivered, then a pruning round. */
  async function fortnight(retentionMs: number | false | undefined) {
    let clock = Date.parse('2024-01-01T00:00:00Z');
    const store = new MemoryOutboxStore();
    const relay = createOutboxRelay({
      outbox: store.outbox,
      now: () => clock,
      deliver: () => {},
      ...(retentionMs === undefined ? {} : { retentionMs }),
    });
    let largest = 0;
    let n = 0;
    for (let hour = 0; hour < 14 * 24; hour++) {
      clock += HOUR;
      for (let i = 0; i < 50; i++) store.outbox.append([event(`retain${n++}`, 1, 'order.paid', clock)]);
      while ((await relay.runOnce()) > 0) {}
      await relay.prune();
      largest = Math.max(largest, store.outbox.size);
    }
    return { largest, size: store.outbox.size, claims: store.outbox.claimCount };
  }

  it('keeps the outbox bounded over a simulated fortnight with the default retention of 7 days', async () => {
    const { largest, size, claims } = await fortnight(undefined);
    // At most 7 days and an hour of events are ever kept, and their claims with them.
    expect(largest).toBeLessThanOrEqual((7 * 24 + 1) * 50);
    expect(size).toBeGreaterThanOrEqual(7 * 24 * 50 - 50);
    expect(claims).toBe(size);
  });

  it('keeps every event with retentionMs: false (control)', async () => {
    const { size } = await fortnight(false);
    expect(size).toBe(14 * 24 * 50);
  });

  it('prunes after a shorter retention period when asked, and never what its group has not acknowledged', async () => {
    let clock = Date.parse('2024-01-01T00:00:00Z');
    const outbox = new MemoryOutbox();
    outbox.append([event('keepOrder01', 1, 'order.paid', clock), event('dropOrder01', 1, 'order.paid', clock)]);
    const relay = createOutboxRelay({
      outbox,
      now: () => clock,
      retentionMs: DAY,
      accepts: (type) => type === 'order.paid',
      deliver: (e) => e.orderId !== 'keepOrder01' && undefined,
    });
    const relayFailing = createOutboxRelay({
      outbox,
      group: 'failing',
      retentionMs: DAY,
      now: () => clock,
      deliver: () => false,
    });
    await relay.runOnce();
    await relayFailing.runOnce();
    clock += 2 * DAY;
    expect(await relayFailing.prune()).toBe(0);
    expect(await relay.prune()).toBe(1);
    expect(outbox.size).toBe(1);
    expect(await relay.prune()).toBe(0);
  });
});
