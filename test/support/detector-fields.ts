/**
 * A DetectorPacket, or a Packet, as a plain object of DetectorPacket's fields in
 * DETECTOR_PACKET_FIELDS order. Tests compare packets through it: a PackedPacket's small fields
 * are getters on its class, which toEqual does not read.
 */
import { DETECTOR_PACKET_FIELDS, type DetectorBatch, type DetectorPacket, type PacketBatch } from '../../services/common/model.ts';
import { PackedPackets } from '../../services/common/packed-packet.ts';

export const detectorFields = (p: DetectorPacket): DetectorPacket => Object.fromEntries(DETECTOR_PACKET_FIELDS.map((f) => [f, p[f]])) as DetectorPacket;

/** A batch's packets as objects (DetectorBatch.packets, packed or not). */
export const packetArray = (list: DetectorPacket[] | PackedPackets): DetectorPacket[] => (list instanceof PackedPackets ? list.toArray() : list);

/** The batch with each packet as detectorFields gives it. */
export const detectorBatchFields = (batch: PacketBatch | DetectorBatch): DetectorBatch => ({ ...batch, packets: packetArray(batch.packets).map(detectorFields) });
