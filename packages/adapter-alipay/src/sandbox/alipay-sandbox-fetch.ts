/**
 * The Alipay sandbox's HTTP face: every request, whether in process (`sandbox.fetch`) or over
 * `listen()`, goes first to what the buyer's browser sees (cashier, OAuth page, bridge, statement
 * files), then to the gateway API at its one path.
 *
 * @packageDocumentation
 */

import { answerBrowserRequest } from './alipay-sandbox-routes-browser.js';
import { answerGatewayRequest } from './alipay-sandbox-routes-gateway.js';
import { serveAlipayBillFile } from './alipay-sandbox-routes-statements.js';
import type { AlipaySandboxState, AlipaySandboxTrade } from './alipay-sandbox-state.js';

/**
 * Answers one request: the browser's pages first, then the gateway at `gatewayPath` (any other
 * path is not Alipay's: 404, as the real host answers). `payAndNotify` is what the cashier and
 * the bridge's pay button do.
 *
 * @example
 * ```ts
 * const response = await serveAlipaySandboxRequest(state, '/gateway.do', payAndNotify, request);
 * ```
 */
export async function serveAlipaySandboxRequest(
  state: AlipaySandboxState,
  gatewayPath: string,
  payAndNotify: (trade: AlipaySandboxTrade) => Promise<void>,
  request: Request,
): Promise<Response> {
  const url = new URL(request.url);
  const body = request.method === 'GET' || request.method === 'HEAD' ? '' : await request.text();
  const page =
    (await answerBrowserRequest(state, request.method, url, body, payAndNotify)) ??
    serveAlipayBillFile(state, request.method, url);
  if (page) return page;
  // Only the gateway answers API calls; any other path is not Alipay's (404), as the real host does.
  if (url.pathname !== gatewayPath) {
    return new Response('not found', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  }
  return new Response(answerGatewayRequest(state, request.url, body), {
    status: 200,
    headers: { 'content-type': 'application/json;charset=utf-8' },
  });
}
