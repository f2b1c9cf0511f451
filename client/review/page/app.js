// The review page: every value from the broker is put into the page as text
// (textContent, never innerHTML), so nothing in the log can become markup.
'use strict';

const PAGE = 100;
const REFUSALS = ['withheld', 'publish_refused', 'access_refused', 'urgent_disclosure'];
const KIND = {
  withheld: 'Withheld', publish_refused: 'Publish refused', access_refused: 'Access refused',
  urgent_disclosure: 'Urgent disclosure',
};
const FILTERS = ['case', 'agency', 'notification', 'action', 'from', 'to'];

// el('td', {class: 'num'}, 'text', child, ...): children are nodes or text.
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

function when(rfc3339) {
  if (!rfc3339) return '';
  return rfc3339.replace('T', ' ').replace(/\.\d+Z$/, 'Z').replace(/Z$/, '');
}

// "PURPOSE_STRATEGY_DISCUSSION" -> "strategy discussion": enum and field
// names read as words (and wrap in narrow columns).
function words(name) {
  return (name || '').replace(/^PURPOSE_/, '').toLowerCase().replace(/_/g, ' ');
}

function spaced(list) { return (list || '').replace(/,(?=\S)/g, ', '); }

// A span of milliseconds: "3 d 2 h", "5 h 12 min", "12 min", "45 s".
function span(ms) {
  if (!(ms >= 0)) return '';
  const seconds = Math.floor(ms / 1000), minutes = Math.floor(seconds / 60), hours = Math.floor(minutes / 60), days = Math.floor(hours / 24);
  if (days > 0) return days + ' d ' + (hours % 24) + ' h';
  if (hours > 0) return hours + ' h ' + (minutes % 60) + ' min';
  return minutes > 0 ? minutes + ' min' : seconds + ' s';
}

function age(rfc3339) { return span(Date.now() - Date.parse(rfc3339)); }

function status(id, text, isError) {
  const node = document.getElementById(id);
  node.textContent = text;
  node.classList.toggle('error', Boolean(isError));
}

async function api(path, params) {
  const url = path + (params && params.toString() ? '?' + params.toString() : '');
  const response = await fetch(url, { headers: { Accept: 'application/json' } });
  const body = await response.json().catch(() => ({ error: 'unreadable answer (' + response.status + ')' }));
  if (!response.ok) throw new Error(body.error || ('HTTP ' + response.status));
  return body;
}

// The filters as they stand in the form.
function currentFilters() {
  const params = new URLSearchParams();
  for (const name of FILTERS) {
    const value = document.getElementById('f-' + name).value.trim();
    if (value) params.set(name, value);
  }
  return params;
}

function fillForm(params) {
  for (const name of FILTERS) document.getElementById('f-' + name).value = params.get(name) || '';
}

// A button that sets one filter and applies it.
function filterLink(name, value) {
  if (!value) return '';
  const button = el('button', { type: 'button', class: 'link', title: 'Filter by ' + name + ' ' + value }, value);
  button.addEventListener('click', () => {
    document.getElementById('f-' + name).value = value;
    apply(true);
  });
  return button;
}

function linesSummary(entry) {
  const lines = entry.lines || [];
  const detail = entry.detail ? el('div', {}, entry.detail) : null;
  if (lines.length === 0) {
    return el('div', {}, detail, entry.recipient ? el('div', {}, 'recipient ' + entry.recipient) : null);
  }
  const byOutcome = {};
  for (const line of lines) (byOutcome[line.outcome] = byOutcome[line.outcome] || []).push(line);
  const headline = Object.entries(byOutcome)
    .map(([outcome, ls]) => outcome + ': ' + [...new Set(ls.map((l) => l.agency || l.notificationId))].join(', '))
    .join(' · ');
  const list = el('ul', { class: 'lines' });
  for (const line of lines) {
    const parts = [line.outcome, line.agency];
    if (line.notificationId && line.notificationId !== entry.notificationId) parts.push('notification ' + line.notificationId);
    if (line.agreement) parts.push(line.agreement);
    if (line.rule) parts.push('rule ' + line.rule);
    if (line.purpose) parts.push(line.purpose);
    if (line.lawfulBasis) parts.push(line.lawfulBasis);
    if (line.detail) parts.push(line.detail);
    list.append(el('li', {}, parts.filter(Boolean).join(' — ')));
  }
  return el('div', {}, detail, el('details', {}, el('summary', {}, headline), list));
}

