/**
 * Prometheus view of a sensor's counters. The counters stay plain numbers on the packet path;
 * the metrics read them only when scraped.
 */
import { metricsRegistry } from '../common/observability/metrics.ts';
import client from 'prom-client';
import type { SensorCounters } from './sensor-counters.ts';

export function exposeSensorCounters(counters: SensorCounters, sensorId: string): void {
  const read = (name: string, help: string, value: () => number) => {
    metricsRegistry.removeSingleMetric(name);
    new client.Counter({
      name,
      help,
      labelNames: ['sensor'],
      registers: [metricsRegistry],
      collect() {
        this.reset();
        this.inc({ sensor: sensorId }, value());
      },
    });
  };
  read('netsentinel_sensor_packets_seen_total', 'Packets read from the interface or capture files.', () => counters.packetsSeen);
  read('netsentinel_sensor_packets_published_total', 'Packets acknowledged by Kafka.', () => counters.packetsPublished);
  read('netsentinel_sensor_packets_dropped_total', 'Packets dropped by the sensor under backpressure (live capture).', () => counters.packetsDropped);
  read('netsentinel_sensor_capture_dropped_total', 'Packets dropped by libpcap or the kernel, as last reported.', () => counters.packetsDroppedByCapture);
  read('netsentinel_sensor_bytes_seen_total', 'Wire bytes of the packets seen.', () => counters.bytesSeen);
}
