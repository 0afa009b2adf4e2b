/**
 * Serving a wallet sandbox over HTTP: what each sandbox's `listen()` does, written once, on the
 * same Node bridge as every other server hutong ships (malformed requests answered 4xx, the URL
 * built from the server's own origin, never from the `Host` header).
 *
 * @packageDocumentation
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createNodeHandler, type NodeRequestListener, refuseConnectRequests } from '../node-http.js';
import type { WalletSandboxServer } from './wallet-sandbox.js';

/** Options of {@link serveSandbox}. */
export interface ServeSandboxOptions {
  /** The port; 0 (the default) picks a free one. */
  port?: number | undefined;
  /** The address to bind; default `127.0.0.1` (loopback: a sandbox holds test keys, never expose it). */
  host?: string | undefined;
  /** Told of each failure of the handler (answered 500). */
  onError?: ((error: unknown) => void) | undefined;
}

/**
 * Serves a sandbox's fetch handler over HTTP and resolves once it listens. The server's `baseUrl`
 * is `http://<host>:<port>`; `close()` stops it, closing idle keep-alive connections too.
 *
 * @example
 * ```ts
 * async function listen(sandbox: { fetch: (request: Request) => Promise<Response> }, port = 0) {
 *   return serveSandbox((request) => sandbox.fetch(request), { port });
 * }
 * ```
 */
export async function serveSandbox(
  handler: (request: Request) => Response | Promise<Response>,
  options: ServeSandboxOptions = {},
): Promise<WalletSandboxServer> {
  const host = options.host ?? '127.0.0.1';
  let listener: NodeRequestListener | undefined;
  const server = refuseConnectRequests(
    createServer((request: IncomingMessage, response: ServerResponse) => {
      void (listener as NodeRequestListener)(request, response);
    }),
  );
  server.listen(options.port ?? 0, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  listener = createNodeHandler(handler, { origin: baseUrl, onError: options.onError });
  return {
    baseUrl,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
