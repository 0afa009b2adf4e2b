import { createServer, type Server } from 'node:http';
import type { Checkout } from '@hutong/checkout';
import { refuseConnectRequests } from '@hutong/core';

/**
 * Node's own server: the checkout answers every request (mount it under a router to share the port).
 * Node hands `CONNECT` to the server, never to a request handler: `refuseConnectRequests` answers it 405.
 */
export function createCheckoutServer(checkout: Checkout): Server {
  return refuseConnectRequests(createServer(checkout.nodeHandler));
}
