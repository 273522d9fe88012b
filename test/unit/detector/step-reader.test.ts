import { describe, expect, it } from 'vitest';
import type { IncomingMessage } from '../../../services/common/bus/port.ts';
import { SingleObjectSerde } from '../../../services/common/serde/single-object-serde.ts';
import { StepReader } from '../../../services/detector/step-reader.ts';
import { syn } from './packets.ts';

const serde = new SingleObjectSerde();

function message(offset: number, packets: number): IncomingMessage {
  const batch = { sensorId: 's', sensorHost: 'h', batchSeq: offset, packets: Array.from({ length: packets }, (_, i) => syn('10.0.0.1', '10.0.0.2', 1 + i, offset * 1000 + i)) };
  return { topic: 'p', partition: 0, offset: String(offset), key: null, value: serde.encode('packetBatch', batch), headers: {}, timestamp: 0 };
}

async function cut(messages: IncomingMessage[], stepMaxPackets: number, yielding: boolean) {
  await serde.init();
  const reader = new StepReader(messages, stepMaxPackets, serde);
  const out: Array<{ offsets: string[]; packets: number; dead: string[]; reasons: string[] }> = [];
  for (let step = await reader.next(yielding); step !== null; step = await reader.next(yielding)) {
    out.push({
      offsets: step.messages.map((m) => m.offset),
      packets: step.messages.reduce((n, m) => n + m.batch.packets.length, 0),
      dead: step.dead.map((m) => m.offset),
      reasons: step.reasons,
    });
  }
  return out;
}

describe('StepReader', () => {
  it('cuts a partition batch into steps of at least stepMaxPackets packets, in offset order, the last one shorter', async () => {
    const messages = [message(0, 30), message(1, 30), message(2, 50), message(3, 10), message(4, 10)];
    for (const yielding of [false, true]) {
      expect(await cut(messages, 60, yielding)).toEqual([
        { offsets: ['0', '1'], packets: 60, dead: [], reasons: [] },
        { offsets: ['2', '3'], packets: 60, dead: [], reasons: [] },
        { offsets: ['4'], packets: 10, dead: [], reasons: [] },
      ]);
    }
  });

  it('sets an undecodable message apart with its reason and goes on with the rest', async () => {
    const broken: IncomingMessage = { ...message(1, 5), value: Buffer.from('not a packet batch') };
    const steps = await cut([message(0, 5), broken, message(2, 5)], 100, false);
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({ offsets: ['0', '2'], packets: 10, dead: ['1'] });
    expect(steps[0].reasons[0]).toMatch(/not Avro single-object encoded/);
  });
});
