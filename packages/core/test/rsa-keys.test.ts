import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadRsaPrivateKey, loadRsaPublicKey } from '../src/provider-utils/index.js';
import { createTestIdentity, validationFieldOf } from '../src/testing/index.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = (type: 'pkcs1' | 'pkcs8') => privateKey.export({ type, format: 'pem' }) as string;
const bare = (text: string) => text.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');

describe('loadRsaPrivateKey', () => {
  it('reads PEM and bare base64, PKCS#1 and PKCS#8, into the same key', () => {
    const expected = publicKey.export({ type: 'spki', format: 'pem' });
    for (const text of [pem('pkcs1'), pem('pkcs8'), bare(pem('pkcs1')), bare(pem('pkcs8'))]) {
      const key = loadRsaPrivateKey(text, 'options.privateKey');
      expect(key.type).toBe('private');
      expect(createPublicKey(key).export({ type: 'spki', format: 'pem' })).toBe(expected);
    }
  });

  it('names the field for a public key, a certificate, or garbage, and never echoes the input', () => {
    const spki = publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const cert = createTestIdentity({ subject: [['CN', 'x']], notBefore: new Date(0), notAfter: new Date(2e12) }).pem;
    expect(validationFieldOf(() => loadRsaPrivateKey(spki, 'options.privateKey'))).toBe('options.privateKey');
    expect(validationFieldOf(() => loadRsaPrivateKey(bare(spki), 'options.privateKey'))).toBe('options.privateKey');
    expect(validationFieldOf(() => loadRsaPrivateKey(cert, 'options.privateKey'))).toBe('options.privateKey');
    expect(validationFieldOf(() => loadRsaPrivateKey('', 'options.privateKey'))).toBe('options.privateKey');
    try {
      loadRsaPrivateKey(`${bare(pem('pkcs8')).slice(0, 200)}!!`, 'options.privateKey');
    } catch (error) {
      expect((error as Error).message).not.toContain(bare(pem('pkcs8')).slice(40, 80));
    }
  });
});

describe('loadRsaPublicKey', () => {
  it('reads SPKI and PKCS#1 PEM, bare base64 and certificates, and refuses a private key', () => {
    for (const text of [
      publicKey.export({ type: 'spki', format: 'pem' }) as string,
      publicKey.export({ type: 'pkcs1', format: 'pem' }) as string,
      bare(publicKey.export({ type: 'spki', format: 'pem' }) as string),
    ]) {
      expect(loadRsaPublicKey(text, 'k').type).toBe('public');
    }
    expect(validationFieldOf(() => loadRsaPublicKey(pem('pkcs8'), 'options.publicKey'))).toBe('options.publicKey');
  });
});
