/**
 * WeChat Pay's profit sharing and transfers through core's movement conformance suite, on the
 * sandbox, with the provider's hooks recorded: every report verified and bound, unknown records
 * answered `not_found`, and no payee or receiver name in a hook, an error, an event or the order.
 * The sandbox's events, the receivers and the payee are `movement-conformance-setup.ts`'s.
 */
import { runMovementConformance } from '@hutong/core/conformance';
import { addConformanceReceivers, CONFORMANCE_MOVEMENTS, conformanceMovements } from './movement-conformance-setup.js';
import { sandboxed } from './sandbox-setup.js';

runMovementConformance({
  name: 'wechatpay',
  async setup() {
    const hooked: string[] = [];
    const record = (...args: unknown[]) => void hooked.push(JSON.stringify(args));
    const { provider, sandbox } = sandboxed({
      provider: { hooks: { onRequest: record, onResponse: record, onError: record } },
    });
    await addConformanceReceivers(provider);
    return {
      provider,
      movements: conformanceMovements(sandbox),
      pay: (orderId, action) => {
        sandbox.open(action);
        return sandbox.pay(orderId);
      },
      hooked: () => hooked,
    };
  },
  ...CONFORMANCE_MOVEMENTS,
});
