/** An operator's review: a partner transfer refused for a sub-merchant the service provider has no relation with ends failed. */
import { createMemoryMerchantDirectory, createPayments } from '@hutong/core';
import { rejectionOf } from '@hutong/core/testing';
import { describe, expect, it } from 'vitest';
import { partnerSandboxed, SUB_A } from './sandbox-setup.js';

const options = {
  sceneId: '1005',
  sceneReports: [
    { type: '岗位类型', content: '外卖员' },
    { type: '报酬说明', content: '7月份配送费' },
  ],
};

describe('partner transfers never stuck', () => {
  it('a transfer for a sub-merchant the service provider has no relation with (NO_AUTH) ends failed, not created for ever', async () => {
    const { provider } = partnerSandboxed();
    // A registered shop whose sub_mchid is not bound to the service provider (typo, relation dissolved).
    const stranger = { ...SUB_A, merchant: 'shop-x', accountId: '1900000999', fields: {} };
    const payments = createPayments({ providers: [provider], merchants: createMemoryMerchantDirectory([stranger]) });
    const error = await rejectionOf(
      payments.transfer({
        provider: 'wechatpay',
        merchant: 'shop-x',
        transferId: 'ptnrStuck001',
        amount: 500,
        payee: { type: 'openid', account: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
        remark: '佣金',
        providerOptions: options,
      }),
    );
    expect(error).toBeInstanceOf(Error);
    // The reconciler's pass, past any grace period.
    await rejectionOf(payments.syncTransfer('ptnrStuck001', { resendAfterMs: 0 }));
    await rejectionOf(payments.syncTransfer('ptnrStuck001', { resendAfterMs: 0 }));
    // Before the fix: 'created' for ever, every reconciler pass threw NO_AUTH.
    expect((await payments.getTransfer('ptnrStuck001')).status).toBe('failed');
  });
});
