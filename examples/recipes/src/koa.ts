import type { AnyProvider, Payments } from '@hutong/core';
import Koa from 'koa';

/** A Koa app with `POST /webhooks/<provider>` for each of the shop's wallets. */
export function createKoaApp<P extends AnyProvider>(payments: Payments<P>): Koa {
  const app = new Koa();
  const handlers = new Map(payments.providers.map(({ id }) => [`/webhooks/${id}`, payments.nodeWebhookHandler(id)]));
  // Before any body parser: the handler reads the raw body from ctx.req and writes the reply to
  // ctx.res itself, so Koa is told not to respond.
  app.use(async (ctx, next) => {
    const handler = ctx.method === 'POST' ? handlers.get(ctx.path) : undefined;
    if (!handler) return next();
    ctx.respond = false;
    await handler(ctx.req, ctx.res);
  });
  return app;
}