// --- Entries: one Query page at a time, paged on the broker ---
const entriesState = { filters: new URLSearchParams(), stack: [], after: '0', next: '0' };

async function loadEntries() {
  const params = new URLSearchParams(entriesState.filters);
  params.set('after', entriesState.after);
  params.set('limit', String(PAGE));
  status('entries-status', 'Loading…');
  const body = document.querySelector('#entries tbody');
  try {
    const page = await api('/api/entries', params);
    clear(body);
    const entries = page.entries || [];
    for (const e of entries) {
      body.append(el('tr', { 'data-index': e.index },
        el('td', { class: 'num' }, e.index),
        el('td', { class: 'time' }, when(e.at)),
        el('td', {}, el('span', { class: 'tag' + (REFUSALS.includes(e.action) ? ' bad' : '') }, e.action)),
        el('td', {}, filterLink('agency', e.actor)),
        el('td', {}, filterLink('case', e.caseRef)),
        el('td', { class: 'mono' }, filterLink('notification', e.notificationId)),
        el('td', {}, linesSummary(e))));
    }
    entriesState.next = page.nextAfterIndex || '0';
    const first = entries.length ? entries[0].index : '-', last = entries.length ? entries[entries.length - 1].index : '-';
    status('entries-status', entries.length === 0
      ? 'No entries match these filters (the log holds ' + (page.treeSize || 0) + ' entries).'
      : entries.length + ' matching entries on this page (entry ' + first + ' to ' + last + '); the log holds ' + (page.treeSize || 0) + ' entries.');
  } catch (error) {
    clear(body);
    entriesState.next = '0';
    status('entries-status', 'Could not load entries: ' + error.message, true);
  }
  document.getElementById('prev').disabled = entriesState.stack.length === 0;
  document.getElementById('next').disabled = entriesState.next === '0';
}

// --- The case timeline ---
function recipientRow(r) {
  const decision = r.outcome === 'urgent_disclosure'
    ? el('span', { class: 'tag warn' }, 'urgent disclosure')
    : el('span', { class: 'tag' }, r.outcome || 'unknown');
  return el('tr', { 'data-recipient': r.agency },
    el('td', {}, r.agency),
    el('td', {}, decision),
    el('td', {}, [r.agreement, r.rule && 'rule ' + r.rule].filter(Boolean).join(', ')),
    el('td', {}, words(r.purpose)),
    el('td', {}, words(r.lawfulBasis)),
    el('td', { class: 'time' }, r.deliveredIndex !== '0' ? when(r.deliveredAt) : el('span', { class: 'tag bad' }, 'not delivered')),
    el('td', { class: 'time' }, r.acknowledged ? when(r.acknowledgedAt) : el('span', { class: 'tag bad' }, 'not acknowledged')),
    el('td', {}, spaced(r.detail)));
}

function timelineOf(n) {
  const events = [];
  if (n.publishedIndex !== '0') events.push([n.publishedAt, n.publisher + ' published it (entry ' + n.publishedIndex + ')']);
  for (const r of n.recipients || []) {
    if (r.deliveredIndex !== '0') events.push([r.deliveredAt, 'delivered to ' + r.agency + (r.subscription ? ' (' + r.subscription + ')' : '')]);
    if (r.acknowledged) events.push([r.acknowledgedAt, r.agency + ' acknowledged it']);
  }
  events.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return el('ol', { class: 'events' }, ...events.map(([at, text]) => el('li', {}, el('span', { class: 'mono' }, when(at)), ' ', text)));
}

