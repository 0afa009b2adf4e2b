/**
 * The WeChat Pay sandbox's keys: its platform identity (a test root CA and a `Tenpay.com sign`
 * certificate, rotated on demand), its public-key id, the merchant's public key it checks requests
 * with, and the `Wechatpay-*` headers it signs replies and notifications with.
 *
 * @packageDocumentation
 */
import { type KeyObject, randomBytes, randomInt } from 'node:crypto';
import {
  certificateSerial,
  signWechatpayMessage,
  WECHATPAY_AUTH_SCHEME,
  wechatpayNonce,
  wechatpaySigningMessage,
} from '@hutong/adapter-wechatpay/protocol';
import { loadRsaPublicKey } from '@hutong/core/provider-utils';
import { createTestIdentity, type TestIdentity } from '@hutong/core/testing';

/**
 * How a signed message is signed: by default now, with the platform key.
 *
 * @example
 * ```ts
 * keys.signedHeaders(body, { timestamp: Math.floor(Date.now() / 1000) - 600 }); // signed 10 minutes ago
 * ```
 */
export interface SandboxSigning {
  /** The signed `Wechatpay-Timestamp` (unix seconds). Default: the sandbox clock. */
  timestamp?: number | undefined;
  /** The key that signs. Default: the current platform key. */
  privateKey?: KeyObject | undefined;
}

/**
 * The sandbox's keys and its signer.
 *
 * @example
 * ```ts
 * const keys: WechatpaySandboxKeys = createWechatpaySandboxKeys({ mchId, merchantPublicKey, mode: 'certificate', now });
 * keys.serial(); // the platform certificate's serial
 * ```
 */
export interface WechatpaySandboxKeys {
  /** The merchant's public key: request signatures and client payloads are checked with it. */
  readonly merchantKey: KeyObject;
  /** Public-key mode: the id replies name (`PUB_KEY_ID_...`). */
  readonly publicKeyId: string;
  /** The current platform identity. */
  readonly platform: TestIdentity;
  /** The current and earlier platform identities, newest first (what `/v3/certificates` serves). */
  identities(): readonly TestIdentity[];
  /** When the platform certificates are valid. */
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** What `Wechatpay-Serial` names: the public-key id or the current certificate's serial. */
  serial(): string;
  /** The `Wechatpay-*` headers (and a `Request-ID`) over `body`. */
  signedHeaders(body: string, signing?: SandboxSigning): Record<string, string>;
  /** Replaces the platform certificate; the old one is still served. */
  rotate(): void;
}

/**
 * Creates the sandbox's keys.
 *
 * @example
 * ```ts
 * const keys = createWechatpaySandboxKeys({ mchId, merchantPublicKey, mode: 'public-key', now: () => new Date() });
 * ```
 */
export function createWechatpaySandboxKeys(options: {
  mchId: string;
  merchantPublicKey: string;
  mode: 'public-key' | 'certificate';
  now: () => Date;
}): WechatpaySandboxKeys {
  const { now, mode } = options;
  const merchantKey = loadRsaPublicKey(options.merchantPublicKey, 'options.merchantPublicKey');
  const notBefore = new Date(now().getTime() - 86_400_000);
  const notAfter = new Date(now().getTime() + 5 * 365 * 86_400_000);
  const root = createTestIdentity({
    subject: [
      ['C', 'CN'],
      ['O', 'Tenpay.com'],
      ['CN', 'Tenpay.com Root CA (hutong sandbox)'],
    ],
    isCA: true,
    notBefore,
    notAfter,
  });
  const issuePlatform = (): TestIdentity =>
    createTestIdentity({
      subject: [
        ['C', 'CN'],
        ['L', 'ShenZhen'],
        ['O', 'Tenpay.com'],
        ['OU', 'Tenpay.com CA Center'],
        ['CN', 'Tenpay.com sign'],
      ],
      issuer: root,
      notBefore,
      notAfter,
    });
  let platform = issuePlatform();
  const previous: TestIdentity[] = [];
  const publicKeyId = `PUB_KEY_ID_0${options.mchId}${now().getFullYear()}${String(randomInt(1e6)).padStart(6, '0')}`;
  const serial = () => (mode === 'public-key' ? publicKeyId : certificateSerial(platform.certificate));

  return {
    merchantKey,
    publicKeyId,
    get platform() {
      return platform;
    },
    identities: () => [platform, ...previous],
    notBefore,
    notAfter,
    serial,
    signedHeaders(body, signing = {}) {
      const timestamp = String(signing.timestamp ?? Math.floor(now().getTime() / 1000));
      const nonce = wechatpayNonce();
      const message = wechatpaySigningMessage([timestamp, nonce, body]);
      return {
        'wechatpay-timestamp': timestamp,
        'wechatpay-nonce': nonce,
        'wechatpay-serial': serial(),
        'wechatpay-signature': signWechatpayMessage(message, signing.privateKey ?? platform.privateKey),
        'wechatpay-signature-type': WECHATPAY_AUTH_SCHEME,
        'request-id': randomBytes(16).toString('hex'),
      };
    },
    rotate() {
      previous.unshift(platform);
      platform = issuePlatform();
    },
  };
}
