/**
 * Live capture from an interface through libpcap, with an optional native addon loaded by a
 * dynamic import so that everything else works where it is not built: first the project's own
 * `@netsentinel/pcap` (native/pcap, cap 0.2.1's binding with pcap_stats, a promiscuous switch,
 * a snaplen, the wire length and the kernel timestamp of each packet), else the npm package
 * `cap` 0.2.1 (always promiscuous, 65535-byte snaplen, no counters, receive-time timestamps).
 * Packets are decoded in the 'packet' callback, batched per partition and published without
 * waiting: when maxInFlightBatches batches are unacknowledged the sensor drops packets and
 * counts them (a live capture cannot slow the network down). libpcap's own counters are read
 * every second into counters.packetsDroppedByCapture, so heartbeats and metrics report them.
 */
import type { Bus } from '../common/bus/port.ts';
import type { Config } from '../common/config/schema.ts';
import { CaptureUnavailableError, ConfigError, errorLine } from '../common/errors.ts';
import type { Logger } from '../common/observability/logger.ts';
import type { Serde } from '../common/serde/port.ts';
import { Batcher } from './batcher.ts';
import { decodeFrame } from './decode/frame.ts';
import { LinkType } from './decode/link.ts';
import { openSensorPublisher } from './publisher.ts';
import type { SensorCounters } from './sensor-counters.ts';
import type { SensorIdentity } from './sensor-identity.ts';

/** pcap_stats since the capture was opened. */
export interface CaptureStats {
  /** Packets that passed the filter (Linux), whether or not they were then dropped. */
  received: number;
  /** Dropped because the kernel buffer was full. */
  dropped: number;
  /** Dropped by the interface or its driver (Linux: the device's rx_dropped since open). */
  ifDropped: number;
}

export interface CapOpenOptions {
  promiscuous?: boolean;
  snaplen?: number;
}

/** The addon's 'packet' listener; `cap` passes the first two arguments only. */
type PacketListener = (nbytes: number, truncated: boolean, wireLength?: number, tsSeconds?: number, tsMicros?: number) => void;

export interface CapInstance {
  open(device: string, filter: string, bufSize: number, buffer: Buffer, options?: CapOpenOptions): string;
  close(): boolean;
  /** Only in @netsentinel/pcap. */
  stats?: () => CaptureStats;
  on(event: 'packet', listener: PacketListener): void;
}
export interface CapModule {
  Cap: { new (): CapInstance; deviceList(): Array<{ name: string; description?: string; addresses: Array<{ addr: string }> }> };
}

export type CapAddonName = '@netsentinel/pcap' | 'cap';

export interface LoadedCap extends CapModule {
  /** Which addon was loaded; 'cap' cannot set promiscuous mode or snaplen nor report counters. */
  addon: CapAddonName;
}

const INSTALL_HINT =
  'live capture needs libpcap and a native addon built against it: on Debian/Ubuntu `apt-get install -y libpcap-dev build-essential python3`, then `npm install` ' +
  '(it builds the optional package @netsentinel/pcap from native/pcap; package.json allows its build script under "allowScripts"); ' +
  'on Windows install Npcap (https://npcap.com) with the WinPcap API and the Npcap SDK (NPCAP_SDK), then npm install';

const ADDONS: readonly CapAddonName[] = ['@netsentinel/pcap', 'cap'];

/**
 * cap 0.2.1's destructor calls node::EmitAsyncDestroy(isolate) while V8 collects the object,
 * where no Environment is current, and the process dies with SIGSEGV (nodejs/nan#772;
 * @netsentinel/pcap takes the Environment beforehand). So its instances are never let go:
 * one per capture started, which a process does once.
 */
const keptCapInstances: CapInstance[] = [];

function keptAlive(Cap: CapModule['Cap']): CapModule['Cap'] {
  function KeptCap(): CapInstance {
    const cap = new Cap();
    keptCapInstances.push(cap);
    return cap;
  }
  KeptCap.deviceList = () => Cap.deviceList();
  return KeptCap as unknown as CapModule['Cap'];
}

