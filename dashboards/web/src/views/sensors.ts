/** Sensors: one card per sensor, online/offline, last seen (ticking), counters. */
import { ago, bytes, clear, h, num } from '../dom.ts';
import type { SensorList } from '../types.ts';

export interface SensorsView {
  root: HTMLElement;
  render(list: SensorList): void;
  tick(): void;
}

export function sensorsView(): SensorsView {
  const header = h('h2', { 'data-testid': 'sensors-header' }, 'SENSORS');
  const grid = h('div', { class: 'sensor-grid' });
  const root = h('section', { class: 'view sensors', 'data-view': 'sensors' }, header, grid);
  const lastSeenEls: Array<[HTMLElement, number]> = [];

  return {
    root,
    render(list) {
      header.textContent = `SENSORS — ${list.online} ONLINE / ${list.total} TOTAL`;
      clear(grid);
      lastSeenEls.length = 0;
      for (const s of list.sensors) {
        const seen = h('span', {}, ago(s.lastSeen));
        lastSeenEls.push([seen, s.lastSeen]);
        const row = (k: string, v: Node | string) => h('div', { class: 'kv' }, h('span', { class: 'k' }, k), h('span', { class: 'v' }, v));
        grid.append(
          h(
            'article',
            { class: `sensor-card ${s.online ? 'online' : 'offline'}`, 'data-testid': 'sensor-card', 'data-sensor': s.sensorId },
            h('header', {}, h('span', { class: `dot ${s.online ? 'on' : 'off'}`, 'aria-hidden': 'true' }), h('span', { class: 'sensor-name' }, s.hostname || s.sensorId)),
            h(
              'div',
              { class: 'sensor-body' },
              h(
                'div',
                { class: 'sensor-facts' },
                row('STATUS', s.online ? `ONLINE · ${s.status}` : 'OFFLINE'),
                row('SENSOR ID', s.sensorId),
                row('ADDRESSES', s.addresses.join(', ') || '—'),
                row('INPUT', `${s.mode} ${s.input}`),
                row('LAST SEEN', seen),
                row('SINCE', new Date(s.firstSeen).toLocaleString([], { hour12: false })),
                row('VERSION', `${s.version}${s.os ? ` · ${s.os}` : ''}`),
                row('PACKETS', `${num(s.packetsSeen)} seen · ${num(s.packetsPublished)} published`),
                row('DROPPED', num(s.packetsDropped)),
                row('BYTES', bytes(s.bytesSeen)),
              ),
              h('div', { class: 'sensor-alerts' }, h('div', { class: 'big' }, num(s.alertCount)), h('div', { class: 'k' }, 'ALERTS')),
            ),
          ),
        );
      }
      if (list.sensors.length === 0) grid.append(h('p', { class: 'empty' }, 'NO SENSORS REPORTING — start one with: netsentinel sensor --iface <if>, or netsentinel replay <capture>'));
    },
    tick() {
      const now = Date.now();
      for (const [el, at] of lastSeenEls) el.textContent = ago(at, now);
    },
  };
}
