#!/usr/bin/env node
/**
 * `hutong-sandbox`: `start` serves the Alipay, WeChat Pay and UnionPay sandboxes on local ports;
 * `trigger` asks a running `start` to send a signed notification to a URL (a payment, a refund, a
 * split settled, a transfer finished).
 *
 * @packageDocumentation
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { WALLETS } from './sandbox-kit.js';
import { DEFAULT_CONTROL_PORT, startSandboxes } from './sandbox-server.js';

/** The wallets that move money out (splits and transfers). */
const MOVEMENT_WALLETS = ['alipay', 'wechatpay'] as const;

const USAGE = `Usage:
  hutong-sandbox start [--port ${DEFAULT_CONTROL_PORT}] [--keys <dir>]
      Serves the three sandboxes (control API on --port, the sandboxes on the next three ports;
      0 picks free ports), writes test keys to <dir> (default: a new temporary directory) and
      prints the base URLs, ids and key paths as JSON.
  hutong-sandbox trigger payment|refund|notification --wallet ${WALLETS.join('|')} [--order <id>]
      [--to <url>] [--amount <fen>] [--refund <id>] [--sandbox http://127.0.0.1:${DEFAULT_CONTROL_PORT}]
      payment: the buyer pays order <id> (created, with --to as its notify URL, when the sandbox
        has none) and the signed payment notification is posted to --to (default: the notify URL).
      refund: the order is refunded (or refund --refund settled) and the refund notification posted.
      notification: the last notification triggered for the order is posted again.
  hutong-sandbox trigger split --wallet alipay|wechatpay --split <id> [--order <id>] [--fail <account>]...
      [--to <url>] [--sandbox http://127.0.0.1:${DEFAULT_CONTROL_PORT}]
      The wallet settles split <id> your app made: every receiver is paid but those named by --fail
      (WeChat Pay CLOSED, Alipay FAIL), and the signed notifications are posted (WeChat Pay: one per
      receiver, to --to, which it needs; Alipay: the settlement's, which needs --order <out_trade_no>).
  hutong-sandbox trigger transfer --wallet alipay|wechatpay --transfer <id>
      [--status succeeded|failed|cancelled] [--to <url>] [--sandbox http://127.0.0.1:${DEFAULT_CONTROL_PORT}]
      Transfer <id> your app made ends as --status says (default succeeded: the payee confirms;
      cancelled: a WeChat payee who never confirms) and its notification is posted (default: to its
      notify URL).
  hutong-sandbox merchant --wallet ${WALLETS.join('|')} --name <shop> [--id <id>] [--abbr <short name>]
      [--sub-app-id <app id>] [--sandbox http://127.0.0.1:${DEFAULT_CONTROL_PORT}]
      Registers a sub-merchant (platform mode) with a running start: a WeChat Pay sub_mchid bound
      to the service provider, an Alipay merchant that can authorise your app, a UnionPay
      subMerId; prints the accountId and fields to store in your merchants directory.`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      keys: { type: 'string' },
      wallet: { type: 'string' },
      order: { type: 'string' },
      to: { type: 'string' },
      amount: { type: 'string' },
      refund: { type: 'string' },
      split: { type: 'string' },
      transfer: { type: 'string' },
      status: { type: 'string' },
      fail: { type: 'string', multiple: true },
      sandbox: { type: 'string' },
      name: { type: 'string' },
      id: { type: 'string' },
      abbr: { type: 'string' },
      'sub-app-id': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, event] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  if (command === 'start') {
    const keysDir = values.keys ?? (await mkdtemp(join(tmpdir(), 'hutong-sandbox-')));
    const running = await startSandboxes({ port: Number(values.port ?? DEFAULT_CONTROL_PORT), keysDir });
    console.log(JSON.stringify(running.describe(), null, 2));
    // Open keep-alive connections must not hold the process: exit within a second whatever they do.
    const stop = () => {
      setTimeout(() => process.exit(0), 1_000).unref();
      void running.close().then(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return -1; // keep serving
  }
  if (command === 'trigger') {
    const movement = event === 'split' || event === 'transfer';
    if (event !== 'payment' && event !== 'refund' && event !== 'notification' && !movement) {
      console.error(`trigger what? payment, refund, notification, split or transfer\n\n${USAGE}`);
      return 2;
    }
    const wallets: readonly string[] = movement ? MOVEMENT_WALLETS : WALLETS;
    if (!wallets.includes(values.wallet as string)) {
      console.error(`--wallet must be one of ${wallets.join(', ')}${movement ? ` (UnionPay has no ${event}s)` : ''}`);
      return 2;
    }
    const sandbox = values.sandbox ?? `http://127.0.0.1:${DEFAULT_CONTROL_PORT}`;
    const request = movement
      ? {
          event,
          wallet: values.wallet,
          splitId: values.split,
          orderId: values.order,
          fail: values.fail,
          transferId: values.transfer,
          status: values.status,
          to: values.to,
        }
      : {
          event,
          wallet: values.wallet,
          orderId: values.order,
          to: values.to,
          amount: values.amount === undefined ? undefined : Number(values.amount),
          refundId: values.refund,
        };
    const reply = await fetch(`${sandbox}/trigger`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    }).catch((cause: unknown) => {
      throw new Error(`no hutong-sandbox at ${sandbox}: run \`hutong-sandbox start\` first`, { cause });
    });
    const text = await reply.text();
    if (!reply.ok) {
      console.error(text);
      return 1;
    }
    console.log(text);
    // The merchant's own answer: anything but 2xx means the notification was refused there.
    const { status } = JSON.parse(text) as { status?: number | undefined };
    if (status !== undefined && (status < 200 || status > 299)) {
      console.error(
        `your server answered ${status}: the notification was refused (see its notification.rejected event)`,
      );
      return 1;
    }
    return 0;
  }
  if (command === 'merchant') {
    if (!WALLETS.includes(values.wallet as never) || !values.name) {
      console.error(`merchant needs --wallet (${WALLETS.join(', ')}) and --name\n\n${USAGE}`);
      return 2;
    }
    const sandbox = values.sandbox ?? `http://127.0.0.1:${DEFAULT_CONTROL_PORT}`;
    const reply = await fetch(`${sandbox}/merchants`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        wallet: values.wallet,
        name: values.name,
        id: values.id,
        abbr: values.abbr,
        subAppId: values['sub-app-id'],
      }),
    }).catch((cause: unknown) => {
      throw new Error(`no hutong-sandbox at ${sandbox}: run \`hutong-sandbox start\` first`, { cause });
    });
    const text = await reply.text();
    if (!reply.ok) {
      console.error(text);
      return 1;
    }
    console.log(text);
    return 0;
  }
  console.error(`unknown command ${command}\n\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