function notificationBlock(n) {
  const table = el('table', { class: 'recipients' },
    el('thead', {}, el('tr', {}, ...['Recipient', 'Decision', 'Agreement and rule', 'Purpose', 'Lawful basis', 'Delivered (UTC)', 'Acknowledged (UTC)', 'Withheld fields and notes']
      .map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, ...(n.recipients || []).map(recipientRow)));
  const withheld = (n.withheld || []).length === 0 ? el('p', { class: 'status' }, 'Withheld from nobody.')
    : el('ul', {}, ...n.withheld.map((w) => el('li', {}, el('strong', {}, w.agency), ': ', w.reason)));
  const pending = (n.notAcknowledged || []).length === 0
    ? el('p', {}, el('span', { class: 'tag ok' }, 'acknowledged by every recipient'))
    : el('p', { class: 'unacked' }, el('span', { class: 'tag bad' }, 'not acknowledged by'), ' ', n.notAcknowledged.join(', '));
  return el('article', { class: 'notification', 'data-notification': n.notificationId },
    el('h3', {}, n.notificationId),
    el('p', {}, n.detail || '', n.publisher ? ' — published by ' + n.publisher + ' at ' + when(n.publishedAt) : ''),
    timelineOf(n), el('div', { class: 'table-wrap' }, table),
    el('h4', {}, 'Withheld'), withheld, pending);
}

async function loadTimeline(filters) {
  const box = document.getElementById('timeline');
  clear(box);
  const caseRef = filters.get('case');
  if (!caseRef) {
    box.append(el('p', { class: 'status' }, 'Filter by a case to see who published, received and acknowledged what, and when.'));
    return;
  }
  box.append(el('p', { class: 'status', role: 'status' }, 'Loading case ' + caseRef + '…'));
  try {
    const report = await api('/api/case', new URLSearchParams({ case: caseRef }));
    clear(box);
    box.append(el('p', { class: 'status' }, 'Case ' + report.caseRef + ': ' + (report.notifications || []).length +
      ' notification(s) from ' + report.entriesRead + ' entries.'));
    for (const n of report.notifications || []) box.append(notificationBlock(n));
    if ((report.events || []).length) {
      box.append(el('h3', {}, 'Other entries of the case'),
        el('ol', { class: 'events' }, ...report.events.map((e) => el('li', {},
          el('span', { class: 'mono' }, when(e.at)), ' ', e.action + ' by ' + e.actor + (e.detail ? ': ' + e.detail : '') + ' (entry ' + e.index + ')'))));
    }
  } catch (error) {
    clear(box);
    box.append(el('p', { class: 'status error' }, 'Could not load the case: ' + error.message));
  }
}

// --- Refusals and urgent disclosures ---
const refusalsState = { params: null, next: '0' };

function refusalRows(entry) {
  const rows = [];
  const row = (kind, agency, notification, reason) => el('tr', { 'data-index': entry.index },
    el('td', { class: 'num' }, entry.index), el('td', { class: 'time' }, when(entry.at)),
    el('td', {}, el('span', { class: 'tag ' + (kind === 'urgent_disclosure' ? 'warn' : 'bad') }, KIND[kind])),
    el('td', {}, agency), el('td', {}, entry.caseRef), el('td', { class: 'mono' }, notification), el('td', {}, reason));
  if (REFUSALS.includes(entry.action)) rows.push(row(entry.action, entry.recipient || entry.actor, entry.notificationId, entry.detail));
  for (const line of entry.lines || []) {
    if (REFUSALS.includes(line.outcome)) rows.push(row(line.outcome, line.agency, line.notificationId || entry.notificationId, line.detail));
  }
  return rows;
}

async function loadRefusals(more) {
  const body = document.querySelector('#refusals tbody');
  if (!more) {
    clear(body);
    refusalsState.params = new URLSearchParams();
    for (const name of ['case', 'agency', 'notification', 'from', 'to']) {
      if (currentFilters().get(name)) refusalsState.params.set(name, currentFilters().get(name));
    }
    for (const action of REFUSALS) refusalsState.params.append('action', action);
    refusalsState.next = '0';
  }
  const params = new URLSearchParams(refusalsState.params);
  params.set('after', refusalsState.next);
  try {
    const page = await api('/api/entries', params);
    for (const e of page.entries || []) body.append(...refusalRows(e));
    refusalsState.next = page.nextAfterIndex || '0';
    status('refusals-status', body.rows.length ? body.rows.length + ' shown.' : 'None match these filters.');
  } catch (error) {
    status('refusals-status', 'Could not load refusals: ' + error.message, true);
    refusalsState.next = '0';
  }
  document.getElementById('refusals-more').disabled = refusalsState.next === '0';
}

// --- Verification against the saved checkpoints ---
async function loadVerify() {
  const badge = document.getElementById('verify');
  const box = document.getElementById('verification');
  badge.className = 'verify pending';
  badge.textContent = 'Checking the log against the saved checkpoints…';
  try {
    const report = await api('/api/verify');
    badge.className = 'verify ' + (report.ok ? 'ok' : 'failed');
    badge.textContent = (report.ok ? 'Log verified: ' : 'VERIFICATION FAILED: ') + report.summary;
    clear(box);
    box.append(el('p', { id: 'verify-summary', class: report.ok ? '' : 'status error' }, report.summary),
      report.latestTreeSize === '0' ? null
        : el('p', {}, 'Latest checkpoint: ' + report.latestTreeSize + ' entries, signed ' + when(report.latestSignedAt) +
          ' UTC; signature ' + (report.signatureOk ? 'verified' : 'NOT verified') + ' with the pinned key ' + report.verifierKey + '.'),
      el('div', { class: 'table-wrap' }, el('table', {},
        el('thead', {}, el('tr', {}, ...['Saved checkpoint', 'Entries', 'Result'].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', {}, ...(report.saved || []).map((s) => el('tr', {},
          el('td', { class: 'mono' }, s.file), el('td', { class: 'num' }, s.treeSize),
          el('td', {}, s.consistent ? el('span', { class: 'tag ok' }, 'consistent') : el('span', { class: 'tag bad' }, s.problem))))))),
      el('p', { class: 'status' }, 'Checked ' + when(report.checkedAt) + ' UTC.'));
  } catch (error) {
    badge.className = 'verify failed';
    badge.textContent = 'Could not verify: ' + error.message;
  }
}

