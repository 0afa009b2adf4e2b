import { X509Certificate } from 'node:crypto';
import { type UnionpayBaseOptions, unionpay } from '../src/index.js';
import { readPfx } from '../src/protocol/index.js';
import { createUnionpaySandbox } from '../src/sandbox/index.js';
import { PFX } from './helpers.js';

export const MER_ID = '777290058110048';
export const MERCHANT = readPfx(PFX, '000000', 'signCert');

/** A sandbox and a provider (signing with the test PFX) wired to it in process. */
export function sandboxed(
  options: {
    provider?: Partial<UnionpayBaseOptions>;
    rewrite?: (text: string, url: string, body: string) => string;
    now?: () => Date;
  } = {},
) {
  const sandbox = createUnionpaySandbox({
    merId: MER_ID,
    merchantCertificate: MERCHANT.certificatePem,
    now: options.now,
  });
  const requests: { url: string; body: string }[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    const body = await request.clone().text();
    requests.push({ url: request.url, body });
    const response = await sandbox.fetch(request);
    if (!options.rewrite) return response;
    return new Response(options.rewrite(await response.text(), request.url, body), {
      status: response.status,
      headers: response.headers,
    });
  };
  const provider = unionpay({
    merId: MER_ID,
    signCert: { pfx: PFX, password: '000000' },
    rootCert: sandbox.rootCert,
    middleCert: sandbox.middleCert,
    endpoint: sandbox.baseUrl,
    fileEndpoint: sandbox.fileUrl,
    fetch,
    now: options.now,
    ...options.provider,
  });
  return {
    sandbox,
    provider,
    requests,
    certId: BigInt(`0x${new X509Certificate(MERCHANT.certificatePem).serialNumber}`).toString(),
  };
}
