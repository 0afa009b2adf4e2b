/**
 * Type-level tests of service-provider mode and money movement: what `alipay()` takes for them,
 * and which operations the provider has. `pnpm typecheck` checks them; vitest runs the no-op
 * `expectTypeOf` calls.
 */
import type { MerchantDirectory, SplitStatusEvent, TransferStatusEvent } from '@hutong/core/provider-utils';
import { describe, expectTypeOf, it } from 'vitest';
import { type AlipayAuthorizationRevokedEvent, type AlipayProvider, alipay } from '../src/index.js';

declare const privateKey: string;
declare const alipayPublicKey: string;
declare const directory: MerchantDirectory;
const appId = '2021000122671080';

describe('service-provider and money-movement types', () => {
  it('takes appAuth and sysServiceProviderId, with a typed revocation event', () => {
    // Never called: the keys are declared, not real.
    const make = () =>
      alipay({
        appId,
        privateKey,
        alipayPublicKey,
        sysServiceProviderId: '2088511833207846',
        appAuth: {
          directory,
          refreshMarginMs: 86_400_000,
          onRevoked: (event) => {
            expectTypeOf(event).toEqualTypeOf<AlipayAuthorizationRevokedEvent>();
          },
        },
      });
    expectTypeOf<ReturnType<typeof make>>().toEqualTypeOf<AlipayProvider<'alipay'>>();
    const wrong = () => [
      // @ts-expect-error appAuth takes no unknown keys
      alipay({ appId, privateKey, alipayPublicKey, appAuth: { directroy: directory } }),
      // @ts-expect-error onRevoked is a function
      alipay({ appId, privateKey, alipayPublicKey, appAuth: { onRevoked: 'log' } }),
    ];
    expectTypeOf(wrong).toBeFunction();
  });

  it('has split, querySplit, transfer and queryTransfer, and the Alipay-only helpers', () => {
    type Ops = keyof AlipayProvider;
    expectTypeOf<ReturnType<AlipayProvider['split']>>().toEqualTypeOf<Promise<SplitStatusEvent>>();
    expectTypeOf<ReturnType<AlipayProvider['querySplit']>>().toEqualTypeOf<Promise<SplitStatusEvent>>();
    expectTypeOf<ReturnType<AlipayProvider['transfer']>>().toEqualTypeOf<Promise<TransferStatusEvent>>();
    expectTypeOf<ReturnType<AlipayProvider['queryTransfer']>>().toEqualTypeOf<Promise<TransferStatusEvent>>();
    expectTypeOf<'authorization' | 'bindRoyaltyRelation' | 'unsettledAmount'>().toMatchTypeOf<Ops>();
  });
});
