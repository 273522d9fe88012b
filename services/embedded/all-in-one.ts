/**
 * The embedded all-in-one: sensor, detector worker and gateway in one process, on the
 * in-memory adapters (MemoryBus, MemoryStore, MemoryAlertStore, single-object Avro). The
 * services are the very same classes the distributed deployment runs; only the adapters differ.
 */
import { MemoryBus } from '../common/bus/memory-bus.ts';
import type { Config } from '../common/config/schema.ts';
import { errorLine } from '../common/errors.ts';
import type { Logger } from '../common/observability/logger.ts';
import { SingleObjectSerde } from '../common/serde/single-object-serde.ts';
import { MemoryStore } from '../common/state/memory-store.ts';
import { topicNames } from '../common/topics.ts';
import { startIntelLookups } from '../detector/intel/lookup-loop.ts';
import { DetectorWorker } from '../detector/worker.ts';
import { startGateway, type RunningGateway } from '../gateway/run.ts';
import { MemoryAlertStore } from '../gateway/store/memory-alert-store.ts';
import { storeLimits } from '../gateway/run.ts';
import { HeartbeatEmitter } from '../sensor/heartbeat.ts';
import { runLiveCapture } from '../sensor/live-capture.ts';
import type { CaptureFilter } from '../sensor/capture-filter.ts';
import { replayCaptures } from '../sensor/replay.ts';
import { newCounters } from '../sensor/sensor-counters.ts';
import { loadSensorIdentity } from '../sensor/sensor-identity.ts';
import { exposeSensorCounters } from '../sensor/sensor-metrics.ts';

/** Where the packets come from; a replay's filter keeps only the packets a libpcap expression keeps (a live capture's is sensor.filter). */
export type PacketInput = { kind: 'replay'; files: string[]; speed: number; filter?: CaptureFilter } | { kind: 'live'; iface: string };

export interface AllInOne {
  gateway: RunningGateway;
  /** Settles when the packet input ends (a live capture or replay stopped, or failed) or the detector gave up. */
  input: Promise<void>;
  stop(): Promise<void>;
}

export async function startAllInOne(config: Readonly<Config>, input: PacketInput, logger: Logger): Promise<AllInOne> {
  const bus = new MemoryBus({ partitions: config.kafka.partitions });
  const serde = new SingleObjectSerde();
  await serde.init();
  const state = new MemoryStore();
  const topics = topicNames(config);

  const gateway = await startGateway(config, logger.child({ service: 'gateway' }), {
    bus,
    serde,
    store: new MemoryAlertStore(storeLimits(config.gateway)),
  });
  // A worker that gave up (its consumer kept failing) ends the all-in-one through `input`,
  // which the start command turns into a message and a non-zero exit.
  let workerFailed: (error: Error) => void = () => undefined;
  const workerFailure = new Promise<never>((_, reject) => (workerFailed = reject));
  const worker = new DetectorWorker({ config, bus, serde, store: state, logger: logger.child({ service: 'detector' }), onFatal: (error) => workerFailed(error) });
  await worker.start();
  const intel = startIntelLookups(config, state, logger.child({ service: 'intel' }));

  const sensorLogger = logger.child({ service: 'sensor' });
  const identity = loadSensorIdentity(config.sensor);
  const counters = newCounters();
  exposeSensorCounters(counters, identity.id);
  const heartbeat = new HeartbeatEmitter({
    bus,
    serde,
    topic: topics.heartbeats,
    identity,
    mode: input.kind,
    input: input.kind === 'live' ? input.iface : input.files.join(','),
    intervalMs: config.sensor.heartbeatIntervalMs,
    counters,
    onError: (err) => sensorLogger.warn({ err: errorLine(err) }, 'heartbeat not sent'),
  });
  heartbeat.start();

  const abort = new AbortController();
  const inputDone = Promise.race([runInput(input, { config, bus, serde, logger: sensorLogger, identity, counters, signal: abort.signal }), workerFailure]);

  let stopped = false;
  return {
    gateway,
    input: inputDone,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      abort.abort();
      await inputDone.catch(() => undefined);
      await heartbeat.stop();
      await worker.stop();
      intel.stop();
      await gateway.close();
      await bus.close();
      await state.close();
    },
  };
}

type InputContext = Omit<Parameters<typeof runLiveCapture>[0], 'iface' | 'filter' | 'snaplen' | 'bufferSizeMb'>;

async function runInput(input: PacketInput, context: InputContext): Promise<void> {
  if (input.kind === 'live') {
    const { sensor } = context.config;
    await runLiveCapture({ ...context, iface: input.iface, filter: sensor.filter, snaplen: sensor.snaplen, bufferSizeMb: sensor.bufferSizeMb });
    return;
  }
  // One looping replay per capture, side by side, each on a time line rebased to now: the
  // demo then looks like concurrent live traffic, and every attack shows up within seconds
  // instead of after the long benign captures.
  await Promise.all(
    input.files.map((file) =>
      replayCaptures({
        ...context,
        files: [file],
        speed: input.speed,
        loop: true,
        rebaseTime: true,
        filter: input.filter,
        onFileError: (failed, err) => context.logger.error({ file: failed, err: errorLine(err) }, 'capture skipped'),
      }),
    ),
  );
}
