import { describe, expect, it } from 'vitest';
import { ipv4Text, ipv6Text, macText } from '../../../../services/sensor/decode/text.ts';
import { parseIp } from '../../../../services/sensor/community-id.ts';

describe('address text', () => {
  it('formats IPv4 and MAC addresses', () => {
    expect(ipv4Text(Buffer.from([0, 10, 0, 255, 1]), 1)).toBe('10.0.255.1');
    expect(macText(Buffer.from('00a1b2c3d4e5ff', 'hex'), 0)).toBe('00:a1:b2:c3:d4:e5');
  });
  it.each([
    ['2001:db8::1', '2001:0db8:0000:0000:0000:0000:0000:0001'],
    ['::', '0000:0000:0000:0000:0000:0000:0000:0000'],
    ['::1', '0000:0000:0000:0000:0000:0000:0000:0001'],
    ['fe80::', 'fe80:0000:0000:0000:0000:0000:0000:0000'],
    ['2001:db8:0:1:1:1:1:1', '2001:0db8:0000:0001:0001:0001:0001:0001'],
    ['2001:0:0:1::1', '2001:0000:0000:0001:0000:0000:0000:0001'],
    ['::ffff:192.0.2.1', '0000:0000:0000:0000:0000:ffff:c000:0201'],
    ['ff02::1:ff00:1', 'ff02:0000:0000:0000:0000:0001:ff00:0001'],
  ])('prints %s in RFC 5952 form and parses it back', (text, full) => {
    const bytes = Buffer.from(full.replaceAll(':', ''), 'hex');
    expect(ipv6Text(bytes, 0)).toBe(text);
    expect(parseIp(text)).toEqual(bytes);
  });
});
