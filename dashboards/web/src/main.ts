/**
 * The dashboard shell: header (connection, sensors online, alert total, clock, user), tabs,
 * export, toasts; owns the state and feeds the four views from REST (initial load and
 * catch-up) and from the WebSocket (live events).
 */
import './style.css';
import { api, Unauthorized } from './api.ts';
import { $, clear, h, hhmmss, label, num } from './dom.ts';
import { LiveStream, type LiveStatus } from './live.ts';
import { matchesFilter } from './match.ts';
import { SEVERITIES, type FeedFilter, type SensorList, type Stats, type StoredAlert } from './types.ts';
import { analyticsView } from './views/analytics.ts';
import { feedView, type TriageAction } from './views/feed.ts';
import { loginView } from './views/login.ts';
import { overviewView } from './views/overview.ts';
import { sensorsView } from './views/sensors.ts';

type Tab = 'overview' | 'feed' | 'sensors' | 'analytics';
const TABS: Array<[Tab, string]> = [
  ['overview', '◈ OVERVIEW'],
  ['feed', '◉ LIVE FEED'],
  ['sensors', '◎ SENSORS'],
  ['analytics', '◆ ANALYTICS'],
];
/** Alerts the page holds at most (the feed shows 500 of them). */
const HELD_MAX = 2000;
const SEVERE_MAX = 50;

const app = $('#app');

async function boot(): Promise<void> {
  try {
    const me = await api.me();
    startDashboard(me.name);
  } catch (err) {
    if (err instanceof Unauthorized) showLogin();
    else {
      clear(app);
      app.append(h('p', { class: 'fatal' }, `Cannot reach the gateway: ${(err as Error).message}`));
      window.setTimeout(() => void boot(), 3000);
    }
  }
}

function showLogin(): void {
  clear(app);
  app.append(loginView(() => void boot()));
  (document.getElementById('login-user') as HTMLInputElement | null)?.focus();
}

