/**
 * The demo's three wallets, each a real adapter talking to its local sandbox over HTTP on loopback,
 * as it would talk to the wallet's gateway: the URLs the demo prints are live while it runs.
 */
import { generateKeyPairSync } from 'node:crypto';
import { alipay } from '@hutong/adapter-alipay';
import { createAlipaySandbox } from '@hutong/adapter-alipay/sandbox';
import { unionpay } from '@hutong/adapter-unionpay';
import { createUnionpaySandbox } from '@hutong/adapter-unionpay/sandbox';
import { wechatpay } from '@hutong/adapter-wechatpay';
import { createWechatpaySandbox } from '@hutong/adapter-wechatpay/sandbox';
import { createTestIdentity, type WalletSandbox } from '@hutong/core/testing';

/** A fresh RSA-2048 key pair, as a merchant generates with the wallet's key tool. */
function merchantKeys() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

/** Starts the three sandboxes on loopback and makes a provider for each; `close` stops them. */
export async function startWallets() {
  const alipayKeys = merchantKeys();
  const alipaySandbox = createAlipaySandbox({ appId: '2021000122671080', appPublicKey: alipayKeys.publicKey });
  const alipayServer = await alipaySandbox.listen(0);

  const wechatKeys = merchantKeys();
  const wechatMerchant = {
    mchId: '1230000109',
    appId: 'wxd678efh567hg6787',
    merchantSerialNo: '5F1C72E2A8931B72A2E13AF8DEE92471EB397115',
  };
  const apiV3Key = 'hutongDemoApiV3Key0123456789abcd';
  const wechatSandbox = createWechatpaySandbox({
    ...wechatMerchant,
    apiV3Key,
    merchantPublicKey: wechatKeys.publicKey,
  });
  const wechatServer = await wechatSandbox.listen(0);

  const merId = '777290058110048';
  const year = 365 * 86_400_000;
  const unionpayMerchant = createTestIdentity({
    subject: [
      ['C', 'CN'],
      ['O', 'hutong demo merchant'],
      ['CN', `041@Z12@${merId}:SIGN@00000001`],
    ],
    notBefore: new Date(Date.now() - year),
    notAfter: new Date(Date.now() + year),
  });
  const unionpaySandbox = createUnionpaySandbox({ merId, merchantCertificate: unionpayMerchant.pem });
  const unionpayServer = await unionpaySandbox.listen(0);

  const providers = [
    alipay({
      appId: '2021000122671080',
      privateKey: alipayKeys.privateKey,
      alipayPublicKey: alipaySandbox.alipayPublicKey,
      sellerId: alipaySandbox.sellerId,
      endpoint: alipayServer.baseUrl,
    }),
    wechatpay({
      ...wechatMerchant,
      apiV3Key,
      privateKey: wechatKeys.privateKey,
      wechatpayPublicKey: wechatSandbox.wechatpayPublicKey,
      wechatpayPublicKeyId: wechatSandbox.wechatpayPublicKeyId,
      endpoint: wechatServer.baseUrl,
    }),
    unionpay({
      merId,
      signCert: {
        privateKey: unionpayMerchant.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
        certificate: unionpayMerchant.pem,
      },
      rootCert: unionpaySandbox.rootCert,
      middleCert: unionpaySandbox.middleCert,
      endpoint: unionpayServer.baseUrl,
    }),
  ] as const;
  const sandboxes: Record<'alipay' | 'wechatpay' | 'unionpay', WalletSandbox> = {
    alipay: alipaySandbox,
    wechatpay: wechatSandbox,
    unionpay: unionpaySandbox,
  };
  return {
    providers,
    sandboxes,
    async close() {
      await Promise.all([alipayServer.close(), wechatServer.close(), unionpayServer.close()]);
    },
  };
}
