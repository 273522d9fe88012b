/**
 * Cuts a Kafka partition batch into the worker's steps: PacketBatch messages decoded in order
 * until a step holds about detector.stepMaxPackets packets. A message that does not decode is
 * set apart with the reason (the worker sends it to the DLQ) and the rest go on.
 */
import type { IncomingMessage } from '../common/bus/port.ts';
import type { Serde } from '../common/serde/port.ts';
import type { BatchMessage } from './engine/engine.ts';

export interface DecodedStep {
  messages: BatchMessage[];
  /** Undecodable messages, and why each failed. */
  dead: IncomingMessage[];
  reasons: string[];
}

export class StepReader {
  private at = 0;

  constructor(
    private readonly incoming: readonly IncomingMessage[],
    private readonly stepMaxPackets: number,
    private readonly serde: Serde,
  ) {}

  /**
   * The next step, or null after the last. `yielding`: the event loop runs before each message
   * is decoded, as it must while a commit is being written to Redis (a large command leaves the
   * socket only as the loop turns).
   */
  async next(yielding: boolean): Promise<DecodedStep | null> {
    if (this.at >= this.incoming.length) return null;
    const step: DecodedStep = { messages: [], dead: [], reasons: [] };
    let packets = 0;
    while (this.at < this.incoming.length && packets < this.stepMaxPackets) {
      const m = this.incoming[this.at++];
      if (yielding) await new Promise<void>((resolve) => setImmediate(resolve));
      try {
        const batch = await this.serde.decodeDetectorBatch(m.value);
        step.messages.push({ offset: m.offset, batch });
        packets += batch.packets.length;
      } catch (err) {
        step.dead.push(m);
        step.reasons.push((err as Error).message);
      }
    }
    return step;
  }
}
