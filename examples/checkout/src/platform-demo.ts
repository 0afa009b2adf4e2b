/**
 * The demo as a platform (service provider) with two shops on all three wallets, beside the
 * direct-merchant flow: the WeChat Pay partner with two bound sub-merchants, an Alipay third-party
 * app both shops authorise on the sandbox's page, and a UnionPay platform merchant with two
 * sub-merchants. Each shop takes a QR payment on each wallet; one shop's order is then split
 * between the platform and a courier and the courier is paid out. In-process sandboxes: nothing
 * listens.
 */
import { generateKeyPairSync } from 'node:crypto';
import { alipay } from '@hutong/adapter-alipay';
import { createAlipaySandbox } from '@hutong/adapter-alipay/sandbox';
import { unionpay } from '@hutong/adapter-unionpay';
import { createUnionpaySandbox } from '@hutong/adapter-unionpay/sandbox';
import { wechatpay } from '@hutong/adapter-wechatpay';
import { createWechatpaySandbox } from '@hutong/adapter-wechatpay/sandbox';
import { createMemoryMerchantDirectory, createPayments, formatYuan, type Order } from '@hutong/core';
import { createTestIdentity } from '@hutong/core/testing';

type Shop = 'shop-a' | 'shop-b';
const SHOPS: readonly Shop[] = ['shop-a', 'shop-b'];
const NAMES: Record<Shop, string> = { 'shop-a': '老王煎饼', 'shop-b': 'Bakery B' };

function keys() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

/** What the platform step leaves: every shop's orders, and the payout's final status. */
export interface PlatformDemoSummary {
  orders: Order[];
  payout: string;
}

