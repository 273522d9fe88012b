// Entry of the detector worker thread (services/cli/commands/detector.ts). Worker threads do
// not inherit the parent's TypeScript loader, so this plain module registers tsx first.
import { register } from 'tsx/esm/api';

register();
await import('./worker-thread.ts');
