// Entry of every worker thread that runs TypeScript (the detector worker, analyze's engine
// threads): threads do not inherit the parent's loader, so this plain module registers tsx and
// then imports the module named by workerData.entry (a file URL).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
