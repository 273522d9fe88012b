/**
 * AddressKeys names state keys ('<prefix><address>') from a cache of one string per address:
 * the names must be right whatever the cache holds, and the cache must stay bounded under a
 * spoofed flood (a new source address per packet).
 */
import { describe, expect, it } from 'vitest';
import { ADDRESS_KEYS_MAX, AddressKeys, ConfiguredPorts, PairNames, PortNames, PortTable, srcKey } from '../../../services/detector/detector.ts';
import { packet } from './packets.ts';

describe('AddressKeys', () => {
  it('names an address with its prefix, the same name on every call', () => {
    const keys = new AddressKeys('v:');
    expect(keys.of('')).toBe('v:');
    expect(keys.of('10.0.0.1')).toBe('v:10.0.0.1');
    expect(keys.of(['10', '0', '0', '1'].join('.'))).toBe('v:10.0.0.1');
    expect(keys.of('2001:db8::1')).toBe('v:2001:db8::1');
    expect(keys.size).toBe(3);
    // A flow's two ends, one after the other, and a third address.
    expect(['10.0.0.1', '2001:db8::1', '10.0.0.1', '2001:db8::1', '10.0.0.2', '10.0.0.1'].map((a) => keys.of(a))).toEqual(['v:10.0.0.1', 'v:2001:db8::1', 'v:10.0.0.1', 'v:2001:db8::1', 'v:10.0.0.2', 'v:10.0.0.1']);
  });

  it(`holds at most ${ADDRESS_KEYS_MAX} addresses (a spoofed flood cannot grow it) and still names every one right`, () => {
    const keys = new AddressKeys('src:');
    const address = (n: number): string => `11.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
    for (let n = 0; n < 250_000; n++) {
      const name = keys.of(address(n));
      if (n % 49_999 === 0) expect(name).toBe(`src:${address(n)}`);
    }
    expect(keys.size).toBeLessThanOrEqual(ADDRESS_KEYS_MAX);
    expect(keys.size).toBeGreaterThan(0);
    expect(keys.of(address(0))).toBe('src:11.0.0.0');
  });

  it('srcKey keys a packet by its source, and a packet without one by nothing', () => {
    expect(srcKey(packet({ src: '192.0.2.7' }))).toBe('src:192.0.2.7');
    expect(srcKey(packet({ src: '' }))).toBeNull();
  });
});

describe('PairNames', () => {
  it('names a pair the same whether it was named just before, earlier, or never, and past its bound', () => {
    const names = new PairNames('|', 4);
    const pairs: Array<[string, string | number]> = [['a', 1], ['a', 1], ['a', '1'], ['b', 1], ['a', 1], ['a', 2], ['c', 3], ['d', 4], ['e', 5], ['a', 1], ['a', 1]];
    expect(pairs.map(([a, b]) => names.of(a, b))).toEqual(pairs.map(([a, b]) => `${a}|${b}`));
  });

  it('names the pairs of a flow whose two ends alternate, and a pair past the last two', () => {
    const names = new PairNames('|');
    const pairs: Array<[string, string | number]> = [['a', 1], ['b', 2], ['a', 1], ['b', 2], ['c', 3], ['a', 1], ['a', 2], ['b', 2], ['b', 1]];
    expect(pairs.map(([a, b]) => names.of(a, b))).toEqual(pairs.map(([a, b]) => `${a}|${b}`));
  });
});

describe('PortNames', () => {
  it('names every port with its prefix, the same string object on every call, and a value that is no port all the same', () => {
    const names = new PortNames('tcp/');
    expect([0, 22, 443, 65_535].map((port) => names.of(port))).toEqual(['tcp/0', 'tcp/22', 'tcp/443', 'tcp/65535']);
    expect(names.of(443)).toBe(names.of(443));
    expect([-1, 65_536, 1.5].map((port) => names.of(port))).toEqual(['tcp/-1', 'tcp/65536', 'tcp/1.5']);
  });
});

describe('PortTable', () => {
  it('answers for the ports it was given, nothing for the others nor for a value that is no port', () => {
    const table = new PortTable<string>([[22, 'ssh'], [5986, 'winrm'], [0, 'zero'], [65_535, 'last'], [70_000, 'ignored'], [-1, 'ignored']]);
    expect([22, 5986, 0, 65_535].map((port) => table.get(port))).toEqual(['ssh', 'winrm', 'zero', 'last']);
    expect([23, -1, 65_536, 70_000, 1.5, Number.NaN].map((port) => table.has(port))).toEqual([false, false, false, false, false, false]);
    expect([1.5, Number.NaN].map((port) => table.get(port))).toEqual([undefined, undefined]);
    // Ports share a value's slot; at most 255 distinct values.
    expect(new PortTable(Array.from({ length: 1000 }, (_, port) => [port, port % 255] as const)).get(999)).toBe(999 % 255);
    expect(() => new PortTable(Array.from({ length: 256 }, (_, port) => [port, port] as const))).toThrow(/255/);
  });

  it('ConfiguredPorts makes a table again only when the configured list changes', () => {
    const configured = new ConfiguredPorts();
    const list = [4444, 31337];
    const first = configured.of(list);
    expect(configured.of(list)).toBe(first);
    expect([first.has(4444), first.has(31337), first.has(80)]).toEqual([true, true, false]);
    const changed = configured.of([80]);
    expect([changed.has(80), changed.has(4444)]).toEqual([true, false]);
  });
});
