import { describe, expect, it } from 'vitest';
import { type FormAction, renderAutoSubmitForm } from '../src/index.js';
import { escapeHtml } from '../src/provider-utils/index.js';

const action: FormAction = {
  type: 'form',
  method: 'POST',
  url: 'https://gateway.example/pay?a=1&b=2',
  fields: { biz_content: '{"subject":"<script>alert(1)</script>","q":"\'x\'"}', 'we"ird': 'a&b' },
};

describe('renderAutoSubmitForm', () => {
  it('escapes every name and value so nothing breaks out of its attribute', () => {
    const html = renderAutoSubmitForm(action);
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain(
      'value="{&quot;subject&quot;:&quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;,&quot;q&quot;:&quot;&#39;x&#39;&quot;}"',
    );
    expect(html).toContain('name="we&quot;ird" value="a&amp;b"');
    expect(html).toContain('action="https://gateway.example/pay?a=1&amp;b=2"');
    expect(html).toContain('method="post"');
  });

  it('submits itself, with an optional CSP nonce', () => {
    const html = renderAutoSubmitForm(action, { nonce: 'abc"def' });
    expect(html).toContain('<script nonce="abc&quot;def">document.forms[0].submit();</script>');
  });

  it('renders a visible button and no script when auto-submit is off', () => {
    const html = renderAutoSubmitForm(action, { autoSubmit: false, buttonText: 'Pay <now>' });
    expect(html).not.toContain('<script');
    expect(html).toContain('<button type="submit">Pay &lt;now&gt;</button>');
    expect(html).not.toContain('<noscript>');
  });

  it('escapes reversibly: unescaping gives back the original text', () => {
    const decodeEntities = (text: string) =>
      text
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&');
    const value = 'a&amp;<>"\'';
    expect(decodeEntities(escapeHtml(value))).toBe(value);
  });
});
