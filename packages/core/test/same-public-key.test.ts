import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { samePublicKey } from '../src/rsa-keys.js';

describe('samePublicKey', () => {
  const a = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const b = generateKeyPairSync('rsa', { modulusLength: 1024 });
  it('matches a private key to its own public half, by the public keys bytes', () => {
    expect(samePublicKey(a.publicKey, a.privateKey)).toBe(true);
    expect(samePublicKey(a.privateKey, a.publicKey)).toBe(true);
    expect(samePublicKey(a.publicKey, a.publicKey)).toBe(true);
  });
  it('tells another key apart', () => {
    expect(samePublicKey(a.publicKey, b.privateKey)).toBe(false);
    expect(samePublicKey(b.publicKey, a.publicKey)).toBe(false);
  });
});
