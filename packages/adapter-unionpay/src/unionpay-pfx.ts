/**
 * Reading the `.pfx` (PKCS#12) file UnionPay issues. Node's crypto cannot read PKCS#12, so this
 * uses node-forge (pure JavaScript, widely used, and able to open both the current 3DES PFX and the
 * 2015 test PFX whose RC2-40 bags OpenSSL 3 refuses). It is loaded only when a PFX is given.
 *
 * @packageDocumentation
 */
import { createRequire } from 'node:module';
import { ValidationError } from '@hutong/core';

/** The signing key and certificate inside a PFX, as PEM. */
export interface PfxContents {
  privateKeyPem: string;
  certificatePem: string;
}

type Forge = typeof import('node-forge');

let forge: Forge | undefined;

/** node-forge, loaded on first use; a runtime that cannot load it (workerd) gets a `ValidationError`. */
function loadForge(field: string): Forge {
  try {
    forge ??= createRequire(import.meta.url)('node-forge') as Forge;
  } catch (cause) {
    throw new ValidationError(
      `${field}.pfx`,
      'cannot be read in this runtime (node-forge does not load): give { privateKey, certificate } as PEM',
      { cause },
    );
  }
  return forge;
}

/**
 * Opens a PFX with its password and returns the key and the certificate that matches it.
 * A wrong password or a damaged file is a `ValidationError` naming the field.
 *
 * @example
 * ```ts
 * const { privateKeyPem, certificatePem } = readPfx(readFileSync('acp_test_sign.pfx'), '000000', 'options.signCert');
 * ```
 */
export function readPfx(pfx: Uint8Array, password: string, field: string): PfxContents {
  const f = loadForge(field);
  let p12: import('node-forge').pkcs12.Pkcs12Pfx;
  try {
    p12 = f.pkcs12.pkcs12FromAsn1(
      f.asn1.fromDer(f.util.createBuffer(Buffer.from(pfx).toString('binary'))),
      false,
      password,
    );
  } catch (cause) {
    const wrongPassword = /MAC could not be verified|Invalid password/i.test((cause as Error)?.message ?? '');
    throw new ValidationError(
      wrongPassword ? `${field}.password` : `${field}.pfx`,
      wrongPassword ? 'does not open the PFX (wrong password?)' : 'is not a readable PKCS#12 (.pfx) file',
      { cause },
    );
  }
  const keyBags = [
    ...(p12.getBags({ bagType: f.pki.oids.pkcs8ShroudedKeyBag })[f.pki.oids.pkcs8ShroudedKeyBag as string] ?? []),
    ...(p12.getBags({ bagType: f.pki.oids.keyBag })[f.pki.oids.keyBag as string] ?? []),
  ];
  const key = keyBags.find((bag) => bag.key)?.key as import('node-forge').pki.rsa.PrivateKey | undefined;
  if (!key) throw new ValidationError(`${field}.pfx`, 'holds no private key');
  const certificates = (p12.getBags({ bagType: f.pki.oids.certBag })[f.pki.oids.certBag as string] ?? []).flatMap(
    (bag) => (bag.cert ? [bag.cert] : []),
  );
  const own = certificates.find((certificate) => {
    const publicKey = certificate.publicKey as import('node-forge').pki.rsa.PublicKey;
    return publicKey.n?.equals(key.n) && publicKey.e?.equals(key.e);
  });
  if (!own) throw new ValidationError(`${field}.pfx`, 'holds no certificate for its private key');
  return { privateKeyPem: f.pki.privateKeyToPem(key), certificatePem: f.pki.certificateToPem(own) };
}
