import { describe, expect, it } from 'vitest';
import { DecodeFlag } from '../../../../services/common/model.ts';
import { decodeDns } from '../../../../services/sensor/decode/dns.ts';
import { newPacket } from '../../../../services/sensor/decode/packet-record.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const header = (flags: string, qd: number, an: number) => hex(`abcd ${flags} ${qd.toString(16).padStart(4, '0')} ${an.toString(16).padStart(4, '0')} 0000 0000`);

describe('decodeDns', () => {
  it('reads the question and summarises answers with compression pointers', () => {
    const msg = Buffer.concat([
      header('8183', 1, 2),
      hex('03 777777 07 6578616d706c65 03 636f6d 00 0001 0001'),
      hex('c00c 0001 0001 0000012c 0004 01020304'),
      hex('c010 0001 0001 0000003c 0004 05060708'),
    ]);
    const p = newPacket(1, 0, 0, 0, 0);
    decodeDns(p, msg, 0, msg.length);
    expect(p.dns).toEqual({
      id: 0xabcd, response: true, opcode: 0, rcode: 3, qname: 'www.example.com', qtype: 1, questionCount: 1, answerCount: 2, minTtl: 60, maxTtl: 300, answerBytes: 8,
    });
    expect(p.decodeFlags).toBe(0);
  });

  it('stops at a compression pointer loop and flags it malformed', () => {
    const msg = Buffer.concat([header('0100', 1, 0), hex('c00c 0001 0001')]);
    const p = newPacket(1, 0, 0, 0, 0);
    decodeDns(p, msg, 0, msg.length);
    expect(p.dns?.qname).toBe('');
    expect(p.decodeFlags).toBe(DecodeFlag.Malformed);
  });

  it('flags a name cut by the end of the capture as truncated', () => {
    const msg = Buffer.concat([header('0100', 1, 0), hex('07 6578616d')]);
    const p = newPacket(1, 0, 0, 0, 0);
    decodeDns(p, msg, 0, msg.length);
    expect(p.decodeFlags).toBe(DecodeFlag.Truncated);
  });
});