/** Loads @netsentinel/pcap, or cap when that one did not build; throws CaptureUnavailableError with install steps. */
export async function loadCap(addons: readonly CapAddonName[] = ADDONS): Promise<LoadedCap> {
  const failures: string[] = [];
  for (const addon of addons) {
    try {
      // Specifiers held in a variable: the addons are optional and have no type declarations.
      const mod = (await import(addon)) as CapModule & { default?: CapModule };
      const cap = mod.default ?? mod;
      if (typeof cap.Cap !== 'function') throw new Error('the module has no Cap class');
      return { Cap: addon === 'cap' ? keptAlive(cap.Cap) : cap.Cap, addon };
    } catch (err) {
      failures.push(`${addon}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  throw new CaptureUnavailableError(`${INSTALL_HINT} (${failures.join('; ')})`);
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
  LINKTYPE_LINUX_SLL2: LinkType.LINUX_SLL2,
  RAW: LinkType.RAW,
};

/** cap 0.2.1's fixed snaplen, and the size of the copy buffer it is given. */
const CAP_SNAPLEN = 65535;
const STATS_INTERVAL_MS = 1000;

export interface LiveCaptureOptions {
  iface: string;
  filter: string;
  snaplen: number;
  bufferSizeMb: number;
  /** Default: config.sensor.promiscuous. */
  promiscuous?: boolean;
  config: Readonly<Config>;
  bus: Bus;
  serde: Serde;
  logger: Logger;
  identity: SensorIdentity;
  counters: SensorCounters;
  signal: AbortSignal;
}

export interface LiveCaptureResult {
  addon: CapAddonName;
  /** libpcap's link type name, e.g. ETHERNET. */
  linkType: string;
  promiscuous: boolean;
  snaplen: number;
  /** libpcap's counters read last, just before the capture closed; null with the cap addon. */
  stats: CaptureStats | null;
}

/** How @netsentinel/pcap's open() begins its error when the filter expression does not compile. */
const BAD_FILTER = 'filter: ';

/** Captures until the signal aborts; then flushes what is batched and waits for Kafka. */
export async function runLiveCapture(o: LiveCaptureOptions): Promise<LiveCaptureResult> {
  const { Cap, addon } = await loadCap();
  const { config, counters } = o;
  const promiscuous = o.promiscuous ?? config.sensor.promiscuous;
  const vendored = addon === '@netsentinel/pcap';
  if (!vendored) {
    o.logger.warn(
      { addon, promiscuous, snaplen: o.snaplen },
      'live capture through the cap package: always promiscuous, 65535-byte kernel snaplen, no libpcap drop counters, receive-time timestamps (build @netsentinel/pcap for these)',
    );
  }
  const publisher = await openSensorPublisher({ config, bus: o.bus, serde: o.serde, identity: o.identity, counters, logger: o.logger });
  const batcher = new Batcher({
    partitions: config.kafka.partitions,
    maxPackets: config.sensor.batchMaxPackets,
    maxBytes: config.sensor.batchMaxBytes,
    maxDelayMs: config.sensor.batchMaxDelayMs,
    emit: (partition, key, body) => {
      if (body.count === 0) publisher.sendIdle(partition, key, publisher.frame(body));
      else publisher.send(partition, key, publisher.frame(body), body.count - body.victimCopies);
    },
  });
  const cap = new Cap();
  // With @netsentinel/pcap libpcap itself cuts packets at the snaplen, so the copy buffer never
  // needs more; cap copies up to 65535 bytes and the snaplen is applied when decoding.
  const buffer = Buffer.alloc(vendored ? o.snaplen : CAP_SNAPLEN);
  let linkName: string;
  try {
    linkName = vendored
      ? cap.open(o.iface, o.filter, o.bufferSizeMb * 1024 * 1024, buffer, { promiscuous, snaplen: o.snaplen })
      : cap.open(o.iface, o.filter, o.bufferSizeMb * 1024 * 1024, buffer);
  } catch (err) {
    const message = (err as Error).message;
    // @netsentinel/pcap says which failed: the filter expression is the user's, not the device.
    if (message.startsWith(BAD_FILTER)) throw new ConfigError(`sensor.filter (--filter) "${o.filter}": ${message.slice(BAD_FILTER.length)}`, { cause: err });
    throw new CaptureUnavailableError(
      `cannot capture on interface "${o.iface}": ${message} (list interfaces with \`netsentinel sensor --list-interfaces\`; capturing needs root or CAP_NET_RAW)`,
      { cause: err },
    );
  }
  const linkType = CAP_LINK_TYPES[linkName];
  if (linkType === undefined) {
    cap.close();
    throw new CaptureUnavailableError(
      `interface "${o.iface}" has link type ${linkName}, which the sensor does not decode (expected Ethernet, Linux SLL/SLL2, raw IP or BSD null)`,
    );
  }
  o.logger.info({ iface: o.iface, linkType: linkName, filter: o.filter, addon, promiscuous, snaplen: o.snaplen }, 'live capture started');
  const snaplen = o.snaplen;
  cap.on('packet', (nbytes, _truncated, wireLength, tsSeconds, tsMicros) => {
    const length = wireLength ?? nbytes;
    counters.packetsSeen++;
    counters.bytesSeen += length;
    if (publisher.saturated) {
      counters.packetsDropped++;
      return;
    }
    const capLength = nbytes < snaplen ? nbytes : snaplen;
    const ts = tsSeconds === undefined ? Date.now() * 1000 : tsSeconds * 1_000_000 + (tsMicros ?? 0);
    batcher.add(decodeFrame(linkType, buffer, 0, capLength, length, ts, 0));
  });

  let stats: CaptureStats | null = null;
  const readStats = (): void => {
    if (!cap.stats) return;
    try {
      stats = cap.stats();
      counters.packetsDroppedByCapture = stats.dropped;
    } catch (err) {
      o.logger.warn({ err: errorLine(err) }, 'libpcap counters not read');
    }
  };
  const idleMs = config.sensor.idleBatchSeconds * 1000;
  const flushTimer = setInterval(
    () => {
      batcher.flushExpired();
      if (idleMs > 0) batcher.emitIdle(idleMs);
    },
    Math.max(1, Math.floor(config.sensor.batchMaxDelayMs / 2)),
  );
  const statsTimer = setInterval(readStats, STATS_INTERVAL_MS);
  try {
    await new Promise<void>((resolve) => {
      if (o.signal.aborted) resolve();
      else o.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    clearInterval(flushTimer);
    clearInterval(statsTimer);
    readStats();
    cap.close();
    batcher.flushAll();
    await publisher.drain();
    o.logger.info(
      { seen: counters.packetsSeen, published: counters.packetsPublished, dropped: counters.packetsDropped, libpcap: stats },
      'live capture stopped',
    );
  }
  return { addon, linkType: linkName, promiscuous: vendored ? promiscuous : true, snaplen: vendored ? o.snaplen : Math.min(o.snaplen, CAP_SNAPLEN), stats };
}

/** One line for the end of a capture: what the sensor did and what libpcap counted. */
export function captureSummary(iface: string, counters: SensorCounters, result: LiveCaptureResult, sensorId: string): string {
  const libpcap = result.stats
    ? `libpcap ${result.stats.received} received, ${result.stats.dropped} dropped by the kernel, ${result.stats.ifDropped} by the interface`
    : 'libpcap counters unavailable (cap addon)';
  return (
    `captured ${counters.packetsSeen} packets on ${iface} (${result.promiscuous ? 'promiscuous' : 'not promiscuous'}, snaplen ${result.snaplen}); ` +
    `${counters.packetsPublished} published, ${counters.packetsDropped} dropped by the sensor; ${libpcap}; sensor ${sensorId}`
  );
}
