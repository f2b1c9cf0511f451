// The review page's listings of deliveries (unacknowledged, overdue) and the
// open expectations; loaded after app.js, whose helpers (el, clear, when,
// span, age, status, api, currentFilters) they use. As there, every value
// from the broker is put into the page as text, never as markup.
'use strict';

// --- Listings of deliveries, paged on the broker ("Show more"): by case and recipient ---
// `id` names the table, its status line and its button; `fill(body, page,
// more)` adds a page's rows; `reset()` (optional) clears what goes with them.
function listing(id, path, what, none, fill, reset) {
  const state = { params: null, next: '0' };
  return async (more) => {
    const body = document.querySelector('#' + id + ' tbody');
    if (!more) {
      clear(body);
      if (reset) reset();
      state.params = new URLSearchParams();
      for (const name of ['case', 'agency']) {
        if (currentFilters().get(name)) state.params.set(name, currentFilters().get(name));
      }
      state.next = '0';
    }
    const params = new URLSearchParams(state.params);
    params.set('after', state.next);
    try {
      const page = await api(path, params);
      fill(body, page, more);
      state.next = page.nextAfterSequence || '0';
      status(id + '-status', body.rows.length ? body.rows.length + ' shown.' : none);
    } catch (error) {
      status(id + '-status', 'Could not load ' + what + ': ' + error.message, true);
      state.next = '0';
    }
    document.getElementById(id + '-more').disabled = state.next === '0';
  };
}

// Unacknowledged deliveries by age.
const loadUnacked = listing('unacked', '/api/unacknowledged', 'unacknowledged deliveries',
  'Every delivery matching these filters is acknowledged.', (body, page) => {
    for (const d of page.deliveries || []) {
      body.append(el('tr', { 'data-notification': d.notificationId },
        el('td', { class: 'num' }, age(d.routedAt)), el('td', {}, d.recipient), el('td', {}, d.caseRef),
        el('td', { class: 'mono' }, d.notificationId), el('td', {}, d.type), el('td', {}, d.publisher),
        el('td', { class: 'time' }, when(d.routedAt))));
    }
  });

// Overdue deliveries, the counts of those shown by case and by recipient, and
// (with the first page) the open expectations.
const overdueCounts = { byCase: {}, byAgency: {} };

// {"CASE-1": 2, "CASE-7": 1} -> "CASE-1 2, CASE-7 1", largest first.
function countsText(counts) {
  return Object.entries(counts).sort((a, b) => b[1] - a[1]).map(([key, n]) => key + ' ' + n).join(', ');
}

// An escalation level: 1, those first told (`first`); 2, the safeguarding lead too.
function escalation(level, first) {
  const n = Number(level || 0);
  if (n >= 2) return el('span', { class: 'tag bad' }, 'level 2: safeguarding lead told');
  return n === 1 ? el('span', { class: 'tag warn' }, 'level 1: ' + first + ' told') : el('span', { class: 'tag ok' }, 'not yet due');
}

function expectationRow(e, asOf) {
  const level = Number(e.escalationLevel || 0);
  return el('tr', { 'data-expectation': e.expectation, 'data-opened-by': e.openedBy },
    el('td', { class: 'time' }, when(e.dueAt)),
    el('td', {}, escalation(level, 'expected agencies and publisher'), ' ',
      level > 0 ? 'overdue by ' + span(Number(e.overdueSeconds) * 1000) : 'due in ' + span(Date.parse(e.dueAt) - Date.parse(asOf))),
    el('td', {}, e.caseRef), el('td', {}, e.expectedType), el('td', {}, e.expectedFrom),
    el('td', {}, e.openedByType + ' by ' + e.openedByPublisher + ' at ' + when(e.openedAt) + ' UTC', el('div', { class: 'mono' }, e.openedBy)),
    el('td', {}, e.agreement + ' ' + e.expectation + ': ' + e.description));
}

function fillOverdue(body, page, more) {
  for (const d of page.deliveries || []) {
    const level = Number(d.escalationLevel || 0);
    body.append(el('tr', { 'data-notification': d.notificationId, 'data-recipient': d.recipient },
      el('td', { class: 'num' }, span(Number(d.overdueSeconds) * 1000)),
      el('td', {}, escalation(level, 'recipient and publisher'), level < 2 && d.leadDueAt ? el('div', {}, 'lead told from ' + when(d.leadDueAt)) : null),
      el('td', {}, d.recipient), el('td', {}, d.caseRef), el('td', { class: 'mono' }, d.notificationId), el('td', {}, d.type),
      el('td', { class: 'time' }, when(d.routedAt)),
      el('td', {}, el('div', {}, when(d.acknowledgeDueAt)), el('div', {}, d.agreement + ' ' + d.deadlineRule + ': ' + d.deadline))));
    overdueCounts.byCase[d.caseRef] = (overdueCounts.byCase[d.caseRef] || 0) + 1;
    overdueCounts.byAgency[d.recipient] = (overdueCounts.byAgency[d.recipient] || 0) + 1;
  }
  const counts = document.getElementById('overdue-counts');
  clear(counts);
  if (body.rows.length) {
    counts.append('As of ' + when(page.asOf) + ' UTC: ', el('span', {}, 'by case ' + countsText(overdueCounts.byCase)),
      '; ', el('span', {}, 'by recipient ' + countsText(overdueCounts.byAgency)), '.');
  }
  if (more) return;
  const expectations = page.expectations || [];
  document.querySelector('#expectations tbody').append(...expectations.map((e) => expectationRow(e, page.asOf)));
  status('expectations-status', expectations.length ? expectations.length + ' open.' : 'No expectation matching these filters is open.');
}

const loadOverdue = listing('overdue', '/api/overdue', 'overdue deliveries',
  'Nothing matching these filters is past its deadline.', fillOverdue, () => {
    overdueCounts.byCase = {};
    overdueCounts.byAgency = {};
    clear(document.getElementById('overdue-counts'));
    clear(document.querySelector('#expectations tbody'));
    status('expectations-status', '');
  });
