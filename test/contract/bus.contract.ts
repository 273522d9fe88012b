/**
 * What every Bus adapter must do, run against the memory adapter (unit) and Kafka
 * (integration). Topic and group names are unique per test so suites can share a broker.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bus, IncomingMessage, Subscription } from '../../services/common/bus/port.ts';

export interface BusContractOptions {
  /** A fresh bus; the suite closes it. */
  create: () => Promise<Bus>;
  /** Upper bound for a delivery or a rebalance to happen, ms. */
  settleMs: number;
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function messages(count: number, keys: string[]): Array<{ key: string; value: Buffer }> {
  return Array.from({ length: count }, (_, i) => ({ key: keys[i % keys.length], value: Buffer.from(`${keys[i % keys.length]}#${i}`) }));
}

export function busContract(name: string, options: BusContractOptions): void {
  describe(`Bus contract: ${name}`, () => {
    const open: Bus[] = [];
    const subscriptions: Subscription[] = [];
    const unique = (what: string) => `contract.${what}.${randomUUID().slice(0, 8)}`;
    const newBus = async () => {
      const bus = await options.create();
      open.push(bus);
      return bus;
    };

    afterEach(async () => {
      await Promise.all(subscriptions.splice(0).map((s) => s.stop().catch(() => undefined)));
      await Promise.all(open.splice(0).map((b) => b.close()));
    });

    it('delivers every keyed message once, in order per key, with its key, value and headers', async () => {
      const bus = await newBus();
      const topic = unique('order');
      await bus.ensureTopics([{ name: topic, partitions: 3 }]);
      const sent = messages(300, ['10.0.0.1', '10.0.0.2', '10.0.0.3', '192.168.1.7', 'fe80::1']);
      for (let i = 0; i < sent.length; i += 50) await bus.produce(topic, sent.slice(i, i + 50).map((m) => ({ ...m, headers: { origin: 'contract' } })));
      const received: IncomingMessage[] = [];
      subscriptions.push(await bus.consume({ groupId: unique('g'), topics: [topic], onBatch: async (batch) => void received.push(...batch.messages) }));
      await until(() => received.length >= sent.length, options.settleMs, `${sent.length} messages`);
      expect(received).toHaveLength(sent.length);
      expect(received[0].headers.origin).toBe('contract');
      for (const key of new Set(sent.map((m) => m.key))) {
        const expected = sent.filter((m) => m.key === key).map((m) => m.value.toString());
        const got = received.filter((m) => m.key === key).map((m) => m.value.toString());
        expect(got, `order of key ${key}`).toEqual(expected);
        expect(new Set(received.filter((m) => m.key === key).map((m) => m.partition)).size, `partitions of key ${key}`).toBe(1);
      }
    });

    it('splits 6 partitions between 2 members of a group, each message exactly once, and rebalances when one leaves', async () => {
      const bus = await newBus();
      const topic = unique('group');
      const groupId = unique('g');
      await bus.ensureTopics([{ name: topic, partitions: 6 }]);
      const seen = new Map<string, number>();
      const byMember: Array<Set<number>> = [new Set(), new Set()];
      const handler = (member: number) => async (batch: { partition: number; messages: IncomingMessage[] }) => {
        byMember[member].add(batch.partition);
        for (const m of batch.messages) seen.set(m.value.toString(), (seen.get(m.value.toString()) ?? 0) + 1);
      };
      const assignments: Array<number[]> = [[], []];
      const first = await bus.consume({ groupId, topics: [topic], onBatch: handler(0), onAssignment: (a) => (assignments[0] = a.flatMap((t) => t.partitions)) });
      const second = await bus.consume({ groupId, topics: [topic], onBatch: handler(1), onAssignment: (a) => (assignments[1] = a.flatMap((t) => t.partitions)) });
      subscriptions.push(first, second);
      await until(() => assignments[0].length + assignments[1].length === 6 && assignments[0].length > 0 && assignments[1].length > 0, options.settleMs, 'both members assigned');
      expect(new Set([...assignments[0], ...assignments[1]]).size).toBe(6);

      const keys = Array.from({ length: 60 }, (_, i) => `host-${i}`);
      const firstWave = messages(600, keys);
      await bus.produce(topic, firstWave);
      await until(() => seen.size >= firstWave.length, options.settleMs, 'first wave');
      expect(byMember[0].size).toBeGreaterThan(0);
      expect(byMember[1].size).toBeGreaterThan(0);

      await second.stop();
      await until(() => assignments[0].length === 6, options.settleMs, 'rebalance to the remaining member');
      const secondWave = messages(600, keys).map((m) => ({ key: m.key, value: Buffer.from(`wave2:${m.value.toString()}`) }));
      await bus.produce(topic, secondWave);
      await until(() => seen.size >= firstWave.length + secondWave.length, options.settleMs, 'second wave');
      expect(seen.size).toBe(1200);
      expect([...seen.values()].every((n) => n === 1), 'no message delivered twice').toBe(true);
      expect(byMember[0].size).toBe(6);
    });

    it('redelivers a batch whose handler failed to the next member of the group (commit after processing)', async () => {
      const bus = await newBus();
      const topic = unique('redeliver');
      const groupId = unique('g');
      await bus.ensureTopics([{ name: topic, partitions: 1 }]);
      await bus.produce(topic, messages(5, ['k']));
      let crashed = false;
      const failing = await bus.consume({
        groupId,
        topics: [topic],
        onBatch: async () => {
          throw new Error('handler failed');
        },
        onCrash: () => (crashed = true),
      });
      subscriptions.push(failing);
      await until(() => crashed, options.settleMs, 'the failing handler to crash');
      await failing.stop();
      const received: string[] = [];
      subscriptions.push(await bus.consume({ groupId, topics: [topic], onBatch: async (b) => void received.push(...b.messages.map((m) => m.value.toString())) }));
      await until(() => received.length >= 5, options.settleMs, 'redelivery');
      expect(received).toEqual(['k#0', 'k#1', 'k#2', 'k#3', 'k#4']);
    });
  });
}
