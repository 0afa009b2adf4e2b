/**
 * The merchant app as a Cloudflare Worker (module syntax), run by workerd with `nodejs_compat`.
 * One app per isolate: the set-up and the orders live as long as the isolate does.
 *
 * @packageDocumentation
 */
import { createMerchantApp } from './merchant-app.js';

const app = createMerchantApp();

export default {
  fetch(request: Request): Promise<Response> {
    return app(request);
  },
};
