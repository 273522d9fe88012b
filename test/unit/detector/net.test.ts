import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CidrSet, ipv4Value } from '../../../services/detector/net.ts';

/** The reference: prefix match on BigInt values, the way CidrSet matched before its IPv4 fast path. */
function v4Big(address: string): bigint {
  return address.split('.').reduce((n, o) => (n << 8n) + BigInt(Number(o)), 0n);
}
function inNetwork(address: string, network: string): boolean {
  const [base, bitsText] = network.split('/');
  const bits = BigInt(bitsText ?? 32);
  const mask = bits === 0n ? 0n : ((1n << bits) - 1n) << (32n - bits);
  return (v4Big(address) & mask) === (v4Big(base) & mask);
}

/** A deterministic stream of pseudo-random 32-bit values (xorshift32). */
function* randomWords(seed: number): Generator<number> {
  let x = seed;
  for (;;) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    yield x >>> 0;
  }
}
const quad = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

describe('ipv4Value', () => {
  it('reads canonical dotted quads and refuses everything isIP refuses', () => {
    expect(ipv4Value('0.0.0.0')).toBe(0);
    expect(ipv4Value('255.255.255.255')).toBe(4294967295);
    expect(ipv4Value('10.1.2.3')).toBe(0x0a010203);
    for (const text of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1..2.3', '.1.2.3', '1.2.3.', 'a.b.c.d', '1.2.3.4 ', '::1', '::ffff:1.2.3.4', '1.2.3.-4']) {
      expect(ipv4Value(text), text).toBe(-1);
      expect(isIP(text), text).not.toBe(4);
    }
  });
});

describe('CidrSet', () => {
  it('answers an address asked again, in any order, as it did the first time', () => {
    const entries = ['10.0.0.0/8', '192.168.0.0/16', 'fd00::/8', '203.0.113.9'];
    const addresses = ['10.1.2.3', '8.8.8.8', '10.1.2.3', '8.8.8.8', 'fd00::1', '10.1.2.3', '203.0.113.9', '203.0.113.9', '2001:db8::1', '192.168.1.1', '8.8.8.8', '', 'fd00::1'];
    const asked = new CidrSet(entries);
    // A fresh set per address has nothing remembered.
    expect(addresses.map((a) => asked.has(a))).toEqual(addresses.map((a) => new CidrSet(entries).has(a)));
    expect(addresses.map((a) => asked.has(a))).toEqual([true, false, true, false, true, true, true, true, false, true, false, false, true]);
  });

  it('matches IPv4 networks of every prefix length as a BigInt prefix match does', () => {
    const words = randomWords(0x9e3779b9);
    const networks = Array.from({ length: 33 }, (_, bits) => `${quad(words.next().value!)}/${bits}`);
    const set = new CidrSet(networks);
    for (let i = 0; i < 20_000; i++) {
      const base = networks[i % networks.length].split('/')[0];
      // Half the addresses near a network's base, half anywhere.
      const address = i % 2 === 0 ? quad((Number(v4Big(base)) ^ (words.next().value! & 0xffff)) >>> 0) : quad(words.next().value!);
      expect(set.has(address), address).toBe(networks.some((n) => inNetwork(address, n)));
    }
  });

  it('matches the default internal networks, single addresses and IPv6', () => {
    const set = new CidrSet(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '203.0.113.7', 'fc00::/7', '2001:db8::1']);
    expect(set.has('10.255.0.1')).toBe(true);
    expect(set.has('11.0.0.1')).toBe(false);
    expect(set.has('172.31.255.255')).toBe(true);
    expect(set.has('172.32.0.0')).toBe(false);
    expect(set.has('203.0.113.7')).toBe(true);
    expect(set.has('203.0.113.8')).toBe(false);
    expect(set.has('fd12::1')).toBe(true);
    expect(set.has('2001:db8::1')).toBe(true);
    expect(set.has('2001:db8::2')).toBe(false);
    expect(set.has('not an address')).toBe(false);
    expect(new CidrSet([]).has('10.0.0.1')).toBe(false);
  });
});
