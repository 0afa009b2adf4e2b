/**
 * The connect deadline of deliverNotification, with a socket that never connects (a local network
 * cannot be made to drop a SYN portably, so `node:http` is replaced for this file).
 */
import { EventEmitter } from 'node:events';
import { TimeoutError } from '@hutong/core';
import { describe, expect, it, vi } from 'vitest';
import { deliverNotification } from '../../src/testing/index.js';

const destroyed: string[] = [];

vi.mock('node:http', () => ({
  request: () => {
    const request = Object.assign(new EventEmitter(), {
      end: () => {
        const socket = Object.assign(new EventEmitter(), { connecting: true });
        setTimeout(() => request.emit('socket', socket), 1);
      },
      destroy: () => destroyed.push('request'),
    });
    return request;
  },
}));

describe('deliverNotification connect deadline', () => {
  it('gives up on a merchant that does not accept the connection within connectTimeoutMs', async () => {
    const started = Date.now();
    const error = await deliverNotification({ headers: {}, body: 'x' }, 'http://merchant.example/hook', {
      connectTimeoutMs: 100,
      timeoutMs: 10_000,
    }).catch((e: unknown) => e);
    expect(TimeoutError.isInstance(error)).toBe(true);
    expect((error as TimeoutError).message).toContain('did not accept a connection');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(destroyed).toEqual(['request']);
  });
});
