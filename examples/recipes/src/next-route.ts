// app/api/webhooks/alipay/route.ts in a Next.js (App Router) app; `payments` is the shop's facade
// module (lib/payments.ts). Route handlers receive the untouched Request, so no body config is needed.
import { payments } from './payments.js';

export const POST = payments.webhookHandler('alipay');
