import type { Command } from 'commander';
import { registerAnalyze } from './analyze.ts';
import { registerCerts } from './certs.ts';
import { registerDecode } from './decode.ts';
import { registerDetector } from './detector.ts';
import { registerGateway } from './gateway.ts';
import { registerInit } from './init.ts';
import { registerReplay } from './replay.ts';
import { registerReport } from './report.ts';
import { registerSensor } from './sensor.ts';
import { registerStart } from './start.ts';

/** Every command registers itself on the program; the order is the order of `--help`. */
export type RegisterCommand = (program: Command) => void;

// In the order of the data flow: all-in-one, packets in, detection, people out, set-up.
export const COMMANDS: RegisterCommand[] = [
  registerStart,
  registerSensor,
  registerReplay,
  registerDecode,
  registerAnalyze,
  registerDetector,
  registerGateway,
  registerReport,
  registerCerts,
  registerInit,
];