function startDashboard(user: string): void {
  clear(app);
  let tab: Tab = (location.hash.slice(1) as Tab) || 'overview';
  if (!TABS.some(([t]) => t === tab)) tab = 'overview';
  let filter: FeedFilter = { severity: null, state: null, q: '', address: null };
  let feedItems: StoredAlert[] = [];
  let feedTotal = 0;
  let severe: StoredAlert[] = [];
  let stats: Stats | null = null;
  let unseen = 0;
  let feedQuery = 0;

  // header
  const conn = h('span', { id: 'conn', class: 'conn', 'data-status': 'connecting', title: '' }, '● CONNECTING');
  const sensorsOnline = h('span', { 'data-testid': 'hdr-sensors' }, '0');
  const alertTotal = h('span', { 'data-testid': 'hdr-alerts' }, '0');
  const clock = h('span', { class: 'clock' }, hhmmss(Date.now()));
  const badge = h('span', { class: 'badge-unseen', 'data-testid': 'unseen', hidden: true }, '0');
  const tabButtons = new Map<Tab, HTMLButtonElement>();
  const tabBar = h('nav', { class: 'tabs', role: 'tablist' });
  for (const [id, text] of TABS) {
    const button = h('button', { type: 'button', role: 'tab', class: 'tab', 'data-tab': id, onclick: () => selectTab(id) }, text, id === 'feed' ? badge : null);
    tabButtons.set(id, button);
    tabBar.append(button);
  }
  const exportFormat = h('select', { class: 'export-format', 'aria-label': 'export format' }, h('option', { value: 'json' }, 'JSON'), h('option', { value: 'csv' }, 'CSV'), h('option', { value: 'ndjson' }, 'NDJSON'));
  const exportButton = h(
    'button',
    {
      type: 'button',
      class: 'btn export',
      'data-testid': 'export',
      onclick: () => {
        const a = h('a', { href: `/api/export?format=${exportFormat.value}`, download: '' });
        document.body.append(a);
        a.click();
        a.remove();
      },
    },
    '⬇ EXPORT',
  );
  const reportLink = h('a', { class: 'btn', href: '/api/report?since=24h&download=true', download: '' }, 'REPORT');
  const logout = h('button', { type: 'button', class: 'btn ghost', onclick: () => void api.logout().finally(() => location.reload()) }, 'LOG OUT');
  const toasts = h('div', { class: 'toasts', 'aria-live': 'polite' });

  const overview = overviewView((id) => openAlert(id));
  const feed = feedView(
    {
      onFilter: (next) => setFilter(next),
      onAction: (id, action) => void triage(id, action),
      onBulk: (action) => void bulk(action),
      onAddress: (address) => showAddress(address),
    },
    () => filter,
  );
  const sensors = sensorsView();
  const analytics = analyticsView((address) => showAddress(address));
  const views: Record<Tab, HTMLElement> = { overview: overview.root, feed: feed.root, sensors: sensors.root, analytics: analytics.root };

  app.append(
    h(
      'header',
      { class: 'top' },
      h('div', { class: 'logo' }, '⬡ NETSENTINEL ', h('span', { class: 'logo-sub' }, 'COMMAND CENTER')),
      conn,
      h('span', { class: 'hdr-item' }, 'SENSORS ', sensorsOnline),
      h('span', { class: 'hdr-item' }, 'ALERTS ', alertTotal),
      h('span', { class: 'spacer' }),
      clock,
      h('span', { class: 'user', title: 'signed in' }, user),
      logout,
    ),
    h('div', { class: 'tabbar' }, tabBar, h('span', { class: 'spacer' }), exportFormat, exportButton, reportLink),
    h('main', { class: 'views' }, ...Object.values(views)),
    toasts,
  );

  function selectTab(next: Tab): void {
    tab = next;
    history.replaceState(null, '', `#${next}`);
    for (const [id, button] of tabButtons) {
      button.classList.toggle('active', id === next);
      button.setAttribute('aria-selected', String(id === next));
      views[id].hidden = id !== next;
    }
    if (next === 'feed') {
      unseen = 0;
      renderBadge();
    }
    // charts measure their box when shown
    window.dispatchEvent(new Event('resize'));
  }

  function renderBadge(): void {
    badge.hidden = unseen === 0;
    badge.textContent = unseen > 99 ? '99+' : String(unseen);
  }

  function setFilter(next: FeedFilter): void {
    filter = next;
    feed.setFilterControls(filter);
    void loadFeed();
  }

  function showAddress(address: string): void {
    setFilter({ severity: null, state: null, q: '', address });
    selectTab('feed');
  }

  function openAlert(id: string): void {
    const held = feedItems.find((s) => s.alert.id === id);
    setFilter({ severity: null, state: null, q: held ? '' : id, address: held ? held.alert.src : null });
    selectTab('feed');
  }

  async function loadFeed(): Promise<void> {
    const query = ++feedQuery;
    const page = await api.alerts(filter, 500);
    if (query !== feedQuery) return; // a newer filter won
    feedItems = page.items;
    feedTotal = page.total;
    feed.render(feedItems, feedTotal, filter);
  }

  let feedRenderPending = false;
  function scheduleFeedRender(): void {
    if (feedRenderPending) return;
    feedRenderPending = true;
    window.setTimeout(() => {
      feedRenderPending = false;
      feed.render(feedItems, feedTotal, filter);
    }, 100);
  }

  function renderStats(next: Stats): void {
    stats = next;
    alertTotal.textContent = num(next.total);
    overview.renderStats(next);
    analytics.render(next);
  }

  function renderSensors(list: SensorList): void {
    sensorsOnline.textContent = `${list.online}/${list.total}`;
    sensors.render(list);
  }

  async function catchUp(): Promise<void> {
    try {
      const [s, list, recent] = await Promise.all([api.stats(), api.sensors(), api.recentSevere(), loadFeed()]);
      renderStats(s);
      renderSensors(list);
      severe = recent.items;
      overview.renderSevere(severe);
    } catch (err) {
      if (err instanceof Unauthorized) showLogin();
    }
  }

  function onAlert(stored: StoredAlert & { outcome?: string }): void {
    const id = stored.alert.id;
    const index = feedItems.findIndex((s) => s.alert.id === id);
    // The revision before this one, if the page holds it: a revision that raises an incident to
    // HIGH or CRITICAL (the attack grew, or a VirusTotal verdict came after it) is news too.
    const before = index >= 0 ? feedItems[index] : severe.find((s) => s.alert.id === id);
    // SEVERITIES runs from the most severe: a raise moves an alert to a smaller index.
    const raised = before !== undefined && SEVERITIES.indexOf(stored.alert.severity) < SEVERITIES.indexOf(before.alert.severity);
    if (index >= 0) feedItems.splice(index, 1);
    if (matchesFilter(filter, stored)) {
      feedItems.unshift(stored);
      if (index < 0) feedTotal += 1;
      if (feedItems.length > HELD_MAX) feedItems.length = HELD_MAX;
    } else if (index >= 0) feedTotal -= 1;
    scheduleFeedRender();
    const isNew = stored.outcome === 'created';
    if (stored.alert.severity === 'CRITICAL' || stored.alert.severity === 'HIGH') {
      severe = [stored, ...severe.filter((s) => s.alert.id !== id)].slice(0, SEVERE_MAX);
      overview.renderSevere(severe);
      if (isNew || raised) toast(stored);
    }
    if (isNew && tab !== 'feed') {
      unseen += 1;
      renderBadge();
    }
  }

  function onState(data: { ids?: string[]; state: StoredAlert['state']; by: string; at: number; refresh?: boolean }): void {
    if (data.refresh || !data.ids) {
      void loadFeed();
      return;
    }
    const ids = new Set(data.ids);
    for (const s of feedItems) if (ids.has(s.alert.id)) Object.assign(s, { state: data.state, stateBy: data.by, stateAt: data.at });
    feedItems = feedItems.filter((s) => matchesFilter(filter, s) || !ids.has(s.alert.id));
    scheduleFeedRender();
  }

  function toast(stored: StoredAlert): void {
    const a = stored.alert;
    const el = h('div', { class: `toast sev-${a.severity}`, role: 'status' }, `[${a.severity}] ${label(a.category)} — ${a.title.slice(0, 86)}`);
    toasts.prepend(el);
    while (toasts.children.length > 4) toasts.lastElementChild?.remove();
    window.setTimeout(() => el.classList.add('fade'), 3700);
    window.setTimeout(() => el.remove(), 4200);
  }

  async function triage(id: string, action: TriageAction): Promise<void> {
    try {
      await api.setState(id, action);
    } catch (err) {
      if (err instanceof Unauthorized) showLogin();
    }
  }

  async function bulk(action: TriageAction): Promise<void> {
    if (!window.confirm(`${action} every alert matching the current filter?`)) return;
    await api.setStateMatching(filter, action).catch(() => undefined);
    await loadFeed();
  }

  const live = new LiveStream({
    onEvent: (type, data) => {
      if (type === 'alert') onAlert(data as StoredAlert & { outcome?: string });
      else if (type === 'alert-state') onState(data as Parameters<typeof onState>[0]);
      else if (type === 'stats') renderStats(data as Stats);
      else if (type === 'sensors') renderSensors(data as SensorList);
    },
    onStatus: (status: LiveStatus, detail: string) => {
      conn.dataset.status = status;
      conn.textContent = { connecting: '● CONNECTING', live: '● LIVE', reconnecting: '● RECONNECTING', offline: '● OFFLINE' }[status];
      conn.title = detail;
    },
    onCatchUp: () => void catchUp(),
    onUnauthorized: () => {
      live.stop();
      showLogin();
    },
  });

  window.setInterval(() => {
    clock.textContent = hhmmss(Date.now());
    sensors.tick();
  }, 1000);
  void stats;
  selectTab(tab);
  feed.setFilterControls(filter);
  live.start();
}

void boot();
