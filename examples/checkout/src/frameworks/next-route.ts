import type { Checkout } from '@hutong/checkout';

/**
 * A Next.js route handler, as `app/pay/[...path]/route.ts`: `export const { GET, HEAD, POST } =
 * checkoutRoutes(checkout);` with the shop's checkout.
 */
export function checkoutRoutes(checkout: Checkout) {
  const handle = (request: Request) => checkout.handler(request);
  return { GET: handle, HEAD: handle, POST: handle };
}
