import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAlipayTime } from '../src/protocol/index.js';

const source = fileURLToPath(new URL('../src/alipay-time.ts', import.meta.url));

/** Runs the formatter in a fresh process with the given TZ (worker threads cannot change theirs). */
function inZone(zone: string): { offset: number; formatted: string; parsed: string } {
  const script = `
    import { formatAlipayTime, parseAlipayTime } from ${JSON.stringify(source)};
    const instant = new Date('2024-01-01T16:30:05.000Z');
    console.log(JSON.stringify({
      offset: new Date(2024, 0, 1).getTimezoneOffset(),
      formatted: formatAlipayTime(instant),
      parsed: parseAlipayTime('2024-01-02 00:30:05', 'x'),
    }));`;
  const output = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, TZ: zone },
    encoding: 'utf8',
  });
  return JSON.parse(output) as { offset: number; formatted: string; parsed: string };
}

describe('Alipay time is China Standard Time whatever the host TZ', () => {
  it.each([
    ['UTC', 0],
    ['America/Los_Angeles', 480],
    ['Pacific/Kiritimati', -840],
    ['Asia/Shanghai', -480],
  ])('TZ=%s', (zone, offset) => {
    const result = inZone(zone);
    expect(result.offset).toBe(offset); // the host really is in that zone
    expect(result.formatted).toBe('2024-01-02 00:30:05');
    expect(result.parsed).toBe('2024-01-01T16:30:05.000Z');
  });

  it.each([
    '2024-01-02T00:30:05',
    '2024-13-02 00:30:05',
    '2023-02-29 12:00:00',
    '2024-04-31 12:00:00',
    '2024-01-02 24:00:00',
    '2024-01-02 00:60:05',
    '2024-01-02 00:30:5',
    '2024-01-02 00:30:05 ',
    '２０２４-01-02 00:30:05',
  ])('refuses the malformed or impossible time %j', (text) => {
    expect(() => parseAlipayTime(text, 'gmt_payment')).toThrow(/gmt_payment/);
  });

  it('crosses day, month and year ends when moving to UTC', () => {
    expect(parseAlipayTime('2024-03-01 07:59:59', 'x')).toBe('2024-02-29T23:59:59.000Z');
    expect(parseAlipayTime('2025-01-01 00:00:00', 'x')).toBe('2024-12-31T16:00:00.000Z');
  });
});
