import type { AnyProvider, Payments } from '@hutong/core';
import { Hono } from 'hono';

/** A Hono app with `POST /webhooks/<provider>` for each of the shop's wallets (any runtime). */
export function createHonoApp<P extends AnyProvider>(payments: Payments<P>): Hono {
  const app = new Hono();
  for (const { id } of payments.providers) {
    // The web handler takes the untouched Request (c.req.raw) and reads its bytes itself.
    const handler = payments.webhookHandler(id);
    app.post(`/webhooks/${id}`, (c) => handler(c.req.raw));
  }
  return app;
}
