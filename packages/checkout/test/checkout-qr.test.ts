import { renderQrSvg, renderQrText } from '@hutong/checkout';
import { describe, expect, it } from 'vitest';
import { setup } from './checkout-setup.js';
import { decodeSvg, decodeTerminalText } from './qr-decode.js';

describe('QR codes', () => {
  it('the SVG on the desktop cashier decodes to the link itself', async () => {
    const { checkout, get } = setup();
    const { url } = await checkout.createSession({ amount: 1999, subject: 'Tea' });
    const page = await (await get(url)).text();
    const svg = /<svg[\s\S]*?<\/svg>/.exec(page)?.[0] ?? '';
    expect(svg).toContain('viewBox');
    expect(await decodeSvg(svg)).toBe(url);
  });

  it('a static code with a typed amount encodes the bare link (the amount is asked on the phone)', async () => {
    const { checkout, get } = setup();
    const { url } = await checkout.createSession({ subject: '随心付', reusable: true });
    const page = await (await get(url)).text();
    expect(await decodeSvg(/<svg[\s\S]*?<\/svg>/.exec(page)?.[0] ?? '')).toBe(url);
  });

  it('renderQrSvg and renderQrText round-trip long links and non-ASCII text', async () => {
    for (const text of ['https://shop.example/pay/abcdefgh12345678/AAAAAAAAAAAAAAAAAAAAAA', '付款 ¥42.00 晚饭']) {
      expect(await decodeSvg(renderQrSvg(text))).toBe(text);
      expect(decodeTerminalText(renderQrText(text))).toBe(text);
    }
  });

  it('escapes the accessible label', () => {
    expect(renderQrSvg('x', { label: '"><script>' })).toContain('aria-label="&#34;&#62;&#60;script&#62;"');
  });
});
