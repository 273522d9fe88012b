/** The local test Kafka's cluster id (test/setup/services/kafka.ts), which kafka-storage reads from its command line. */
import { describe, expect, it } from 'vitest';
import { newClusterId } from '../../setup/services/kafka.ts';

describe('newClusterId', () => {
  it('is 22 URL-safe base64 characters that never start with "-" (kafka-storage would read it as an option)', () => {
    const ids = Array.from({ length: 2000 }, () => newClusterId());
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
