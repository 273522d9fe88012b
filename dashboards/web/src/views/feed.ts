/**
 * Live Feed: severity chips, state filter, full-text search, address filter (click any
 * address), expandable rows with evidence, MITRE and intel verdict, acknowledge/resolve per
 * row and for everything matching, and the export of what is shown.
 */
import { filterParams } from '../api.ts';
import { clear, h, hhmmss, label } from '../dom.ts';
import { SEVERITIES, type FeedFilter, type Severity, type StoredAlert } from '../types.ts';

export type TriageAction = 'acknowledge' | 'resolve' | 'reopen';

export interface FeedHandlers {
  onFilter(filter: FeedFilter): void;
  onAction(id: string, action: TriageAction): void;
  onBulk(action: TriageAction): void;
  onAddress(address: string): void;
}

export interface FeedView {
  root: HTMLElement;
  render(items: StoredAlert[], total: number, filter: FeedFilter): void;
  setFilterControls(filter: FeedFilter): void;
}

const ROW_LIMIT = 500;

export function feedView(handlers: FeedHandlers, getFilter: () => FeedFilter): FeedView {
  const expanded = new Set<string>();
  const chips = h('div', { class: 'chips', role: 'group', 'aria-label': 'severity' });
  const chipEls = new Map<string, HTMLButtonElement>();
  for (const sev of ['ALL', ...SEVERITIES]) {
    const chip = h('button', { class: `chip chip-${sev}`, 'data-testid': `chip-${sev}`, type: 'button', onclick: () => handlers.onFilter({ ...getFilter(), severity: sev === 'ALL' ? null : (sev as Severity) }) }, sev);
    chipEls.set(sev, chip);
    chips.append(chip);
  }
  const stateSelect = h(
    'select',
    { class: 'state-select', 'data-testid': 'state-filter', 'aria-label': 'state', onchange: () => handlers.onFilter({ ...getFilter(), state: (stateSelect.value || null) as FeedFilter['state'] }) },
    h('option', { value: '' }, 'All states'),
    h('option', { value: 'open' }, 'Open'),
    h('option', { value: 'new' }, 'New'),
    h('option', { value: 'acknowledged' }, 'Acknowledged'),
    h('option', { value: 'resolved' }, 'Resolved'),
  );
  let searchTimer = 0;
  const search = h('input', {
    id: 'feed-search',
    type: 'search',
    placeholder: 'SEARCH…',
    autocomplete: 'off',
    'aria-label': 'search alerts',
    oninput: () => {
      window.clearTimeout(searchTimer);
      searchTimer = window.setTimeout(() => handlers.onFilter({ ...getFilter(), q: search.value }), 200);
    },
  });
  const addressChip = h('span', { class: 'address-filter', hidden: true });
  const count = h('span', { class: 'feed-count', 'data-testid': 'feed-count' }, '0 events');
  const bulkAck = h('button', { type: 'button', class: 'btn', 'data-testid': 'bulk-acknowledge', onclick: () => handlers.onBulk('acknowledge') }, 'Ack all matching');
  const bulkResolve = h('button', { type: 'button', class: 'btn', 'data-testid': 'bulk-resolve', onclick: () => handlers.onBulk('resolve') }, 'Resolve all matching');
  const exportLink = h('a', { class: 'btn', 'data-testid': 'export-filtered', href: '/api/export?format=csv', download: '' }, 'Export CSV');
  const list = h('div', { class: 'feed-list', role: 'list', 'data-testid': 'feed-list' });

  const root = h(
    'section',
    { class: 'view feed', 'data-view': 'feed' },
    h('div', { class: 'feed-toolbar' }, chips, stateSelect, search, addressChip, count, h('span', { class: 'spacer' }), bulkAck, bulkResolve, exportLink),
    h('div', { class: 'feed-head', 'aria-hidden': 'true' }, h('span', {}, 'SEVERITY'), h('span', {}, 'TIME'), h('span', {}, 'CATEGORY'), h('span', {}, 'ALERT'), h('span', {}, 'SOURCE → DEST'), h('span', {}, 'SENSOR'), h('span', {}, 'STATE')),
    list,
  );

  function addressLink(address: string | null, port: number | null): Node {
    if (!address) return document.createTextNode('—');
    return h(
      'button',
      {
        type: 'button',
        class: 'addr',
        title: `all alerts of ${address}`,
        onclick: (e: Event) => {
          e.stopPropagation();
          handlers.onAddress(address);
        },
      },
      port ? `${address}:${port}` : address,
    );
  }

  function detail(s: StoredAlert): HTMLElement {
    const a = s.alert;
    const kv = (k: string, v: string | number | null) => h('div', { class: 'kv' }, h('span', { class: 'k' }, k), h('span', { class: 'v' }, v === null || v === '' ? '—' : String(v)));
    const details = Object.entries(a.evidence.details);
    return h(
      'div',
      { class: 'feed-detail', 'data-testid': 'feed-detail' },
      h(
        'div',
        { class: 'detail-col' },
        h('h3', {}, 'INCIDENT'),
        kv('ID', a.id),
        kv('REVISION', a.revision),
        kv('FIRST SEEN', new Date(a.firstSeen).toISOString()),
        kv('LAST SEEN', new Date(a.lastSeen).toISOString()),
        kv('COUNT', a.count),
        kv('SENSOR', `${a.sensorHost} (${a.sensorId})`),
        kv('DETECTOR', a.detector),
        kv('COMMUNITY ID', a.communityId),
        kv('STATE', s.stateBy ? `${s.state} by ${s.stateBy} at ${new Date(s.stateAt ?? 0).toISOString()}` : s.state),
      ),
      h(
        'div',
        { class: 'detail-col' },
        h('h3', {}, 'EVIDENCE'),
        kv('OBSERVED', `${a.evidence.count} ${a.evidence.unit}`),
        kv('THRESHOLD', a.evidence.threshold === a.evidence.baseThreshold ? `${a.evidence.threshold}` : `${a.evidence.threshold} (base ${a.evidence.baseThreshold})`),
        kv('WINDOW', `${a.evidence.windowSeconds} s`),
        ...details.map(([k, v]) => kv(k.toUpperCase(), v)),
      ),
      h(
        'div',
        { class: 'detail-col' },
        h('h3', {}, 'MITRE ATT&CK'),
        kv('TACTIC', `${a.mitre.tacticId} ${a.mitre.tactic}`),
        kv('TECHNIQUE', `${a.mitre.techniqueId} ${a.mitre.technique}`),
        h('h3', {}, 'THREAT INTEL'),
        h('div', { class: `verdict verdict-${a.intel.verdict}`, 'data-testid': 'intel-verdict' }, a.intel.verdict),
        kv('SOURCE', a.intel.source),
        kv('MALICIOUS / SUSPICIOUS', `${a.intel.malicious} / ${a.intel.suspicious}`),
        kv('REPUTATION', a.intel.reputation),
        kv('THRESHOLD ×', a.intel.multiplier),
      ),
    );
  }

  function row(s: StoredAlert): HTMLElement {
    const a = s.alert;
    const isOpen = expanded.has(a.id);
    const actions = h('span', { class: 'row-actions' });
    if (s.state === 'new') actions.append(actionButton(a.id, 'acknowledge', 'Ack'));
    if (s.state !== 'resolved') actions.append(actionButton(a.id, 'resolve', 'Resolve'));
    else actions.append(actionButton(a.id, 'reopen', 'Reopen'));
    const summary = h(
      'div',
      {
        class: 'feed-row-main',
        role: 'button',
        tabindex: 0,
        'aria-expanded': String(isOpen),
        onclick: () => {
          if (expanded.has(a.id)) expanded.delete(a.id);
          else expanded.add(a.id);
          wrapper.replaceWith(row(s));
        },
      },
      h('span', { class: `badge sev-${a.severity}` }, a.severity),
      h('span', { class: 'time', title: new Date(a.lastSeen).toISOString() }, hhmmss(a.lastSeen)),
      h('span', { class: 'cat' }, label(a.category)),
      h('span', { class: 'title', title: a.title }, a.title, a.count > 1 ? h('span', { class: 'count' }, ` ×${a.count}`) : null),
      h('span', { class: 'addrs' }, addressLink(a.src, a.srcPort), ' → ', addressLink(a.dst, a.dstPort)),
      h('span', { class: 'host' }, a.sensorHost || a.sensorId),
      h('span', { class: 'state-cell' }, h('span', { class: `state state-${s.state}`, 'data-testid': 'state' }, s.state), actions),
    );
    const wrapper = h('div', { class: `feed-row sev-row-${a.severity}${s.state === 'resolved' ? ' is-resolved' : ''}`, role: 'listitem', 'data-testid': 'feed-row', 'data-id': a.id, 'data-severity': a.severity }, summary, isOpen ? detail(s) : null);
    return wrapper;
  }

  function actionButton(id: string, action: TriageAction, text: string): HTMLElement {
    return h(
      'button',
      {
        type: 'button',
        class: `btn-small act-${action}`,
        'data-action': action,
        onclick: (e: Event) => {
          e.stopPropagation();
          handlers.onAction(id, action);
        },
      },
      text,
    );
  }

  function setFilterControls(filter: FeedFilter): void {
    for (const [sev, chip] of chipEls) chip.classList.toggle('active', (filter.severity ?? 'ALL') === sev);
    stateSelect.value = filter.state ?? '';
    if (document.activeElement !== search) search.value = filter.q;
    clear(addressChip);
    addressChip.hidden = !filter.address;
    if (filter.address) {
      addressChip.append(`address ${filter.address} `, h('button', { type: 'button', class: 'x', 'aria-label': 'clear address filter', onclick: () => handlers.onFilter({ ...getFilter(), address: null }) }, '×'));
    }
    const params = filterParams(filter);
    params.set('format', 'csv');
    exportLink.setAttribute('href', `/api/export?${params}`);
  }

  return {
    root,
    setFilterControls,
    render(items, total, filter) {
      setFilterControls(filter);
      count.textContent = `${total.toLocaleString('en-US')} event${total === 1 ? '' : 's'}`;
      const rows = items.slice(0, ROW_LIMIT).map(row);
      list.replaceChildren(...rows);
      if (rows.length === 0) list.append(h('p', { class: 'empty' }, 'No alerts match.'));
    },
  };
}
