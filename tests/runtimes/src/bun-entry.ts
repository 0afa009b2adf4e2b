/**
 * The merchant app on `Bun.serve`: prints `listening <port>` once it accepts connections.
 *
 * @packageDocumentation
 */
import { createMerchantApp } from './merchant-app.js';

declare const Bun: {
  serve(options: { port: number; hostname: string; fetch: (request: Request) => Promise<Response> }): {
    port: number;
  };
};

const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: createMerchantApp() });
console.log(`listening ${server.port}`);
