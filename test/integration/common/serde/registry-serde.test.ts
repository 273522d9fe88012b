import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../../../services/common/config/load.ts';
import { silentLogger } from '../../../../services/common/observability/logger.ts';
import { createSerde } from '../../../../services/common/serde/create-serde.ts';
import { RegistrySerde } from '../../../../services/common/serde/registry-serde.ts';
import { schemaText } from '../../../../services/common/serde/avro-types.ts';
import { sampleAlert, samplePacketBatch } from '../../../support/sample-records.ts';
import { packetArray } from '../../../support/detector-fields.ts';

const services = inject('services');
const run = promisify(execFile);

function configWithPrefix(prefix: string) {
  return loadConfig({ env: {}, overrides: { 'kafka.brokers': services.kafkaBrokers, 'registry.url': services.registryUrl, 'topics.prefix': prefix } });
}

async function registry(path: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const response = await fetch(`${services.registryUrl}${path}`, { ...init, headers: { 'content-type': 'application/vnd.schemaregistry.v1+json', ...(init?.headers ?? {}) } });
  return { status: response.status, body: await response.json().catch(() => null) };
}

describe('RegistrySerde against the real schema registry', () => {
  it('registers the three schemas under <topic>-value with BACKWARD compatibility, fetchable by id', async () => {
    const prefix = `it-${randomUUID().slice(0, 6)}.`;
    const serde = createSerde(configWithPrefix(prefix), silentLogger) as RegistrySerde;
    await serde.init();
    for (const [kind, topic] of [['packetBatch', 'packets'], ['alert', 'alerts'], ['heartbeat', 'heartbeats']] as const) {
      const id = serde.schemaId(kind);
      const byId = await registry(`/schemas/ids/${id}`);
      expect(byId.status).toBe(200);
      expect(JSON.parse(byId.body.schema).name).toBe(JSON.parse(schemaText(kind)).name);
      const subjectConfig = await registry(`/config/${prefix}${topic}-value`);
      expect(subjectConfig.body.compatibilityLevel).toBe('BACKWARD');
    }
    // Registering again is idempotent: same ids.
    const again = createSerde(configWithPrefix(prefix), silentLogger) as RegistrySerde;
    await again.init();
    expect(again.schemaId('alert')).toBe(serde.schemaId('alert'));
  });

  it('the registry refuses an incompatible schema change (BACKWARD is enforced)', async () => {
    const prefix = `it-${randomUUID().slice(0, 6)}.`;
    const serde = createSerde(configWithPrefix(prefix), silentLogger);
    await serde.init();
    const schema = JSON.parse(schemaText('heartbeat'));
    // A new required field without a default cannot read old data: not BACKWARD compatible.
    schema.fields.push({ name: 'mandatoryNewField', type: 'string', doc: 'test' });
    const attempt = await registry(`/subjects/${prefix}heartbeats-value/versions`, { method: 'POST', body: JSON.stringify({ schema: JSON.stringify(schema) }) });
    expect(attempt.status).toBe(409);
  });

  it('reads records written with an older, compatible writer schema (resolution by schema id)', async () => {
    const prefix = `it-${randomUUID().slice(0, 6)}.`;
    const subject = `${prefix}alerts-value`;
    const old = JSON.parse(schemaText('alert'));
    old.fields = old.fields.filter((f: { name: string }) => f.name !== 'detector');
    const registered = await registry(`/subjects/${subject}/versions`, { method: 'POST', body: JSON.stringify({ schema: JSON.stringify(old) }) });
    expect(registered.status).toBe(200);
    const avro = (await import('avsc')).default;
    const oldType = avro.Type.forSchema(old);
    const { detector: _dropped, ...oldAlert } = sampleAlert();
    const body = oldType.toBuffer(oldAlert);
    const header = Buffer.alloc(5);
    header.writeUInt32BE(registered.body.id, 1);
    const serde = createSerde(configWithPrefix(prefix), silentLogger);
    await serde.init();
    const decoded = await serde.decode('alert', Buffer.concat([header, body]));
    expect(decoded).toEqual({ ...sampleAlert(), detector: '' });
  });

  it('reads PacketBatches of a sensor older than Packet.smbRpc and victimCopy: null and false', async () => {
    const prefix = `it-${randomUUID().slice(0, 6)}.`;
    const old = JSON.parse(schemaText('packetBatch'));
    const packetRecord = old.fields.find((f: { name: string }) => f.name === 'packets').type.items;
    packetRecord.fields = packetRecord.fields.filter((f: { name: string }) => f.name !== 'smbRpc' && f.name !== 'victimCopy');
    const registered = await registry(`/subjects/${prefix}packets-value/versions`, { method: 'POST', body: JSON.stringify({ schema: JSON.stringify(old) }) });
    expect(registered.status).toBe(200);
    const avro = (await import('avsc')).default;
    const batch = samplePacketBatch();
    const oldBatch = { ...batch, packets: batch.packets.map(({ smbRpc: _s, victimCopy: _v, ...rest }) => rest) };
    const header = Buffer.alloc(5);
    header.writeUInt32BE(registered.body.id, 1);
    const serde = createSerde(configWithPrefix(prefix), silentLogger);
    await serde.init();
    const decoded = await serde.decode('packetBatch', Buffer.concat([header, avro.Type.forSchema(old).toBuffer(oldBatch)]));
    expect(decoded).toEqual(batch);
    expect(decoded.packets.every((p) => p.smbRpc === null && p.victimCopy === false)).toBe(true);
    // The detectors' decode resolves the old schema the same way (avsc then gives whole packets).
    const forDetectors = await serde.decodeDetectorBatch(Buffer.concat([header, avro.Type.forSchema(old).toBuffer(oldBatch)]));
    expect(forDetectors).toEqual(batch);
  });

  it('a PacketBatch produced with kafkajs comes back equal, and kcat sees the magic byte and schema id', async () => {
    const prefix = `it-${randomUUID().slice(0, 6)}.`;
    const config = configWithPrefix(prefix);
    const serde = createSerde(config, silentLogger) as RegistrySerde;
    await serde.init();
    const topic = `${prefix}packets`;
    const kafka = new Kafka({ clientId: 'it-serde', brokers: services.kafkaBrokers, logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const batch = samplePacketBatch(50);
    await producer.send({ topic, messages: [{ key: batch.packets[0].src, value: serde.encode('packetBatch', batch) }] });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: `it-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message within 60 s')), 60_000);
      void consumer.run({ eachMessage: async ({ message }) => { clearTimeout(timer); resolve(message.value!); } });
    });
    await consumer.disconnect();
    expect(await serde.decode('packetBatch', received)).toEqual(batch);
    const forDetectors = await serde.decodeDetectorBatch(received);
    expect(packetArray(forDetectors.packets).map((p) => [p.ts, p.src, p.dst, p.srcPort, p.dstPort, p.tcpFlags, p.victimCopy])).toEqual(batch.packets.map((p) => [p.ts, p.src, p.dst, p.srcPort, p.dstPort, p.tcpFlags, p.victimCopy]));
    expect(packetArray(forDetectors.packets)[0]).not.toHaveProperty('srcMac');

    // kcat: an independent client (librdkafka) reading the same topic.
    const { stdout } = await run('kcat', ['-b', services.kafkaBrokers[0], '-C', '-t', topic, '-o', 'beginning', '-c', '1', '-e', '-q', '-f', '%s'], { encoding: 'buffer', timeout: 60_000, maxBuffer: 16 << 20 });
    expect(stdout[0]).toBe(0);
    expect(stdout.readUInt32BE(1)).toBe(serde.schemaId('packetBatch'));
    expect(await serde.decode('packetBatch', stdout)).toEqual(batch);
  });

  it('says which registry it could not reach', async () => {
    const serde = createSerde(loadConfig({ env: {}, overrides: { 'registry.url': 'http://127.0.0.1:9' } }), silentLogger);
    await expect(serde.init()).rejects.toMatchObject({ code: 'NS_ERR_REGISTRY', message: expect.stringContaining('http://127.0.0.1:9') });
  });
});
