import { describe, expect, it, vi } from 'vitest';
import { readPfx } from '../src/unionpay-pfx.js';
import { PFX } from './helpers.js';

// As in workerd, where `import.meta.url` is undefined and createRequire cannot load node-forge.
vi.mock('node:module', () => ({
  createRequire: () => {
    throw new TypeError('The argument must be a file URL object, a file URL string, or an absolute path string');
  },
}));

describe('a PFX where node-forge cannot be loaded', () => {
  it('is a ValidationError naming the field and the PEM alternative, not a TypeError', () => {
    expect(() => readPfx(PFX, '000000', 'options.signCert')).toThrow(
      'options.signCert.pfx: cannot be read in this runtime (node-forge does not load): give { privateKey, certificate } as PEM',
    );
  });
});
