import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../../../../services/common/bus/memory-bus.ts';
import { busContract } from '../../../contract/bus.contract.ts';

busContract('MemoryBus', { create: async () => new MemoryBus(), settleMs: 2000 });

describe('MemoryBus bounds', () => {
  it('makes produce wait while a partition holds maxBacklog unread messages, then drains', async () => {
    const bus = new MemoryBus({ partitions: 1, maxBacklog: 10 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let delivered = 0;
    await bus.consume({ groupId: 'slow', topics: ['t'], onBatch: async (b) => { await gate; delivered += b.messages.length; } });
    let produced = false;
    const producing = bus.produce('t', Array.from({ length: 30 }, (_, i) => ({ key: 'k', value: Buffer.from(String(i)) }))).then(() => (produced = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(produced).toBe(false);
    release();
    await producing;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(delivered).toBe(30);
    await bus.close();
  });

  it('keeps only retainUnconsumed messages of a topic nobody consumes', async () => {
    const bus = new MemoryBus({ partitions: 1, retainUnconsumed: 5 });
    await bus.produce('t', Array.from({ length: 50 }, (_, i) => ({ key: null, value: Buffer.from(String(i)) })));
    const got: string[] = [];
    await bus.consume({ groupId: 'late', topics: ['t'], onBatch: async (b) => void got.push(...b.messages.map((m) => m.value.toString())) });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(got).toEqual(['45', '46', '47', '48', '49']);
    await bus.close();
  });
});
