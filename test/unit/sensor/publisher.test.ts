/**
 * The sensor's publisher (sensor/publisher.ts): batches of a partition one after the other, at
 * most maxInFlight in all, and the empty batches of quiet partitions outside that count. The
 * bus here only holds each produce until the test acknowledges it; Kafka itself is exercised by
 * test/integration/sensor.
 */
import { describe, expect, it } from 'vitest';
import type { Bus, OutgoingMessage } from '../../../services/common/bus/port.ts';
import { Publisher } from '../../../services/sensor/publisher.ts';
import { newCounters } from '../../../services/sensor/sensor-counters.ts';
import { SingleObjectSerde } from '../../../services/common/serde/single-object-serde.ts';

function heldBus() {
  const pending: Array<{ key: string; ack: () => void }> = [];
  const bus = {
    produce: (_topic: string, messages: OutgoingMessage[]) => new Promise<void>((ack) => pending.push({ key: String(messages[0].key), ack })),
  } as unknown as Bus;
  return { bus, pending };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('Publisher', () => {
  it('sends empty batches outside maxInFlight, one per partition at a time, so a live capture never drops for them', async () => {
    const { bus, pending } = heldBus();
    const counters = newCounters();
    const publisher = new Publisher({ bus, serde: new SingleObjectSerde(), topic: 't', sensorId: 's', sensorHost: 'h', maxInFlight: 1, counters, onError: () => {} });
    for (let partition = 0; partition < 4; partition++) publisher.sendIdle(partition, `idle-${partition}`, Buffer.alloc(4));
    publisher.sendIdle(0, 'idle-0', Buffer.alloc(4)); // partition 0 has one unacknowledged already
    await settle();
    expect(pending.map((p) => p.key)).toEqual(['idle-0', 'idle-1', 'idle-2', 'idle-3']);
    expect(publisher.saturated).toBe(false);
    // A data batch still gets its slot, behind the empty batch of its partition.
    publisher.send(1, '10.0.0.1', Buffer.alloc(40), 7);
    expect(publisher.saturated).toBe(true);
    await settle();
    expect(pending).toHaveLength(4);
    pending[1].ack();
    await settle();
    expect(pending.map((p) => p.key)).toEqual(['idle-0', 'idle-1', 'idle-2', 'idle-3', '10.0.0.1']);
    pending[4].ack();
    pending[0].ack();
    await settle();
    expect(publisher.saturated).toBe(false);
    expect(counters.packetsPublished).toBe(7);
    // Acknowledged: partition 0 may get its next empty batch.
    publisher.sendIdle(0, 'idle-0', Buffer.alloc(4));
    await settle();
    expect(pending.map((p) => p.key).filter((k) => k === 'idle-0')).toHaveLength(2);
    for (const p of pending) p.ack();
    await publisher.drain();
  });
});
