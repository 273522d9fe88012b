/**
 * Live capture from an interface through libpcap, with the optional native addon `cap`
 * (loaded with a dynamic import so that everything else works where it is not built).
 * Packets are decoded in the 'packet' callback, batched per partition and published without
 * waiting: when maxInFlightBatches batches are unacknowledged the sensor drops packets and
 * counts them (a live capture cannot slow the network down).
 *
 * Limits of `cap` 0.2: it always opens the interface in promiscuous mode with a 65535-byte
 * snaplen (a smaller --snaplen is applied when decoding), it gives no per-packet timestamp
 * (the receive time is used) and it does not expose pcap_stats, so the kernel's own drop
 * counters are not reported; the sensor's drops are.
 */
import type { Bus } from '../common/bus/port.ts';
import type { Config } from '../common/config/schema.ts';
import { CaptureUnavailableError, errorLine } from '../common/errors.ts';
import type { Logger } from '../common/observability/logger.ts';
import type { Serde } from '../common/serde/port.ts';
import { topicNames, topicSpecs } from '../common/topics.ts';
import { Batcher } from './batcher.ts';
import { decodeFrame } from './decode/frame.ts';
import { LinkType } from './decode/link.ts';
import { Publisher } from './publisher.ts';
import type { SensorCounters } from './sensor-counters.ts';
import type { SensorIdentity } from './sensor-identity.ts';

interface CapInstance {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  close(): void;
  on(event: 'packet', listener: (nbytes: number, truncated: boolean) => void): void;
}
interface CapModule {
  Cap: { new (): CapInstance; deviceList(): Array<{ name: string; description?: string; addresses: Array<{ addr: string }> }> };
}

const INSTALL_HINT =
  'live capture needs libpcap and the optional npm package "cap": on Debian/Ubuntu `apt-get install -y libpcap-dev build-essential python3` then `npm install cap --save-optional` ' +
  '(npm 11 must allow its build script: "allowScripts": {"cap": true} in package.json); on Windows install Npcap (https://npcap.com) with the WinPcap API, then npm install cap';

export async function loadCap(): Promise<CapModule> {
  try {
    // A variable specifier: the addon is optional and has no type declarations.
    const specifier = 'cap';
    const mod = (await import(specifier)) as CapModule & { default?: CapModule };
    const cap = mod.default ?? mod;
    if (typeof cap.Cap !== 'function') throw new Error('the module has no Cap class');
    return cap;
  } catch (err) {
    throw new CaptureUnavailableError(`${INSTALL_HINT} (${(err as Error).message.split('\n')[0]})`, { cause: err });
  }
}

export interface InterfaceInfo {
  name: string;
  description: string;
  addresses: string[];
}

export async function listInterfaces(): Promise<InterfaceInfo[]> {
  const { Cap } = await loadCap();
  return Cap.deviceList().map((d) => ({ name: d.name, description: d.description ?? '', addresses: d.addresses.map((a) => a.addr) }));
}

const CAP_LINK_TYPES: Record<string, number> = {
  ETHERNET: LinkType.ETHERNET,
  NULL: LinkType.NULL,
  LINKTYPE_LINUX_SLL: LinkType.LINUX_SLL,
  RAW: LinkType.RAW,
};

export interface LiveCaptureOptions {
  iface: string;
  filter: string;
  snaplen: number;
  bufferSizeMb: number;
  config: Readonly<Config>;
  bus: Bus;
  serde: Serde;
  logger: Logger;
  identity: SensorIdentity;
  counters: SensorCounters;
  signal: AbortSignal;
}

/** Captures until the signal aborts; then flushes what is batched and waits for Kafka. */
export async function runLiveCapture(o: LiveCaptureOptions): Promise<void> {
  const { Cap } = await loadCap();
  const { config, counters } = o;
  await o.bus.ensureTopics(topicSpecs(config));
  const publisher = new Publisher({
    bus: o.bus,
    serde: o.serde,
    topic: topicNames(config).packets,
    sensorId: o.identity.id,
    sensorHost: o.identity.hostname,
    maxInFlight: config.sensor.maxInFlightBatches,
    counters,
    onError: (err) => o.logger.error({ err: errorLine(err) }, 'publishing a packet batch failed'),
  });
  const batcher = new Batcher({
    partitions: config.kafka.partitions,
    maxPackets: config.sensor.batchMaxPackets,
    maxBytes: config.sensor.batchMaxBytes,
    maxDelayMs: config.sensor.batchMaxDelayMs,
    emit: (partition, key, body) => publisher.send(partition, key, publisher.frame(body), body.count),
  });
  const cap = new Cap();
  const buffer = Buffer.alloc(65535);
  let linkName: string;
  try {
    linkName = cap.open(o.iface, o.filter, o.bufferSizeMb * 1024 * 1024, buffer);
  } catch (err) {
    throw new CaptureUnavailableError(
      `cannot capture on interface "${o.iface}": ${(err as Error).message} (list interfaces with \`netsentinel sensor --list-interfaces\`; capturing needs root or CAP_NET_RAW)`,
      { cause: err },
    );
  }
  const linkType = CAP_LINK_TYPES[linkName];
  if (linkType === undefined) {
    cap.close();
    throw new CaptureUnavailableError(`interface "${o.iface}" has link type ${linkName}, which the sensor does not decode (expected Ethernet, Linux SLL, raw IP or BSD null)`);
  }
  o.logger.info({ iface: o.iface, linkType: linkName, filter: o.filter }, 'live capture started');
  cap.on('packet', (nbytes) => {
    counters.packetsSeen++;
    counters.bytesSeen += nbytes;
    if (publisher.saturated) {
      counters.packetsDropped++;
      return;
    }
    const capLength = nbytes < o.snaplen ? nbytes : o.snaplen;
    batcher.add(decodeFrame(linkType, buffer, 0, Math.min(capLength, buffer.length), nbytes, Date.now() * 1000, 0));
  });
  const timer = setInterval(() => batcher.flushExpired(), Math.max(1, Math.floor(config.sensor.batchMaxDelayMs / 2)));
  try {
    await new Promise<void>((resolve) => {
      if (o.signal.aborted) resolve();
      else o.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    clearInterval(timer);
    cap.close();
    batcher.flushAll();
    await publisher.drain();
    o.logger.info({ seen: counters.packetsSeen, published: counters.packetsPublished, dropped: counters.packetsDropped }, 'live capture stopped');
  }
}
