import type { Command } from 'commander';
import { registerInit } from './init.ts';
import { registerDecode } from './decode.ts';
import { registerReplay } from './replay.ts';
import { registerSensor } from './sensor.ts';
import { registerGateway } from './gateway.ts';
import { registerReport } from './report.ts';
import { registerCerts } from './certs.ts';
import { registerDetector } from './detector.ts';
import { registerAnalyze } from './analyze.ts';

/** Every command registers itself on the program; the order is the order of `--help`. */
export type RegisterCommand = (program: Command) => void;

export const COMMANDS: RegisterCommand[] = [registerDecode, registerReplay, registerSensor, registerInit, registerGateway, registerReport, registerCerts, registerDetector, registerAnalyze];