// Reads the form, records it in the address (so a filtered view can be
// bookmarked or reloaded), and loads every section.
function apply(push) {
  const filters = currentFilters();
  if (push) history.pushState(null, '', filters.toString() ? '?' + filters.toString() : location.pathname);
  entriesState.filters = filters;
  entriesState.stack = [];
  entriesState.after = '0';
  return Promise.all([loadEntries(), loadTimeline(filters), loadRefusals(false), loadUnacked(false), loadOverdue(false)]);
}

document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('filters').addEventListener('submit', (event) => {
    event.preventDefault();
    apply(true);
  });
  document.getElementById('clear').addEventListener('click', () => {
    fillForm(new URLSearchParams());
    apply(true);
    document.getElementById('f-case').focus();
  });
  document.getElementById('next').addEventListener('click', () => {
    entriesState.stack.push(entriesState.after);
    entriesState.after = entriesState.next;
    loadEntries();
  });
  document.getElementById('prev').addEventListener('click', () => {
    entriesState.after = entriesState.stack.pop() || '0';
    loadEntries();
  });
  document.getElementById('refusals-more').addEventListener('click', () => loadRefusals(true));
  document.getElementById('unacked-more').addEventListener('click', () => loadUnacked(true));
  document.getElementById('overdue-more').addEventListener('click', () => loadOverdue(true));
  document.getElementById('reverify').addEventListener('click', loadVerify);
  window.addEventListener('popstate', () => {
    fillForm(new URLSearchParams(location.search));
    apply(false);
  });
  fillForm(new URLSearchParams(location.search));
  apply(false);
  loadVerify();
});