/** Runs the platform step, logging each line with `log`. */
export async function runPlatformDemo(log: (text: string) => void): Promise<PlatformDemoSummary> {
  const directory = createMemoryMerchantDirectory<Shop>();

  // WeChat Pay partner mode: the platform's keys serve both bound sub-merchants.
  const wechatKeys = keys();
  const partner = { mchId: '1900000100', appId: 'wx8888888888888888' };
  const apiV3Key = 'hutongDemoApiV3Key0123456789abcd';
  const merchantSerialNo = '5F1C72E2A8931B72A2E13AF8DEE92471EB397115';
  const wechatSandbox = createWechatpaySandbox({
    ...partner,
    apiV3Key,
    merchantSerialNo,
    merchantPublicKey: wechatKeys.publicKey,
  });
  const wechatProvider = wechatpay({
    mode: 'partner',
    spMchId: partner.mchId,
    spAppId: partner.appId,
    merchantSerialNo,
    privateKey: wechatKeys.privateKey,
    apiV3Key,
    wechatpayPublicKey: wechatSandbox.wechatpayPublicKey,
    wechatpayPublicKeyId: wechatSandbox.wechatpayPublicKeyId,
    endpoint: wechatSandbox.baseUrl,
    fetch: wechatSandbox.fetch,
  });
  for (const [shop, subMchId] of [
    ['shop-a', '1900000109'],
    ['shop-b', '1900000110'],
  ] as const) {
    wechatSandbox.addSubMerchant(subMchId);
    await directory.put({
      merchant: shop,
      provider: 'wechatpay',
      accountId: subMchId,
      name: NAMES[shop],
      enabled: true,
      fields: {},
    });
  }

  // UnionPay platform merchant (accessType=2): two registered sub-merchants.
  const merId = '777290058110048';
  const year = 365 * 86_400_000;
  const unionpayMerchant = createTestIdentity({
    subject: [
      ['C', 'CN'],
      ['O', 'hutong demo platform'],
      ['CN', `041@Z12@${merId}:SIGN@00000001`],
    ],
    notBefore: new Date(Date.now() - year),
    notAfter: new Date(Date.now() + year),
  });
  const unionpaySandbox = createUnionpaySandbox({
    merId,
    merchantCertificate: unionpayMerchant.pem,
    access: 'platform',
  });
  const unionpayProvider = unionpay({
    merId,
    access: 'platform',
    signCert: {
      privateKey: unionpayMerchant.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      certificate: unionpayMerchant.pem,
    },
    rootCert: unionpaySandbox.rootCert,
    middleCert: unionpaySandbox.middleCert,
    endpoint: unionpaySandbox.baseUrl,
    fetch: unionpaySandbox.fetch,
  });
  for (const [shop, subMerId, abbr] of [
    ['shop-a', '898111000000001', '老王煎饼'],
    ['shop-b', '898111000000002', 'BakeryB'],
  ] as const) {
    const fields = unionpaySandbox.addSubMerchant({ id: subMerId, name: NAMES[shop], abbr });
    await directory.put({
      merchant: shop,
      provider: 'unionpay',
      accountId: subMerId,
      name: NAMES[shop],
      enabled: true,
      fields,
    });
  }

  // Alipay third-party app: each shop authorises it on the sandbox's app-to-app page.
  const alipayKeys = keys();
  const appId = '2021000122671099';
  const alipaySandbox = createAlipaySandbox({ appId, appPublicKey: alipayKeys.publicKey });
  const alipayProvider = alipay({
    appId,
    privateKey: alipayKeys.privateKey,
    alipayPublicKey: alipaySandbox.alipayPublicKey,
    sellerId: alipaySandbox.sellerId,
    endpoint: alipaySandbox.baseUrl,
    fetch: alipaySandbox.fetch,
    appAuth: { directory },
  });
  const redirectUri = 'https://platform.example/alipay/authorized';
  const authorization = alipayProvider.authorization({
    directory,
    redirectUri,
    stateSecret: 'hutong-demo-state-secret-0123456789',
  });
  for (const shop of SHOPS) {
    const onSandbox = alipaySandbox.addMerchant({ name: NAMES[shop] });
    const state = new URL(authorization.authorizeUrl(shop)).searchParams.get('state') ?? '';
    await authorization.handleCallback(
      new Request(alipaySandbox.authorizeMerchant(onSandbox.authAppId, redirectUri, state)),
    );
  }
  log('   two shops onboarded: WeChat sub_mchid, Alipay app_auth_token, UnionPay subMerId');

  const payments = createPayments({
    providers: [wechatProvider, alipayProvider, unionpayProvider],
    merchants: directory,
    notifyUrl: (provider) => `https://platform.example/webhooks/${provider}`,
  });
  const sandboxes = { wechatpay: wechatSandbox, alipay: alipaySandbox, unionpay: unionpaySandbox };
  const orders: Order[] = [];
  for (const shop of SHOPS) {
    const paidAt: string[] = [];
    for (const wallet of ['wechatpay', 'alipay', 'unionpay'] as const) {
      const { order, action } = await payments.createPayment({
        provider: wallet,
        method: 'qr',
        amount: 2000,
        subject: '套餐',
        merchant: shop,
        split: wallet === 'wechatpay',
      });
      sandboxes[wallet].open(action);
      await payments.handleNotification(wallet, sandboxes[wallet].pay(order.id));
      orders.push(await payments.getOrder(order.id));
      paidAt.push(wallet);
    }
    log(`   ${NAMES[shop]} (${shop}): paid 20.00 yuan on ${paidAt.join(', ')}`);
  }

  // The marketplace: shop A's WeChat order split with the platform, then a courier paid out.
  const wechatOrder = orders.find((order) => order.merchant === 'shop-a' && order.provider === 'wechatpay') as Order;
  await wechatProvider.profitSharing.addReceiver({
    type: 'MERCHANT_ID',
    account: partner.mchId,
    name: 'hutong demo platform',
    relationType: 'PARTNER',
    merchant: await directory.resolve('shop-a', 'wechatpay'),
  });
  const split = await payments.split(wechatOrder.id, {
    splitId: `S${wechatOrder.id}`.slice(0, 32),
    receivers: [{ type: 'merchant', account: partner.mchId, amount: 200, description: '平台佣金' }],
  });
  log(`   split ${formatYuan(split.amount)} yuan of ${wechatOrder.id} to the platform: ${split.status}`);
  // A payout from shop A's own account (partner transfers): the shop authorises the platform once.
  const shopA = await directory.resolve('shop-a', 'wechatpay');
  await wechatProvider.transfers.authorizeSubMerchant({ merchant: shopA, applyId: 'demoAuth0001' });
  wechatSandbox.acceptTransferAuthorization(shopA.accountId);
  const courier = wechatSandbox.openid();
  const payout = await payments.transfer({
    provider: 'wechatpay',
    merchant: 'shop-a',
    transferId: 'demoPayout0001',
    amount: 500,
    payee: { type: 'openid', account: courier },
    remark: '配送奖励',
    providerOptions: {
      sceneId: '1005',
      sceneReports: [
        { type: '岗位类型', content: '外卖员' },
        { type: '报酬说明', content: '配送费' },
      ],
    },
  });
  await payments.handleMovementNotification('wechatpay', wechatSandbox.confirmTransfer(payout.id, shopA.accountId));
  const settled = await payments.getTransfer(payout.id);
  log(`   shop A paid a courier 5.00 yuan: ${payout.status}, then ${settled.status}`);
  return { orders, payout: settled.status };
}
