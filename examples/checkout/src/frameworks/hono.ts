import type { Checkout } from '@hutong/checkout';
import { Hono } from 'hono';

/** A Hono app serving the checkout under /pay (any runtime: Node, Bun, Deno, Workers). */
export function createHonoApp(checkout: Checkout): Hono {
  const app = new Hono();
  app.all('/pay/*', (c) => checkout.handler(c.req.raw));
  return app;
}
