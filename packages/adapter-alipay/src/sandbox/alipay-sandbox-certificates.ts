/**
 * Certificate mode (公钥证书模式) in the Alipay sandbox: a test root named as Alipay's, and
 * certificates under it for the app's public key and for the sandbox's own signing key.
 *
 * @packageDocumentation
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { createTestIdentity, type DistinguishedName, issueTestCertificate } from '@hutong/core/testing';
import type { AlipaySandboxState } from './alipay-sandbox-state.js';

/** The sandbox's certificate authority, named as Alipay's. */
const ROOT_DN: DistinguishedName = [
  ['C', 'CN'],
  ['O', 'Ant Financial'],
  ['OU', 'Certification Authority'],
  ['CN', 'Ant Financial Certification Authority R1 (hutong sandbox)'],
];
const LEAF_DN: DistinguishedName = [
  ['C', 'CN'],
  ['O', 'Ant Financial'],
  ['OU', 'Alipay Sandbox'],
];

/**
 * The three certificates `alipay()` takes in certificate mode, for the app `appId`: valid from a
 * day ago for ten years.
 *
 * @example
 * ```ts
 * const { appCert, alipayPublicCert, alipayRootCert } = issueAlipaySandboxCertificates(state, appId);
 * ```
 */
export function issueAlipaySandboxCertificates(
  state: AlipaySandboxState,
  appId: string,
): { appCert: string; alipayPublicCert: string; alipayRootCert: string } {
  const notBefore = new Date(state.now().getTime() - 86_400_000);
  const notAfter = new Date(state.now().getTime() + 10 * 365 * 86_400_000);
  const root = createTestIdentity({ subject: ROOT_DN, isCA: true, notBefore, notAfter });
  const issuer = { subject: ROOT_DN, privateKey: root.privateKey };
  const issue = (publicKey: KeyObject, cn: string) =>
    issueTestCertificate({ subject: [...LEAF_DN, ['CN', cn]], publicKey, issuer, notBefore, notAfter }).pem;
  return {
    appCert: issue(state.appKey, appId),
    alipayPublicCert: issue(createPublicKey(state.alipayPublicKey), '支付宝(中国)网络技术有限公司'),
    alipayRootCert: root.pem,
  };
}
