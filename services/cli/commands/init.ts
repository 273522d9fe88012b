import type { Command } from 'commander';
import { createKafkaBus } from '../../common/bus/kafka-bus.ts';
import { createSerde } from '../../common/serde/create-serde.ts';
import { topicSpecs } from '../../common/topics.ts';
import { commandRuntime, withConfigOptions } from '../runtime.ts';

/** One-shot set-up of a deployment: topics and schemas. Safe to run again. */
export function registerInit(program: Command): void {
  withConfigOptions(
    program
      .command('init')
      .description('create the Kafka topics and register the Avro schemas (idempotent; the compose "init" service runs it)'),
  ).action(async (options: { config?: string; logLevel?: string }) => {
    const { config, logger } = commandRuntime(options, {}, 'init');
    const bus = createKafkaBus(config, logger);
    try {
      const specs = topicSpecs(config);
      await bus.ensureTopics(specs);
      const serde = createSerde(config, logger);
      await serde.init();
      process.stdout.write(
        `topics ready: ${specs.map((s) => `${s.name} (${s.partitions} partition${s.partitions > 1 ? 's' : ''}${s.compacted ? ', compacted' : ''})`).join(', ')}\n` +
          (config.registry.url ? `schemas registered in ${config.registry.url} (compatibility BACKWARD)\n` : 'no registry configured: embedded single-object encoding\n'),
      );
    } finally {
      await bus.close();
    }
  });
}
