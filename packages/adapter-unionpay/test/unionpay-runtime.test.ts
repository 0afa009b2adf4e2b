import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { unionpay } from '../src/index.js';
import { createUnionpaySandbox } from '../src/sandbox/index.js';
import { MER_ID, MERCHANT } from './sandbox-setup.js';

const sandbox = createUnionpaySandbox({ merId: MER_ID, merchantCertificate: MERCHANT.certificatePem });
const options = (privateKey: string) => ({
  merId: MER_ID,
  signCert: { privateKey, certificate: MERCHANT.certificatePem },
  rootCert: sandbox.rootCert,
  middleCert: sandbox.middleCert,
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('runtime reach', () => {
  // Cloudflare's workerd (nodejs_compat) answers KeyObject.equals with false for equal keys; the
  // end-to-end proof in workerd itself is tests/runtimes.
  it('matches the signing certificate to its key by the keys’ bytes, not KeyObject.equals (as in workerd)', () => {
    vi.spyOn(KeyObject.prototype, 'equals').mockReturnValue(false);
    expect(unionpay(options(MERCHANT.privateKeyPem)).id).toBe('unionpay');
  });

  it('still refuses a certificate that is not the key’s', () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    expect(() => unionpay(options(other.export({ type: 'pkcs8', format: 'pem' }) as string))).toThrow(
      'options.signCert.certificate: does not match the private key',
    );
  });
});
