import { inject } from 'vitest';
import { createKafkaBus } from '../../../../services/common/bus/kafka-bus.ts';
import { loadConfig } from '../../../../services/common/config/load.ts';
import { silentLogger } from '../../../../services/common/observability/logger.ts';
import { busContract } from '../../../contract/bus.contract.ts';

const services = inject('services');

busContract('Kafka (kafkajs) against the real broker', {
  create: async () => createKafkaBus(loadConfig({ env: {}, overrides: { 'kafka.brokers': services.kafkaBrokers, 'kafka.clientId': 'contract' } }), silentLogger),
  // Joining a group and rebalancing takes a few seconds on a real broker.
  settleMs: 60_000,
});
