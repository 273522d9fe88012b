import { describe, expect, it } from 'vitest';
import { communityId, communityIdOf } from '../../../services/sensor/community-id.ts';
import { newPacket } from '../../../services/sensor/decode/packet-record.ts';

// Published test vectors of the Community ID spec (corelight/community-id-spec, seed 0 and 1).
describe('Community ID v1', () => {
  const vectors: Array<[string, string, number, number, number, number, string]> = [
    ['1.2.3.4', '5.6.7.8', 6, 1122, 3344, 0, '1:wCb3OG7yAFWelaUydu0D+125CLM='],
    ['5.6.7.8', '1.2.3.4', 6, 3344, 1122, 0, '1:wCb3OG7yAFWelaUydu0D+125CLM='],
    ['1.2.3.4', '5.6.7.8', 17, 1122, 3344, 0, '1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg='],
    ['1.2.3.4', '5.6.7.8', 1, 8, 0, 0, '1:crodRHL2FEsHjbv3UkRrfbs4bZ0='],
    ['5.6.7.8', '1.2.3.4', 1, 0, 0, 0, '1:crodRHL2FEsHjbv3UkRrfbs4bZ0='],
    ['fe80:1:203:405:607:809:a0b:c0d', 'fe80:1011:1213:1415:1617:1819:1a1b:1c1d', 58, 128, 0, 0, '1:0bf7hyMJUwt3fMED7z8LIfRpBeo='],
    ['1.2.3.4', '5.6.7.8', 46, -1, -1, 0, '1:ikv3kmf89luf73WPz1jOs49S768='],
    ['1.2.3.4', '5.6.7.8', 6, 1122, 3344, 1, '1:HhA1B+6CoLbiKPEs5nhNYN4XWfk='],
    ['1.2.3.4', '5.6.7.8', 17, 1122, 3344, 1, '1:OShq+iKDAMVouh/4bMxB9Sz4amw='],
    ['1.2.3.4', '5.6.7.8', 1, 8, 0, 1, '1:9pr4ZGTICiuZoIh90RRYE2RyXpU='],
  ];
  for (const [src, dst, protocol, srcPort, dstPort, seed, expected] of vectors) {
    it(`${src}:${srcPort} -> ${dst}:${dstPort} proto ${protocol} seed ${seed}`, () => {
      expect(communityId({ src, dst, protocol, srcPort, dstPort }, seed)).toBe(expected);
    });
  }

  it('maps ICMP type/code of a decoded packet and is null for non-IP packets', () => {
    const p = newPacket(1, 98, 98, 0, 0);
    p.ipVersion = 4;
    p.src = '5.6.7.8';
    p.dst = '1.2.3.4';
    p.protocol = 1;
    p.icmpType = 0;
    p.icmpCode = 0;
    expect(communityIdOf(p)).toBe('1:crodRHL2FEsHjbv3UkRrfbs4bZ0=');
    expect(communityIdOf(newPacket(1, 60, 60, 0, 0))).toBeNull();
  });
});
