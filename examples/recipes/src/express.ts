import type { AnyProvider, Payments } from '@hutong/core';
import express from 'express';

/** An Express app with `POST /webhooks/<provider>` for each of the shop's wallets. */
export function createExpressApp<P extends AnyProvider>(payments: Payments<P>): express.Express {
  const app = express();
  // Before any body parser: express.raw keeps the exact bytes the signature covers (a Buffer in
  // req.body), whatever the content type (Alipay and UnionPay post forms, WeChat Pay JSON).
  for (const { id } of payments.providers) {
    app.post(`/webhooks/${id}`, express.raw({ type: '*/*' }), payments.nodeWebhookHandler(id));
  }
  app.use(express.json()); // the shop's other routes parse JSON as usual
  return app;
}
