/** What a sensor counts since start; heartbeats and the replay summary report it. */
export interface SensorCounters {
  packetsSeen: number;
  packetsPublished: number;
  /** Dropped by the sensor under backpressure (live only). */
  packetsDropped: number;
  /** Dropped by libpcap / the kernel (live only), as last reported. */
  packetsDroppedByCapture: number;
  bytesSeen: number;
}

export function newCounters(): SensorCounters {
  return { packetsSeen: 0, packetsPublished: 0, packetsDropped: 0, packetsDroppedByCapture: 0, bytesSeen: 0 };
}
