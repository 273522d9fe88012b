import { describe, expect, it } from 'vitest';
import { SingleObjectSerde } from '../../../../services/common/serde/single-object-serde.ts';
import { rabinFingerprint } from '../../../../services/common/serde/rabin.ts';
import { sampleAlert, sampleHeartbeat, samplePacketBatch } from '../../../support/sample-records.ts';

describe('SingleObjectSerde', () => {
  it('computes CRC-64-AVRO as the Avro specification test vectors give it', () => {
    // org.apache.avro.SchemaNormalization test data: "int" -> 0x7275d51a3f395c8f, "null" -> 0x63dd24e7cc258f8a
    expect(rabinFingerprint('"int"').readBigUInt64LE()).toBe(0x7275d51a3f395c8fn);
    expect(rabinFingerprint('"null"').readBigUInt64LE()).toBe(0x63dd24e7cc258f8an);
  });

  it('round-trips every record kind, with the C3 01 header and the schema fingerprint', async () => {
    const serde = new SingleObjectSerde();
    await serde.init();
    const batch = samplePacketBatch();
    const bytes = serde.encode('packetBatch', batch);
    expect(bytes.subarray(0, 2).toString('hex')).toBe('c301');
    expect(await serde.decode('packetBatch', bytes)).toEqual(batch);
    expect(await serde.decode('alert', serde.encode('alert', sampleAlert()))).toEqual(sampleAlert());
    expect(await serde.decode('heartbeat', serde.encode('heartbeat', sampleHeartbeat()))).toEqual(sampleHeartbeat());
  });

  it('refuses bytes of another kind, of no kind, and truncated bodies with a SerdeError that says why', async () => {
    const serde = new SingleObjectSerde();
    await serde.init();
    const alertBytes = serde.encode('alert', sampleAlert());
    await expect(serde.decode('heartbeat', alertBytes)).rejects.toMatchObject({ code: 'NS_ERR_SERDE', message: expect.stringContaining('fingerprint') });
    await expect(serde.decode('alert', Buffer.from('{"json":true}'))).rejects.toMatchObject({ code: 'NS_ERR_SERDE', message: expect.stringContaining('C3 01') });
    await expect(serde.decode('alert', alertBytes.subarray(0, 30))).rejects.toMatchObject({ code: 'NS_ERR_SERDE', message: expect.stringContaining('does not decode') });
  });

  it('refuses to encode a record that does not match its schema, naming the field', () => {
    const serde = new SingleObjectSerde();
    const bad = { ...sampleAlert(), severity: 'APOCALYPTIC' } as never;
    expect(() => serde.encode('alert', bad)).toThrow(/severity/);
  });
});
