/** Chart.js, registered once with only the pieces the dashboard uses (smaller bundle). */
import { ArcElement, BarController, BarElement, CategoryScale, Chart, DoughnutController, Filler, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import type { Severity } from './types.ts';

Chart.register(ArcElement, BarController, BarElement, CategoryScale, DoughnutController, Filler, LinearScale, LineController, LineElement, PointElement, Tooltip);
Chart.defaults.color = '#9aa7b8';
Chart.defaults.borderColor = 'rgba(154,167,184,0.12)';
Chart.defaults.font.family = 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';
Chart.defaults.animation = false;

export const SEVERITY_COLOURS: Record<Severity, string> = { CRITICAL: '#ff2e63', HIGH: '#ff7a1a', MEDIUM: '#ffc21a', LOW: '#3fa7ff' };
export const THREAT_COLOURS: Record<string, string> = { NORMAL: '#36d399', ELEVATED: '#ffc21a', HIGH: '#ff7a1a', CRITICAL: '#ff2e63' };

/** Labels of the 60 one-minute buckets: -59m … now. */
export function minuteLabels(): string[] {
  return Array.from({ length: 60 }, (_, i) => (i === 59 ? 'now' : `-${59 - i}m`));
}

export function timelineChart(canvas: HTMLCanvasElement): Chart<'bar'> {
  return new Chart(canvas, {
    type: 'bar',
    data: { labels: minuteLabels(), datasets: [{ data: new Array(60).fill(0), backgroundColor: '#ffb000', borderRadius: 2, barPercentage: 0.9, categoryPercentage: 1 }] },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      plugins: { tooltip: { callbacks: { label: (ctx) => `${ctx.parsed.y} alerts` } } },
      scales: { x: { ticks: { maxTicksLimit: 7, maxRotation: 0 }, grid: { display: false } }, y: { beginAtZero: true, ticks: { precision: 0, maxTicksLimit: 4 } } },
    },
  });
}

export function rateChart(canvas: HTMLCanvasElement): Chart<'line'> {
  return new Chart(canvas, {
    type: 'line',
    data: { labels: minuteLabels(), datasets: [{ data: new Array(60).fill(0), borderColor: '#ffb000', backgroundColor: 'rgba(255,176,0,0.18)', fill: true, tension: 0.3, pointRadius: 0, borderWidth: 2 }] },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      scales: { x: { ticks: { maxTicksLimit: 5, maxRotation: 0 } }, y: { beginAtZero: true, ticks: { precision: 0, maxTicksLimit: 5 } } },
    },
  });
}

export function donutChart(canvas: HTMLCanvasElement): Chart<'doughnut'> {
  return new Chart(canvas, {
    type: 'doughnut',
    data: { labels: ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'], datasets: [{ data: [0, 0, 0, 0], backgroundColor: Object.values(SEVERITY_COLOURS), borderColor: '#0d1117', borderWidth: 2 }] },
    options: { responsive: true, maintainAspectRatio: false, cutout: '68%', plugins: { legend: { display: false } } },
  });
}

export { Chart };
