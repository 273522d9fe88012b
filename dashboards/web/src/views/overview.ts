/** Overview: threat gauge, severity counters, 60-minute timeline, top categories, recent CRITICAL/HIGH. */
import { SEVERITY_COLOURS, THREAT_COLOURS, timelineChart } from '../charts.ts';
import { clear, h, hhmmss, label, num } from '../dom.ts';
import type { Stats, StoredAlert } from '../types.ts';

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag: string, attrs: Record<string, string | number>): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

export interface OverviewView {
  root: HTMLElement;
  renderStats(stats: Stats): void;
  renderSevere(items: StoredAlert[]): void;
}

export function overviewView(onOpen: (id: string) => void): OverviewView {
  // Semicircle gauge: the arc length is the fill.
  const arcPath = 'M 20 110 A 90 90 0 0 1 200 110';
  const track = svg('path', { d: arcPath, class: 'gauge-track' });
  const fill = svg('path', { d: arcPath, class: 'gauge-fill', pathLength: 100, 'stroke-dasharray': '0 100' });
  const gaugeSvg = svg('svg', { viewBox: '0 0 220 125', class: 'gauge-svg', role: 'img', 'aria-label': 'threat level' });
  gaugeSvg.append(track, fill);
  const level = h('div', { class: 'gauge-level', 'data-testid': 'threat-level' }, 'NORMAL');
  const window = h('div', { class: 'gauge-window' }, '');
  const counters = Object.fromEntries(
    (['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const).map((s) => [s, h('div', { class: 'counter-value', 'data-testid': `count-${s}` }, '0')]),
  ) as unknown as Record<'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW', HTMLElement>;
  const per5 = h('span', { class: 'panel-note', 'data-testid': 'per5' }, '0/5min');
  const canvas = h('canvas', { 'aria-label': 'alerts per minute, last 60 minutes' });
  const categories = h('div', { class: 'bars' });
  const severe = h('ol', { class: 'severe-list', 'data-testid': 'severe-list' });

  const root = h(
    'section',
    { class: 'view overview', 'data-view': 'overview' },
    h('div', { class: 'panel gauge' }, h('h2', {}, 'THREAT LEVEL'), gaugeSvg, level, window),
    h(
      'div',
      { class: 'panel counters' },
      ...(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const).map((s) => h('div', { class: `counter sev-${s}` }, h('div', { class: 'counter-label' }, s === 'CRITICAL' ? 'CRIT' : s === 'MEDIUM' ? 'MED' : s), counters[s])),
    ),
    h('div', { class: 'panel timeline' }, h('h2', {}, 'ALERT TIMELINE — 60 MIN ', per5), h('div', { class: 'chart-box' }, canvas)),
    h('div', { class: 'panel categories' }, h('h2', {}, 'TOP CATEGORIES'), categories),
    h('aside', { class: 'panel severe' }, h('h2', {}, 'CRITICAL / HIGH'), severe),
  );
  const chart = timelineChart(canvas);

  return {
    root,
    renderStats(stats) {
      const colour = THREAT_COLOURS[stats.threat.level];
      fill.setAttribute('stroke-dasharray', `${stats.threat.score} 100`);
      fill.setAttribute('stroke', colour);
      level.textContent = stats.threat.level;
      level.style.color = colour;
      const c = stats.threat.counts;
      window.textContent = `last ${stats.threat.windowMinutes} min: ${c.CRITICAL} critical · ${c.HIGH} high · ${c.MEDIUM} medium`;
      for (const s of ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const) counters[s].textContent = num(stats.bySeverity[s]);
      per5.textContent = `${num(stats.last5Minutes)}/5min`;
      chart.data.datasets[0].data = stats.timeline;
      chart.update();
      clear(categories);
      const max = Math.max(1, ...stats.topCategories.map((c) => c.count));
      for (const { category, count } of stats.topCategories) {
        const bar = h('div', { class: 'bar-fill' });
        bar.style.width = `${(100 * count) / max}%`;
        categories.append(h('div', { class: 'bar-row' }, h('span', { class: 'bar-label' }, label(category)), h('div', { class: 'bar-track' }, bar), h('span', { class: 'bar-value' }, num(count))));
      }
      if (stats.topCategories.length === 0) categories.append(h('p', { class: 'empty' }, 'No alerts yet.'));
    },
    renderSevere(items) {
      clear(severe);
      for (const s of items) {
        const a = s.alert;
        const item = h(
          'li',
          { class: `severe-item sev-${a.severity}`, tabindex: 0, onclick: () => onOpen(a.id) },
          h('div', { class: 'severe-head' }, h('span', { class: 'sev-text' }, a.severity), ' · ', label(a.category)),
          h('div', { class: 'severe-title' }, a.title),
          h('div', { class: 'severe-meta' }, `${hhmmss(a.lastSeen)} · ${a.sensorHost || a.sensorId}`),
        );
        item.style.borderLeftColor = SEVERITY_COLOURS[a.severity];
        severe.append(item);
      }
      if (items.length === 0) severe.append(h('li', { class: 'empty' }, 'Nothing critical or high.'));
    },
  };
}
