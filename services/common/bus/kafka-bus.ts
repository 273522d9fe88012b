/**
 * The Kafka adapter of the Bus port (kafkajs). One producer per bus, one consumer per
 * subscription. Offsets are committed only after the batch handler resolves; a handler that
 * throws leaves its batch uncommitted, so Kafka redelivers it.
 */
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import kafkajs, { CompressionTypes, Kafka, logLevel, Partitioners, type Consumer, type KafkaConfig, type Producer, type SASLOptions } from 'kafkajs';
import type { Config } from '../config/schema.ts';
import { BusError } from '../errors.ts';
import { inflateRecords } from './gzip-read-ahead.ts';
import type { Logger } from '../observability/logger.ts';
import type { Bus, ConsumeOptions, IncomingMessage, OutgoingMessage, Subscription, TopicSpec } from './port.ts';

/**
 * kafkajs's own gzip codec compresses at zlib's default level in 16 KiB output chunks, each a
 * round trip between the thread pool and the main thread: for the sensor's ~200 KB packet
 * batches that cost more main-thread time than decoding and encoding them. Level 1 in 64 KiB
 * chunks compresses packet batches 8.2:1 instead of 8.9:1, three times faster, and stays
 * plain gzip for every reader (docs/performance.md, Sensor). Decompression had the same 16 KiB
 * chunks: the ~11 MB of packet batches in a 2 MiB fetch came out in ~700 chunks, ~100 ms per
 * fetch in which the detector worker waited for its next batch. An output chunk about the size
 * of the result (packet batches inflate ~8:1) needs one, and the batches of a fetch are inflated
 * side by side (gzip-read-ahead.ts).
 */
const gzip = promisify(zlib.gzip);
// (CompressionCodecs is not among the names Node finds in kafkajs's CommonJS exports.)
kafkajs.CompressionCodecs[CompressionTypes.GZIP] = () => ({
  // A 64 KiB output chunk holds a whole compressed batch (~30 KB) and is what the result keeps alive.
  compress: (encoder: { buffer: Buffer }) => gzip(encoder.buffer, { level: zlib.constants.Z_BEST_SPEED, chunkSize: 64 * 1024 }),
  decompress: inflateRecords,
});

export function kafkaClientConfig(config: Readonly<Config>, logger: Logger): KafkaConfig {
  const { kafka } = config;
  const ssl = kafka.ssl
    ? {
        rejectUnauthorized: kafka.tls.rejectUnauthorized,
        ca: kafka.tls.ca ? [readFileSync(kafka.tls.ca, 'utf8')] : undefined,
        cert: kafka.tls.cert ? readFileSync(kafka.tls.cert, 'utf8') : undefined,
        key: kafka.tls.key ? readFileSync(kafka.tls.key, 'utf8') : undefined,
      }
    : undefined;
  const sasl: SASLOptions | undefined =
    kafka.sasl.mechanism === 'none'
      ? undefined
      : ({ mechanism: kafka.sasl.mechanism, username: kafka.sasl.username, password: kafka.sasl.password } as SASLOptions);
  const log = logger.child({ component: 'kafkajs' });
  return {
    clientId: kafka.clientId,
    brokers: [...kafka.brokers],
    ssl,
    sasl,
    connectionTimeout: kafka.connectionTimeoutMs,
    retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 5000 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }) => {
        const { message, ...rest } = entry;
        if (level <= logLevel.ERROR) log.error(rest, message);
        else if (level === logLevel.WARN) log.warn(rest, message);
        else log.debug(rest, message);
      },
  };
}

export function createKafkaBus(config: Readonly<Config>, logger: Logger): Bus {
  return new KafkaBus(new Kafka(kafkaClientConfig(config, logger)), config, logger);
}

class KafkaBus implements Bus {
  private producerReady: Promise<Producer> | null = null;
  private readonly consumers = new Set<Consumer>();

