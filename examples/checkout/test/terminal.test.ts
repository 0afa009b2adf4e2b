import { renderQrText } from '@hutong/checkout';
import { describe, expect, it } from 'vitest';
import { describeAction, qrBlocks, terminalColumns, wrapLine } from '../src/terminal.js';

const width = (line: string) => [...line].length;
const codes = ['https://qr.example/a1', 'weixin://wxpay/bizpayurl?pr=abcdefg', 'https://qr.example/u3'].map(
  (content, i) => ({
    caption: `Wallet ${i + 1} QR, 19.99 yuan`,
    qr: renderQrText(content),
  }),
);

describe('the demo in a terminal', () => {
  it('puts QR codes side by side when they fit, and stacks them on a narrow terminal', () => {
    const wide = qrBlocks(codes, 200).split('\n');
    expect(wide[0]).toMatch(/Wallet 1.*Wallet 2.*Wallet 3/);
    const narrow = qrBlocks(codes, 40).split('\n');
    expect(narrow.filter((line) => line.startsWith('Wallet'))).toHaveLength(3);
    expect(Math.max(...narrow.map(width))).toBeLessThanOrEqual(40);
    for (const columns of [40, 60, 80, 120]) {
      expect(Math.max(...qrBlocks(codes, columns).split('\n').map(width))).toBeLessThanOrEqual(columns);
    }
  });

  it('wraps text, long URLs included, at the width', () => {
    const line = `   Alipay page: the browser goes to http://127.0.0.1:45437/${'x'.repeat(120)} and more words after it`;
    for (const part of wrapLine(line, 80)) expect(width(part)).toBeLessThanOrEqual(80);
    expect(wrapLine('short', 80)).toEqual(['short']);
  });

  it('takes the terminal’s width, and 80 when the output is not a terminal', () => {
    expect(terminalColumns({ isTTY: true, columns: 60 })).toBe(60);
    expect(terminalColumns({ isTTY: false, columns: 60 })).toBe(80);
    expect(terminalColumns({})).toBe(80);
  });

  it('names a sandbox’s page by its path and never prints a wallet’s real host', () => {
    expect(
      describeAction({ type: 'redirect', url: 'https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx1' }),
    ).not.toMatch(/tenpay/);
    expect(
      describeAction({
        type: 'form',
        method: 'POST',
        url: 'http://127.0.0.1:4000/gateway.do?charset=utf-8',
        fields: {},
      }),
    ).toBe("a POST form to the sandbox's /gateway.do");
  });
});
