import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { partitionForKey } from '../../../../services/common/bus/partitioner.ts';

describe('partitionForKey', () => {
  it('puts every key in the partition kafkajs DefaultPartitioner (Java-compatible murmur2) chooses', () => {
    const kafkajs = Partitioners.DefaultPartitioner();
    const partitionMetadata = Array.from({ length: 6 }, (_, i) => ({ partitionId: i, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }));
    // ASCII keys are hashed from their char codes, others (and keys past 64 characters) from their UTF-8 bytes.
    const keys = ['10.0.0.1', '192.168.1.254', 'fe80::1', 'a', 'ab', 'abc', 'abcd', '', 'sensor-1/eth0', 'hôte-é', 'ключ', '🔑x', 'k'.repeat(64), 'k'.repeat(65), `${'k'.repeat(63)}é`];
    for (const key of keys) {
      const expected = kafkajs({ topic: 't', partitionMetadata, message: { key, value: null } });
      expect(partitionForKey(key, 6), key).toBe(expected);
    }
  });
});
