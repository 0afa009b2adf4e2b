import { createServer, type Server } from 'node:http';
import type { Checkout } from '@hutong/checkout';

/** Node's own server: the checkout answers every request (mount it under a router to share the port). */
export function createCheckoutServer(checkout: Checkout): Server {
  return createServer(checkout.nodeHandler);
}
