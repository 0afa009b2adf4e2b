/**
 * The three wallet sandboxes side by side, with test merchant keys generated for them and adapters
 * wired to them in process: what `hutong-sandbox start` serves, and what a test can use directly.
 *
 * @packageDocumentation
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type AlipayProvider, alipay } from '@hutong/adapter-alipay';
import { type AlipaySandbox, createAlipaySandbox } from '@hutong/adapter-alipay/sandbox';
import { type UnionpayProvider, unionpay } from '@hutong/adapter-unionpay';
import { createUnionpaySandbox, type UnionpaySandbox } from '@hutong/adapter-unionpay/sandbox';
import { type WechatpayProvider, wechatpay } from '@hutong/adapter-wechatpay';
import { certificateSerial } from '@hutong/adapter-wechatpay/protocol';
import { createWechatpaySandbox, type WechatpaySandbox } from '@hutong/adapter-wechatpay/sandbox';
import { createPayments, type Payments } from '@hutong/core';
import { createTestIdentity, type TestIdentity } from '@hutong/core/testing';

/** The wallets the kit serves. */
export const WALLETS = ['alipay', 'wechatpay', 'unionpay'] as const;

/** One of {@link WALLETS}. */
export type Wallet = (typeof WALLETS)[number];

/** The merchant ids the kit's test merchants use. */
export const SANDBOX_MERCHANTS = {
  alipay: { appId: '2021000000000001' },
  wechatpay: { mchId: '1900000001', appId: 'wx00000000000000a1', apiV3Key: 'hutongSandboxApiV3Key0123456789a' },
  unionpay: { merId: '777290058110048' },
} as const;

/** The test merchants' keys and certificates (PEM), and the wallets' keys the adapters trust. */
export interface SandboxIdentities {
  alipay: {
    appId: string;
    /** The app's private key: the adapter's `privateKey`. */
    privateKey: string;
    /** The app's public key, which the sandbox checks requests with. */
    appPublicKey: string;
    /** The sandbox's public key: the adapter's `alipayPublicKey`. */
    alipayPublicKey: string;
    sellerId: string;
    /**
     * Certificate mode (which Alipay requires for transfers): the app's certificate, the sandbox's
     * and their root, the adapter's `appCert`, `alipayPublicCert` and `alipayRootCert`.
     */
    appCert: string;
    alipayPublicCert: string;
    alipayRootCert: string;
  };
  wechatpay: {
    mchId: string;
    appId: string;
    apiV3Key: string;
    /** The merchant API private key (`apiclient_key.pem`): the adapter's `privateKey`. */
    privateKey: string;
    /** The merchant API certificate (`apiclient_cert.pem`). */
    certificate: string;
    merchantSerialNo: string;
    /** The sandbox's platform public key and its id: the adapter's `wechatpayPublicKey(Id)`. */
    wechatpayPublicKey: string;
    wechatpayPublicKeyId: string;
  };
  unionpay: {
    merId: string;
    /** The merchant signing key and certificate: the adapter's `signCert`. */
    privateKey: string;
    certificate: string;
    /** The sandbox's root and middle certificates: the adapter's `rootCert` and `middleCert`. */
    rootCert: string;
    middleCert: string;
  };
}

/** The three sandboxes, their keys, adapters wired to them in process and a facade over the adapters. */
export interface SandboxKit {
  readonly sandboxes: { alipay: AlipaySandbox; wechatpay: WechatpaySandbox; unionpay: UnionpaySandbox };
  readonly identities: SandboxIdentities;
  /** Adapters configured with the test keys, talking to the sandboxes in process. */
  readonly providers: { alipay: AlipayProvider; wechatpay: WechatpayProvider; unionpay: UnionpayProvider };
  /** A facade (in-memory store) over {@link SandboxKit.providers}: how the kit creates and refunds trades. */
  readonly payments: Payments<AlipayProvider | WechatpayProvider | UnionpayProvider>;
}

const pem = (key: TestIdentity['privateKey']) => key.export({ type: 'pkcs8', format: 'pem' }) as string;

function merchantIdentity(organisation: string, commonName: string): TestIdentity {
  const now = Date.now();
  return createTestIdentity({
    subject: [
      ['C', 'CN'],
      ['O', organisation],
      ['CN', commonName],
    ],
    notBefore: new Date(now - 86_400_000),
    notAfter: new Date(now + 5 * 365 * 86_400_000),
  });
}

/**
 * Generates test merchants for the three wallets and starts a sandbox for each, in process.
 *
 * @example
 * ```ts
 * const kit = createSandboxKit();
 * const { order, action } = await kit.payments.createPayment({ provider: 'alipay', method: 'qr', amount: 100,
 *   subject: 'Tea', notifyUrl: 'http://127.0.0.1:3000/webhooks/alipay' });
 * kit.sandboxes.alipay.open(action);
 * await kit.sandboxes.alipay.deliver(kit.sandboxes.alipay.pay(order.id));
 * ```
 */
