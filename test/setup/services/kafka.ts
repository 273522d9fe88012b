// A single-node Apache Kafka broker in KRaft combined mode (broker + controller in one JVM),
// run from the jars in the cache: storage format first, then kafka.Kafka.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { ensureKafkaLibs } from './paths.ts';
import { freePorts, runToCompletion, spawnService, stopProcessGroupNow, waitUntilReady, type ServiceProcess } from './process.ts';

export interface LocalKafka {
  proc: ServiceProcess;
  brokers: string[];
}

// Small heap and quick JIT: the machine has 2 cores and 24 GiB shared with other JVMs.
const JVM_OPTIONS = ['-Xms128m', '-Xmx512m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Djava.awt.headless=true'];

function serverProperties(brokerPort: number, controllerPort: number, dataDir: string): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${brokerPort},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${brokerPort}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${dataDir}`,
    'num.partitions=1',
    'auto.create.topics.enable=true',
    'delete.topic.enable=true',
    // One broker: every internal topic has one replica.
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=10',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    // Consumer groups in tests should not wait 3 s for more members before the first assignment.
    'group.initial.rebalance.delay.ms=0',
    'num.network.threads=2',
    'num.io.threads=4',
    'log.retention.hours=1',
    '',
  ].join('\n');
}

function log4jProperties(logFile: string): string {
  return [
    'log4j.rootLogger=INFO, file',
    'log4j.appender.file=org.apache.log4j.FileAppender',
    `log4j.appender.file.File=${logFile}`,
    'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
    // The state-change and request loggers are chatty at INFO and tell nothing a test needs.
    'log4j.logger.state.change.logger=WARN',
    'log4j.logger.kafka.request.logger=WARN',
    'log4j.logger.org.apache.kafka.controller=WARN',
    '',
  ].join('\n');
}

/** Starts Kafka under `workDir` (its data, config and log live there). */
export async function startLocalKafka(workDir: string, timeoutMs = 90_000): Promise<LocalKafka> {
  const libs = ensureKafkaLibs();
  const dir = join(workDir, 'kafka');
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const [brokerPort, controllerPort] = (await freePorts(2)) as [number, number];
  const configFile = join(dir, 'server.properties');
  const log4jFile = join(dir, 'log4j.properties');
  const logFile = join(dir, 'kafka.log');
  writeFileSync(configFile, serverProperties(brokerPort, controllerPort, dataDir));
  writeFileSync(log4jFile, log4jProperties(join(dir, 'server.log')));

  const java = [...JVM_OPTIONS, `-Dlog4j.configuration=file:${log4jFile}`, `-Dkafka.logs.dir=${dir}`, '-cp', `${libs}/*`];
  const clusterId = newClusterId();
  await runToCompletion({
    name: 'kafka (storage format)',
    command: 'java',
    args: [...java, 'kafka.tools.StorageTool', 'format', '--ignore-formatted', '-t', clusterId, '-c', configFile],
    logFile,
    timeoutMs,
  });
  const proc = spawnService({ name: 'kafka', command: 'java', args: [...java, 'kafka.Kafka', configFile], logFile });
  const brokers = [`127.0.0.1:${brokerPort}`];
  try {
    await waitForKafka(proc, brokers, timeoutMs);
  } catch (error) {
    // The caller never got a handle, so the broker is stopped here.
    stopProcessGroupNow(proc.pid);
    throw error;
  }
  return { proc, brokers };
}

async function waitForKafka(proc: ServiceProcess, brokers: string[], timeoutMs: number): Promise<void> {
  const kafka = new Kafka({
    clientId: 'netsentinel-harness',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    retry: { retries: 0 },
  });
  await waitUntilReady(
    async () => {
      const admin = kafka.admin();
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        await admin.listTopics();
        return cluster.brokers.length > 0;
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
    { proc, timeoutMs, intervalMs: 300, what: 'a kafkajs admin to describe the cluster and list topics' },
  );
}

/**
 * A cluster id: 16 random bytes in URL-safe base64 without padding (22 characters). One that
 * starts with '-' would be read as an option by kafka-storage's argument parser (1 run in 64
 * failed so, "argument --cluster-id/-t: expected one argument"); Kafka's own Uuid.randomUuid()
 * draws again in that case too.
 */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
