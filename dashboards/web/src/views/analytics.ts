/** Analytics: severity donut, top 10 sources, 60-minute rate, full category breakdown. */
import { donutChart, rateChart, SEVERITY_COLOURS } from '../charts.ts';
import { clear, h, label, num } from '../dom.ts';
import type { Stats } from '../types.ts';

export interface AnalyticsView {
  root: HTMLElement;
  render(stats: Stats): void;
}

export function analyticsView(onAddress: (address: string) => void): AnalyticsView {
  const donutCanvas = h('canvas', { 'aria-label': 'alerts by severity' });
  const donutTotal = h('div', { class: 'donut-total' }, '0');
  const legend = h('ul', { class: 'legend' });
  const sources = h('tbody', {});
  const rateCanvas = h('canvas', { 'aria-label': 'alert rate, last 60 minutes' });
  const categories = h('div', { class: 'bars' });
  const root = h(
    'section',
    { class: 'view analytics', 'data-view': 'analytics' },
    h('div', { class: 'panel donut' }, h('h2', {}, 'SEVERITY DISTRIBUTION'), h('div', { class: 'donut-wrap' }, h('div', { class: 'chart-box donut-box' }, donutCanvas, donutTotal), legend)),
    h('div', { class: 'panel sources' }, h('h2', {}, 'TOP THREAT SOURCES'), h('table', { class: 'table' }, h('thead', {}, h('tr', {}, h('th', {}, '#'), h('th', {}, 'SOURCE'), h('th', {}, 'ALERTS'))), sources)),
    h('div', { class: 'panel rate' }, h('h2', {}, 'ALERT RATE — 60 MIN'), h('div', { class: 'chart-box' }, rateCanvas)),
    h('div', { class: 'panel breakdown' }, h('h2', {}, 'FULL CATEGORY BREAKDOWN'), categories),
  );
  const donut = donutChart(donutCanvas);
  const rate = rateChart(rateCanvas);

  return {
    root,
    render(stats) {
      const order = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const;
      donut.data.datasets[0].data = order.map((s) => stats.bySeverity[s]);
      donut.update();
      donutTotal.textContent = num(stats.total);
      clear(legend);
      for (const s of order) {
        const swatch = h('span', { class: 'swatch' });
        swatch.style.background = SEVERITY_COLOURS[s];
        legend.append(h('li', {}, swatch, h('span', {}, s), h('span', { class: 'legend-n' }, num(stats.bySeverity[s]))));
      }
      clear(sources);
      stats.topSources.forEach((s, i) =>
        sources.append(h('tr', {}, h('td', {}, String(i + 1)), h('td', {}, h('button', { type: 'button', class: 'addr', onclick: () => onAddress(s.src) }, s.src)), h('td', {}, num(s.count)))),
      );
      if (stats.topSources.length === 0) sources.append(h('tr', {}, h('td', { colspan: 3, class: 'empty' }, 'No sources yet.')));
      rate.data.datasets[0].data = stats.timeline;
      rate.update();
      clear(categories);
      const entries = Object.entries(stats.byCategory);
      const max = Math.max(1, ...entries.map(([, n]) => n));
      for (const [category, count] of entries) {
        const bar = h('div', { class: 'bar-fill' });
        bar.style.width = `${(100 * count) / max}%`;
        categories.append(h('div', { class: 'bar-row' }, h('span', { class: 'bar-label' }, label(category)), h('div', { class: 'bar-track' }, bar), h('span', { class: 'bar-value' }, num(count))));
      }
      if (entries.length === 0) categories.append(h('p', { class: 'empty' }, 'No alerts yet.'));
    },
  };
}