export function createSandboxKit(): SandboxKit {
  const alipayApp = merchantIdentity('hutong sandbox merchant', 'alipay app');
  const wechatMerchant = merchantIdentity('hutong sandbox merchant', SANDBOX_MERCHANTS.wechatpay.mchId);
  const unionpayMerchant = merchantIdentity('hutong sandbox merchant', SANDBOX_MERCHANTS.unionpay.merId);

  const appPublicKey = alipayApp.publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const alipaySandbox = createAlipaySandbox({ appId: SANDBOX_MERCHANTS.alipay.appId, appPublicKey });
  const merchantSerialNo = certificateSerial(wechatMerchant.certificate);
  const wechatpaySandbox = createWechatpaySandbox({
    ...SANDBOX_MERCHANTS.wechatpay,
    merchantSerialNo,
    merchantPublicKey: wechatMerchant.pem,
  });
  // A platform merchant: it takes the direct merchant's messages (accessType=0) and, once
  // `hutong-sandbox merchant` registers them, its sub-merchants' (accessType=2).
  const unionpaySandbox = createUnionpaySandbox({
    merId: SANDBOX_MERCHANTS.unionpay.merId,
    merchantCertificate: unionpayMerchant.pem,
    access: 'platform',
  });

  const identities: SandboxIdentities = {
    alipay: {
      appId: SANDBOX_MERCHANTS.alipay.appId,
      privateKey: pem(alipayApp.privateKey),
      appPublicKey,
      alipayPublicKey: alipaySandbox.alipayPublicKey,
      sellerId: alipaySandbox.sellerId,
      ...alipaySandbox.certificates(),
    },
    wechatpay: {
      ...SANDBOX_MERCHANTS.wechatpay,
      privateKey: pem(wechatMerchant.privateKey),
      certificate: wechatMerchant.pem,
      merchantSerialNo,
      wechatpayPublicKey: wechatpaySandbox.wechatpayPublicKey,
      wechatpayPublicKeyId: wechatpaySandbox.wechatpayPublicKeyId,
    },
    unionpay: {
      merId: SANDBOX_MERCHANTS.unionpay.merId,
      privateKey: pem(unionpayMerchant.privateKey),
      certificate: unionpayMerchant.pem,
      rootCert: unionpaySandbox.rootCert,
      middleCert: unionpaySandbox.middleCert,
    },
  };

  const { appId, privateKey, alipayPublicKey, sellerId } = identities.alipay;
  const alipayKeys = { appId, privateKey, alipayPublicKey, sellerId };
  const { certificate: _certificate, ...wechatpayKeys } = identities.wechatpay;
  const providers = {
    alipay: alipay({ ...alipayKeys, endpoint: alipaySandbox.baseUrl, fetch: alipaySandbox.fetch }),
    wechatpay: wechatpay({ ...wechatpayKeys, endpoint: wechatpaySandbox.baseUrl, fetch: wechatpaySandbox.fetch }),
    unionpay: unionpay({
      merId: identities.unionpay.merId,
      signCert: { privateKey: identities.unionpay.privateKey, certificate: identities.unionpay.certificate },
      rootCert: identities.unionpay.rootCert,
      middleCert: identities.unionpay.middleCert,
      endpoint: unionpaySandbox.baseUrl,
      fetch: unionpaySandbox.fetch,
    }),
  };
  return {
    sandboxes: { alipay: alipaySandbox, wechatpay: wechatpaySandbox, unionpay: unionpaySandbox },
    identities,
    providers,
    payments: createPayments({ providers: [providers.alipay, providers.wechatpay, providers.unionpay] }),
  };
}

/** Where {@link writeSandboxIdentities} put each file, by wallet and key name. */
export interface SandboxKeyPaths {
  alipay: {
    privateKey: string;
    appPublicKey: string;
    alipayPublicKey: string;
    appCert: string;
    alipayPublicCert: string;
    alipayRootCert: string;
  };
  wechatpay: { privateKey: string; certificate: string; wechatpayPublicKey: string };
  unionpay: { privateKey: string; certificate: string; rootCert: string; middleCert: string };
}

/**
 * Writes the kit's keys and certificates as PEM files under `dir` (`alipay/app-private-key.pem`,
 * `wechatpay/apiclient_key.pem`, `unionpay/sign-cert.pem`, ...) and returns their paths.
 *
 * @example
 * ```ts
 * const paths = await writeSandboxIdentities(createSandboxKit().identities, '/tmp/hutong-keys');
 * paths.alipay.privateKey; // '/tmp/hutong-keys/alipay/app-private-key.pem'
 * ```
 */
export async function writeSandboxIdentities(identities: SandboxIdentities, dir: string): Promise<SandboxKeyPaths> {
  const files: { [W in Wallet]: Record<string, [file: string, contents: string]> } = {
    alipay: {
      privateKey: ['app-private-key.pem', identities.alipay.privateKey],
      appPublicKey: ['app-public-key.pem', identities.alipay.appPublicKey],
      alipayPublicKey: ['alipay-public-key.pem', identities.alipay.alipayPublicKey],
      appCert: ['app-cert.pem', identities.alipay.appCert],
      alipayPublicCert: ['alipay-public-cert.pem', identities.alipay.alipayPublicCert],
      alipayRootCert: ['alipay-root-cert.pem', identities.alipay.alipayRootCert],
    },
    wechatpay: {
      privateKey: ['apiclient_key.pem', identities.wechatpay.privateKey],
      certificate: ['apiclient_cert.pem', identities.wechatpay.certificate],
      wechatpayPublicKey: ['wechatpay-public-key.pem', identities.wechatpay.wechatpayPublicKey],
    },
    unionpay: {
      privateKey: ['sign-key.pem', identities.unionpay.privateKey],
      certificate: ['sign-cert.pem', identities.unionpay.certificate],
      rootCert: ['root.pem', identities.unionpay.rootCert],
      middleCert: ['middle.pem', identities.unionpay.middleCert],
    },
  };
  const paths: { [W in Wallet]: Record<string, string> } = { alipay: {}, wechatpay: {}, unionpay: {} };
  for (const wallet of WALLETS) {
    await mkdir(join(dir, wallet), { recursive: true });
    for (const [name, [file, contents]] of Object.entries(files[wallet])) {
      const path = join(dir, wallet, file);
      await writeFile(path, contents, { mode: 0o600 });
      paths[wallet][name] = path;
    }
  }
  return paths as unknown as SandboxKeyPaths;
}