  constructor(
    private readonly kafka: Kafka,
    private readonly config: Readonly<Config>,
    private readonly logger: Logger,
  ) {}

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    // A broker that just started (or is busy electing) resets connections now and then; the
    // admin client does not retry its connect, so retry the whole step a few times.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.ensureTopicsOnce(specs);
      } catch (err) {
        const retriable = (err as { cause?: { retriable?: boolean } }).cause?.retriable === true;
        if (!retriable || attempt >= 5) throw err;
        this.logger.warn({ err, attempt }, 'topic creation failed, retrying');
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      }
    }
  }

  private async ensureTopicsOnce(specs: TopicSpec[]): Promise<void> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      const existing = new Set(await admin.listTopics());
      const missing = specs.filter((spec) => !existing.has(spec.name));
      if (missing.length === 0) return;
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((spec) => ({
          topic: spec.name,
          numPartitions: spec.partitions,
          replicationFactor: this.config.kafka.replicationFactor,
          configEntries: [
            ...(spec.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : []),
            ...(spec.retentionMs !== undefined ? [{ name: 'retention.ms', value: String(spec.retentionMs) }] : []),
          ],
        })),
      });
      this.logger.info({ topics: missing.map((s) => s.name) }, 'topics created');
    } catch (err) {
      throw this.wrap('cannot create topics', err);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  async produce(topic: string, messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const producer = await this.connectedProducer();
    try {
      await producer.send({
        topic,
        acks: -1,
        compression: this.config.kafka.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
        messages: messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
      });
    } catch (err) {
      throw this.wrap(`cannot produce to ${topic}`, err);
    }
  }

  async consume(options: ConsumeOptions): Promise<Subscription> {
    const consumer = this.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      rebalanceTimeout: 60_000,
      // A fetch holds at most 2 MiB (kafkajs's default is 10 MiB): packet batches arrive gzip'd
      // about 8:1, so a full default fetch kept ~80 MB of messages beside a worker's capped heap
      // (peak RSS 527-566 MB on the benchmark capture, 444-453 MB now, at the same speed).
      maxBytesPerPartition: 1024 * 1024,
      maxBytes: 2 * 1024 * 1024,
      maxWaitTimeInMs: 100,
    });
    this.consumers.add(consumer);
    const log = this.logger.child({ groupId: options.groupId });
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      const assignment = event.payload.memberAssignment as Record<string, number[]>;
      options.onAssignment?.(Object.entries(assignment).map(([topic, partitions]) => ({ topic, partitions })));
    });
    consumer.on(consumer.events.CRASH, (event) => {
      const error = event.payload.error;
      log.error({ err: error, restart: event.payload.restart }, 'consumer crashed');
      if (!event.payload.restart) options.onCrash?.(error);
    });
    // A handler failure stops this member without committing (kafkajs would otherwise retry the
    // batch in place forever); the group hands the partition, uncommitted, to another member.
    let failed = false;
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      log.error({ err: error }, 'batch handler failed: leaving the group without committing');
      this.consumers.delete(consumer);
      void consumer.disconnect().catch(() => undefined).then(() => options.onCrash?.(error));
    };
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning ?? true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat, isRunning, isStale }) => {
          if (failed || !isRunning() || isStale() || batch.messages.length === 0) return;
          const messages: IncomingMessage[] = batch.messages.map((m) => ({
            topic: batch.topic,
            partition: batch.partition,
            offset: m.offset,
            key: m.key === null ? null : m.key.toString(),
            value: m.value ?? Buffer.alloc(0),
            headers: headersToStrings(m.headers),
            timestamp: Number(m.timestamp),
          }));
          const lastOffset = messages[messages.length - 1].offset;
          try {
            await options.onBatch({ topic: batch.topic, partition: batch.partition, messages, lastOffset });
          } catch (err) {
            fail(err instanceof Error ? err : new Error(String(err)));
            return;
          }
          resolveOffset(lastOffset);
          await commitOffsetsIfNecessary({
            topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: String(BigInt(lastOffset) + 1n) }] }],
          });
          await heartbeat();
        },
      });
    } catch (err) {
      this.consumers.delete(consumer);
      await consumer.disconnect().catch(() => undefined);
      throw this.wrap(`cannot consume ${options.topics.join(', ')} as ${options.groupId}`, err);
    }
    return {
      stop: async () => {
        if (!this.consumers.delete(consumer)) return;
        await consumer.disconnect();
      },
    };
  }

  async close(): Promise<void> {
    const consumers = [...this.consumers];
    this.consumers.clear();
    await Promise.all(consumers.map((c) => c.disconnect().catch(() => undefined)));
    if (this.producerReady) {
      const producer = await this.producerReady.catch(() => null);
      this.producerReady = null;
      await producer?.disconnect().catch(() => undefined);
    }
  }

  private connectedProducer(): Promise<Producer> {
    if (!this.producerReady) {
      const producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: true });
      this.producerReady = producer.connect().then(
        () => producer,
        (err: unknown) => {
          this.producerReady = null;
          throw this.wrap('cannot connect the producer', err);
        },
      );
    }
    return this.producerReady;
  }

  private wrap(what: string, err: unknown): BusError {
    if (err instanceof BusError) return err;
    const reason = err instanceof Error ? err.message : String(err);
    return new BusError(`kafka ${this.config.kafka.brokers.join(',')}: ${what}: ${reason}`, { cause: err });
  }
}

function headersToStrings(headers: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    out[key] = Array.isArray(value) ? value.map(String).join(',') : Buffer.isBuffer(value) ? value.toString() : String(value);
  }
  return out;
}
