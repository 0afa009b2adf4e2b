import type { Checkout } from '@hutong/checkout';
import type { FastifyInstance } from 'fastify';

/** A Fastify plugin serving the checkout under /pay: `app.register(checkoutRoutes, { checkout })`. */
export async function checkoutRoutes(app: FastifyInstance, { checkout }: { checkout: Checkout }): Promise<void> {
  // Inside this plugin only: bodies are left unread for the checkout (a wallet's POSTed return is a form).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));
  app.all('/pay/*', async (request, reply) => {
    reply.hijack(); // the checkout writes the Node response itself
    await checkout.nodeHandler(request.raw, reply.raw);
  });
}
