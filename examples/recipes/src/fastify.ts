import type { AnyProvider, Payments } from '@hutong/core';
import type { FastifyInstance } from 'fastify';

/**
 * A Fastify plugin with `POST /webhooks/<provider>` for each of the shop's wallets:
 * `app.register(webhookRoutes, { payments })`.
 */
export async function webhookRoutes<P extends AnyProvider>(
  app: FastifyInstance,
  { payments }: { payments: Payments<P> },
): Promise<void> {
  // Fastify parses JSON and plain text and answers 415 to any other type, form posts included.
  // Inside this plugin only (parsers are encapsulated), every body is kept as the raw bytes the
  // signature covers.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  for (const { id } of payments.providers) {
    app.post(`/webhooks/${id}`, async (request, reply) => {
      const result = await payments.handleNotification(id, { headers: request.headers, body: request.body as Buffer });
      if (!result.ok) request.log.warn({ err: result.error }, 'notification refused');
      return reply.code(result.response.status).headers(result.response.headers).send(result.response.body);
    });
  }
}
