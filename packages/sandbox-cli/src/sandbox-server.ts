/**
 * `start`: the three sandboxes on local ports, their test keys written to a directory, and a small
 * control server that `hutong-sandbox trigger` talks to.
 *
 * @packageDocumentation
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HutongError } from '@hutong/core';
import type { WalletSandboxServer } from '@hutong/core/testing';
import {
  createSandboxKit,
  type SandboxKeyPaths,
  type SandboxKit,
  WALLETS,
  type Wallet,
  writeSandboxIdentities,
} from './sandbox-kit.js';
import { createTrigger, type TriggerRequest } from './sandbox-trigger.js';

/** The default port of the control server; the sandboxes take the three ports after it. */
export const DEFAULT_CONTROL_PORT = 4700;

/** Options of {@link startSandboxes}. */
export interface StartSandboxesOptions {
  /** The control server's port; the sandboxes listen on the next three. 0 picks free ports for all. Default 4700. */
  port?: number | undefined;
  /** Where to write the test keys. */
  keysDir: string;
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
  describe(): object;
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
  const describe = () => ({
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
  const trigger = createTrigger(kit);
  const control = createServer(async (request, response) => {
    const send = (status: number, body: unknown) =>
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    try {
      if (request.method === 'GET' && request.url === '/') return send(200, describe());
      if (request.method !== 'POST' || request.url !== '/trigger') return send(404, { error: 'not found' });
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      send(200, await trigger(JSON.parse(Buffer.concat(chunks).toString('utf8')) as TriggerRequest));
    } catch (error) {
      const code = HutongError.isInstance(error) ? error.code : 'error';
      send(400, { error: code, message: error instanceof Error ? error.message : String(error) });
    }
  });
  control.listen(port, '127.0.0.1');
  await once(control, 'listening');
  const controlUrl = `http://127.0.0.1:${(control.address() as AddressInfo).port}`;
  return {
    kit,
    controlUrl,
    baseUrls,
    keys,
    describe,
    async close() {
      await Promise.all([
        ...WALLETS.map((wallet) => servers[wallet].close()),
        new Promise<void>((resolve) => control.close(() => resolve())),
      ]);
    },
  };
}
