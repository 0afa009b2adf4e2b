import type { Checkout } from '@hutong/checkout';
import express from 'express';

/** An Express 5 app serving the checkout under /pay (its baseUrl's path). */
export function createExpressApp(checkout: Checkout): express.Express {
  const app = express();
  // Express 5 names its wildcards (`*splat`); `app.all` keeps `req.url` whole, as the checkout needs.
  // Mount it before any body parser: a wallet may POST the buyer back to an attempt's page.
  app.all('/pay/*splat', checkout.nodeHandler);
  return app;
}
