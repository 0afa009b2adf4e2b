import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTestIdentity } from '../src/testing/index.js';

const notBefore = new Date('2024-01-01T00:00:00Z');
const notAfter = new Date('2054-01-01T00:00:00Z'); // past 2049: GeneralizedTime

describe('test certificates', () => {
  const root = createTestIdentity({
    subject: [
      ['C', 'CN'],
      ['O', 'hutong'],
      ['CN', 'hutong Test Root'],
    ],
    isCA: true,
    notBefore,
    notAfter,
  });
  const middle = createTestIdentity({
    subject: [
      ['C', 'CN'],
      ['O', 'hutong'],
      ['CN', 'hutong Test Middle'],
    ],
    issuer: root,
    isCA: true,
    notBefore,
    notAfter,
  });
  const leaf = createTestIdentity({
    subject: [
      ['C', 'CN'],
      ['O', '中国银联股份有限公司'],
      ['OU', '00000000'],
      ['CN', '041@Z12@00040000:SIGN@00000001'],
    ],
    issuer: middle,
    serial: 69026143262n,
    notBefore,
    notAfter: new Date('2030-01-01T00:00:00Z'),
  });

  it('chains: each certificate verifies with its issuer key and names its issuer', () => {
    expect(root.certificate.verify(root.publicKey)).toBe(true);
    expect(middle.certificate.verify(root.publicKey)).toBe(true);
    expect(leaf.certificate.verify(middle.publicKey)).toBe(true);
    expect(leaf.certificate.verify(root.publicKey)).toBe(false);
    expect(leaf.certificate.checkIssued(middle.certificate)).toBe(true);
    expect(middle.certificate.ca).toBe(true);
    expect(leaf.certificate.ca).toBe(false);
  });

  it('carries the subject, serial and validity asked for, UTF-8 names included', () => {
    expect(leaf.certificate.subject).toContain('CN=041@Z12@00040000:SIGN@00000001');
    expect(leaf.certificate.subject).toContain('O=中国银联股份有限公司');
    expect(BigInt(`0x${leaf.certificate.serialNumber}`)).toBe(69026143262n);
    expect(new Date(leaf.certificate.validTo).toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(new Date(root.certificate.validTo).toISOString()).toBe(notAfter.toISOString());
  });

  it('is accepted by openssl as a chain', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hutong-cert-'));
    writeFileSync(join(dir, 'root.pem'), root.pem);
    writeFileSync(join(dir, 'middle.pem'), middle.pem);
    writeFileSync(join(dir, 'leaf.pem'), leaf.pem);
    const output = execFileSync(
      'openssl',
      [
        'verify',
        '-CAfile',
        join(dir, 'root.pem'),
        '-untrusted',
        join(dir, 'middle.pem'),
        '-attime',
        String(Date.parse('2025-01-01') / 1000),
        join(dir, 'leaf.pem'),
      ],
      { encoding: 'utf8' },
    );
    expect(output.trim()).toBe(`${join(dir, 'leaf.pem')}: OK`);
  });
});
