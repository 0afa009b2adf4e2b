/**
 * `start`: the three sandboxes on local ports, their test keys written to a directory, and a small
 * control server that `hutong-sandbox trigger` talks to.
 *
 * @packageDocumentation
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createNodeHandler, type NodeRequestListener, refuseConnectRequests } from '@hutong/core/provider-utils';
import type { WalletSandboxServer } from '@hutong/core/testing';
import { createControlHandler } from './sandbox-control.js';
import {
  createSandboxKit,
  type SandboxKeyPaths,
  type SandboxKit,
  WALLETS,
  type Wallet,
  writeSandboxIdentities,
} from './sandbox-kit.js';
import { addSubMerchant } from './sandbox-merchants.js';
import { createTrigger } from './sandbox-trigger.js';
import { createMovementTrigger } from './sandbox-trigger-movement.js';

/** The default port of the control server; the sandboxes take the three ports after it. */
export const DEFAULT_CONTROL_PORT = 4700;

/** Options of {@link startSandboxes}. */
export interface StartSandboxesOptions {
  /** The control server's port; the sandboxes listen on the next three. 0 picks free ports for all. Default 4700. */
  port?: number | undefined;
  /** Where to write the test keys. */
  keysDir: string;
}

/**
 * What `hutong-sandbox start` prints (as JSON) and its control API serves at `GET /`: everything a
 * merchant's adapters need to talk to the sandboxes.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * function alipayOptions(info: SandboxStartInfo) {
 *   return {
 *     appId: info.alipay.appId,
 *     privateKey: readFileSync(info.alipay.keys.privateKey, 'utf8'),
 *     alipayPublicKey: readFileSync(info.alipay.keys.alipayPublicKey, 'utf8'),
 *     endpoint: info.baseUrls.alipay,
 *   };
 * }
 * ```
 */
export interface SandboxStartInfo {
  /** The control API (`hutong-sandbox trigger --sandbox <url>`). */
  controlUrl: string;
  /** Each sandbox's base URL: the adapter's `endpoint`. */
  baseUrls: Record<Wallet, string>;
  /** The directory the key files are in. */
  keysDir: string;
  /**
   * The Alipay test app: `appId`, `sellerId`, and the key files (`privateKey`, `alipayPublicKey`,
   * and for certificate mode, which transfers need, `appCert`, `alipayPublicCert`, `alipayRootCert`).
   */
  alipay: { appId: string; sellerId: string; keys: SandboxKeyPaths['alipay'] };
  /** The WeChat Pay test merchant and the key files (`privateKey`, `wechatpayPublicKey`, ...). */
  wechatpay: {
    mchId: string;
    appId: string;
    apiV3Key: string;
    merchantSerialNo: string;
    wechatpayPublicKeyId: string;
    keys: SandboxKeyPaths['wechatpay'];
  };
  /** The UnionPay test merchant and the key files (`privateKey`, `certificate`, `rootCert`, `middleCert`). */
  unionpay: { merId: string; keys: SandboxKeyPaths['unionpay'] };
}

/** What {@link startSandboxes} started. */
export interface RunningSandboxes {
  kit: SandboxKit;
  /** The control server's URL (`hutong-sandbox trigger --sandbox <url>`). */
  controlUrl: string;
  /** Each sandbox's base URL: the adapter's `endpoint`. */
  baseUrls: Record<Wallet, string>;
  /** The key files, by wallet. */
  keys: SandboxKeyPaths;
  /** Everything the merchant's adapters need, as printed by `start` and served at `GET /`. */
  describe(): SandboxStartInfo;
  /** Stops the three sandboxes and the control server. */
  close(): Promise<void>;
}

/**
 * Starts the three sandboxes over HTTP, writes their test keys, and serves the control API
 * (`POST /trigger`, `GET /`).
 *
 * @example
 * ```ts
 * const running = await startSandboxes({ port: 0, keysDir: '/tmp/hutong-sandbox' });
 * console.log(running.baseUrls.alipay);
 * await running.close();
 * ```
 */
export async function startSandboxes(options: StartSandboxesOptions): Promise<RunningSandboxes> {
  const kit = createSandboxKit();
  // Served, Alipay's settlements and transfers wait for `trigger split|transfer`, as WeChat Pay's
  // splits and transfers do: the merchant's app sees them pending until the test finishes them.
  kit.sandboxes.alipay.holdMoneyMovement({ settlements: true, transfers: true });
  const keys = await writeSandboxIdentities(kit.identities, options.keysDir);
  const port = options.port ?? DEFAULT_CONTROL_PORT;
  const servers = {} as Record<Wallet, WalletSandboxServer>;
  for (const [index, wallet] of WALLETS.entries())
    servers[wallet] = await kit.sandboxes[wallet].listen(port === 0 ? 0 : port + 1 + index);
  const baseUrls = Object.fromEntries(WALLETS.map((wallet) => [wallet, servers[wallet].baseUrl])) as Record<
    Wallet,
    string
  >;
  const { identities } = kit;
  // The control server is bound first, so its URL is known to describe() and to the handler.
  let listener: NodeRequestListener | undefined;
  const control = refuseConnectRequests(
    createServer((request: IncomingMessage, response: ServerResponse) => {
      void (listener as NodeRequestListener)(request, response);
    }),
  );
  control.listen(port, '127.0.0.1');
  await once(control, 'listening');
  const controlUrl = `http://127.0.0.1:${(control.address() as AddressInfo).port}`;
  const describe = (): SandboxStartInfo => ({
    controlUrl,
    baseUrls,
    keysDir: options.keysDir,
    alipay: { appId: identities.alipay.appId, sellerId: identities.alipay.sellerId, keys: keys.alipay },
    wechatpay: {
      mchId: identities.wechatpay.mchId,
      appId: identities.wechatpay.appId,
      apiV3Key: identities.wechatpay.apiV3Key,
      merchantSerialNo: identities.wechatpay.merchantSerialNo,
      wechatpayPublicKeyId: identities.wechatpay.wechatpayPublicKeyId,
      keys: keys.wechatpay,
    },
    unionpay: { merId: identities.unionpay.merId, keys: keys.unionpay },
  });
  listener = createNodeHandler(
    createControlHandler({
      describe,
      trigger: createTrigger(kit),
      movementTrigger: createMovementTrigger(kit),
      addMerchant: (request) => addSubMerchant(kit, request),
    }),
    {
      origin: controlUrl,
      maxBodyBytes: 64 * 1024,
    },
  );
  return {
    kit,
    controlUrl,
    baseUrls,
    keys,
    describe,
    async close() {
      await Promise.all([
        ...WALLETS.map((wallet) => servers[wallet].close()),
        new Promise<void>((resolve) => {
          control.close(() => resolve());
          control.closeIdleConnections();
        }),
      ]);
    },
  };
}
