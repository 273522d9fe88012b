// The global setup's services answer as the real thing: Kafka creates and lists a topic and
// round-trips a message, the registry stores a schema under BACKWARD compatibility and serves
// it by id, Redis answers PING/SET/GET.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { servicesEnv } from '../../setup/services-env.ts';

const services = inject('services');

describe('test services', () => {
  it('are published to child processes through the NETSENTINEL_* environment', () => {
    const env = servicesEnv(services);
    expect(env.NETSENTINEL_KAFKA_BROKERS).toBe(services.kafkaBrokers.join(','));
    expect(process.env.NETSENTINEL_REGISTRY_URL).toBe(services.registryUrl);
    expect(process.env.NETSENTINEL_REDIS_URL).toBe(services.redisUrl);
  });

  describe('kafka', () => {
    const kafka = new Kafka({ clientId: 'harness-test', brokers: services.kafkaBrokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    const topic = `harness-${randomUUID()}`;

    beforeAll(async () => {
      await admin.connect();
    });
    afterAll(async () => {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    });

    it('creates a 3-partition topic and lists it', async () => {
      const created = await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
      expect(created).toBe(true);
      expect(await admin.listTopics()).toContain(topic);
      const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
      expect(metadata?.partitions).toHaveLength(3);
    });

    it('delivers a produced message to a consumer group', async () => {
      const producer = kafka.producer();
      const consumer = kafka.consumer({ groupId: `harness-${randomUUID()}` });
      await producer.connect();
      await consumer.connect();
      try {
        await consumer.subscribe({ topic, fromBeginning: true });
        const received = new Promise<string>((resolve) => {
          void consumer.run({ eachMessage: async ({ message }) => resolve(message.value?.toString() ?? '') });
        });
        await producer.send({ topic, messages: [{ key: 'k', value: 'hello from the harness' }] });
        const value = await Promise.race([
          received,
          new Promise<string>((_, reject) => setTimeout(() => reject(new Error('no message within 30 s')), 30_000)),
        ]);
        expect(value).toBe('hello from the harness');
      } finally {
        await consumer.disconnect();
        await producer.disconnect();
      }
    });
  });

  describe('schema registry', () => {
    const subject = `harness-${randomUUID()}-value`;
    const schema = JSON.stringify({ type: 'record', name: 'HarnessProbe', namespace: 'netsentinel.test', fields: [{ name: 'n', type: 'int' }] });
    const json = { 'Content-Type': 'application/vnd.schemaregistry.v1+json' };

    it('lists subjects', async () => {
      const response = await fetch(`${services.registryUrl}/subjects`);
      expect(response.status).toBe(200);
      expect(Array.isArray(await response.json())).toBe(true);
    });

    it('accepts BACKWARD as the global compatibility level', async () => {
      const response = await fetch(`${services.registryUrl}/config`, {
        method: 'PUT',
        headers: json,
        body: JSON.stringify({ compatibility: 'BACKWARD' }),
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ compatibility: 'BACKWARD' });
    });

    it('registers a schema and serves it by id', async () => {
      const registered = await fetch(`${services.registryUrl}/subjects/${subject}/versions`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ schema }),
      });
      expect(registered.status).toBe(200);
      const { id } = (await registered.json()) as { id: number };
      expect(Number.isInteger(id)).toBe(true);

      const fetched = await fetch(`${services.registryUrl}/schemas/ids/${id}`);
      expect(fetched.status).toBe(200);
      const body = (await fetched.json()) as { schema: string };
      expect(JSON.parse(body.schema)).toEqual(JSON.parse(schema));
    });

    it('rejects a change that breaks BACKWARD compatibility', async () => {
      const breaking = JSON.stringify({ type: 'record', name: 'HarnessProbe', namespace: 'netsentinel.test', fields: [{ name: 'n', type: 'int' }, { name: 'required', type: 'string' }] });
      const config = await fetch(`${services.registryUrl}/config/${subject}`, { method: 'PUT', headers: json, body: JSON.stringify({ compatibility: 'BACKWARD' }) });
      expect(config.status).toBe(200);
      const response = await fetch(`${services.registryUrl}/subjects/${subject}/versions`, { method: 'POST', headers: json, body: JSON.stringify({ schema: breaking }) });
      expect(response.status).toBe(409);
    });
  });

  describe('redis', () => {
    const redis = new Redis(services.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    const key = `harness:${randomUUID()}`;

    beforeAll(async () => {
      await redis.connect();
    });
    afterAll(async () => {
      await redis.del(key);
      redis.disconnect();
    });

    it('answers PING, SET and GET', async () => {
      expect(await redis.ping()).toBe('PONG');
      expect(await redis.set(key, 'value', 'EX', 60)).toBe('OK');
      expect(await redis.get(key)).toBe('value');
    });
  });
});
