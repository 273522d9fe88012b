/**
 * Test fixture (test/unit/sensor/cap-collected.test.ts): creates Cap objects of one addon, lets
 * them go and makes V8 collect garbage, then prints, as JSON, how many async resources the
 * addon created and how many it destroyed (a Cap's destructor emits its resource's destroy
 * hook). An addon whose destructor cannot run inside garbage collection kills this process
 * with SIGSEGV instead.
 *
 *   node --expose-gc --import tsx test/support/cap-collected.ts <@netsentinel/pcap|cap>
 */
import { createHook } from 'node:async_hooks';
import { type CapAddonName, loadCap } from '../../services/sensor/live-capture.ts';

const COUNT = 2000;
/** The async resource type each addon gives its 'packet' callbacks. */
const RESOURCE_TYPE: Record<CapAddonName, string> = { '@netsentinel/pcap': 'netsentinel-pcap:packet', cap: 'cap:packet' };

const addon = process.argv[2] as CapAddonName;
const { Cap } = await loadCap([addon]);

const live = new Set<number>();
let created = 0;
let destroyed = 0;
createHook({
  init(id, type) {
    if (type !== RESOURCE_TYPE[addon]) return;
    live.add(id);
    created++;
  },
  destroy(id) {
    if (live.delete(id)) destroyed++;
  },
}).enable();

for (let i = 0; i < COUNT; i++) new Cap();
// Young-generation collections from allocation, then full ones.
let garbage: Array<{ i: number; s: string }> = [];
for (let i = 0; i < 300_000; i++) garbage.push({ i, s: `x${i}` });
garbage = [];
for (let round = 0; round < 3; round++) {
  (globalThis as { gc?: () => void }).gc?.();
  // Destroy hooks run from an immediate after the collection.
  await new Promise((r) => setTimeout(r, 20));
}
console.log(JSON.stringify({ addon, created, destroyed }));
