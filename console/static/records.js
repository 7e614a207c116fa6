// The console's records view: every consultation (bot-only, handed off, phone, walk-in) as a record.
//   #/records              the filters, the results table with its total and pages, the export links
//   #/records/new          the form that logs a phone or walk-in consultation
//   #/records/<id>         one record: its facts, the transcript, the annotations (read is audited)
//   #/records/<id>/print   the same record alone on the page, ready to print
// Runs after console.js and uses its helpers (api, el, fmtTime, showError, flash, state, ...).
// All data is rendered with textContent / text nodes, never innerHTML.
'use strict';

const CHANNELS = { wechat: '微信', phone: '电话', walk_in: '来访' };
const RECORD_KINDS = { online: '在线咨询', message: '留言咨询', phone: '电话咨询', on_site: '现场咨询' };
const RECORD_OUTCOMES = { a: '引导申请法律援助', b: '给出法律建议', c: '转介其他部门' };
const RECORD_AUTHORS = { citizen: '市民', bot: '机器人', consultant: '咨询员' };
const RECORD_STATUSES = { open: '机器人服务中', waiting_human: '等待人工', closed: '已结束' };
const RECORD_ENDINGS = { consultant: '咨询员结束', silence: '市民未再留言，自动结束', logged: '登记时结束' };
const RECORD_PAGE_SIZE = 50;
const SUPERVISOR_ROLES = ['supervisor', 'admin'];
Object.assign(ERRORS, {
  consultation_not_found: '该咨询记录不存在或您无权查看', role_not_allowed: '您的账号无权执行此操作',
});

const records = {
  items: [], total: 0, offset: 0, params: '', listSeq: 0,
  id: null, current: null, reveal: false, recordSeq: 0,
  lastHash: '', specialtiesShown: false,
};

const isSupervisor = () => !!state.me && SUPERVISOR_ROLES.includes(state.me.role);

// ---- routing -----------------------------------------------------------------------------------
// Called by console.js's route() before the other views: true when the hash belongs to this view.
function routeRecords(hash) {
  const m = /^#\/records(?:\/(new|\d+)(\/print)?)?$/.exec(hash);
  const mine = !!m && !(m[1] === 'new' && m[2]);
  const previous = records.lastHash;
  records.lastHash = mine ? hash : '';
  $('records-layout').hidden = !mine;
  $('nav-records').toggleAttribute('aria-current', mine);
  document.body.classList.toggle('print-page', mine && !!m[2]);
  if (!mine) return false;
  // Every other view's part of the page (queue, applications, and any view added later) is hidden.
  for (const layout of document.querySelectorAll('#main-view > [id$="-layout"]')) layout.hidden = layout.id !== 'records-layout';
  for (const link of document.querySelectorAll('.views a')) if (link.id !== 'nav-records') link.removeAttribute('aria-current');
  enterRecords();
  if (!m[1]) showRecordList();
  else if (m[1] === 'new') showLogForm();
  else openRecord(Number(m[1]), !!m[2], previous);
  return true;
}

// Role-dependent parts (consultants see only their own records and neither export nor annotate),
// and the specialties for the two selects, once they are known.
function enterRecords() {
  for (const node of document.querySelectorAll('#records-layout .supervisor-only')) {
    node.hidden = !isSupervisor();
    for (const input of node.querySelectorAll('input, select')) input.disabled = !isSupervisor();
  }
  if (!records.specialtiesShown) loadRecordSpecialties();
}

async function loadRecordSpecialties() {
  try {
    const items = state.specialties.length ? state.specialties : ((await api('GET', '/api/specialties')).items || []);
    if (records.specialtiesShown || !items.length) return;
    records.specialtiesShown = true;
    const options = () => items.map((s) => el('option', { value: s.code, text: s.name || s.code }));
    $('rec-specialty').append(...options());
    $('log-specialty').append(...options());
  } catch (err) {
    if (err.status !== 401) showError(err);
  }
}

function showPart(id) {
  for (const part of ['records-list-view', 'record-log-form', 'record']) $(part).hidden = part !== id;
}

// ---- the list ----------------------------------------------------------------------------------
function showRecordList() {
  showPart('records-list-view');
  refreshRecords();
}

// The filters as query parameters: only those filled in (disabled ones are not the viewer's).
function recordFilters() {
  const params = new URLSearchParams();
  for (const input of $('records-filters').elements) {
    if (!input.name || input.disabled) continue;
    const value = input.value.trim();
    if (value) params.set(input.name, value);
  }
  return params;
}

function exportHref(format, params) {
  const query = new URLSearchParams(params);
  query.set('format', format);
  return `/api/consultations/export?${query}`;
}

async function refreshRecords() {
  const seq = ++records.listSeq;
  const params = recordFilters();
  records.params = params.toString();
  $('records-export-csv').href = exportHref('csv', params);
  $('records-export-xlsx').href = exportHref('xlsx', params);
  const query = new URLSearchParams(params);
  query.set('limit', String(RECORD_PAGE_SIZE));
  query.set('offset', String(records.offset));
  $('records-summary').textContent = '查询中…';
  try {
    const data = await api('GET', `/api/consultations?${query}`);
    if (seq !== records.listSeq) return; // a newer search won
    records.items = data.items || [];
    records.total = Number(data.total ?? records.items.length);
    renderRecords();
  } catch (err) {
    if (seq !== records.listSeq) return;
    $('records-summary').textContent = '查询失败';
    if (err.status !== 401) showError(err);
  }
}

function searchRecords(ev) {
  if (ev) ev.preventDefault();
  records.offset = 0;
  refreshRecords();
}

function recordSpecialty(code) {
  return (state.specialties.find((s) => s.code === code) || {}).name || code || '';
}

// Courtesies and yes/no answers say nothing about what the citizen asked: left out of a record's matters.
const SMALL_TALK = new Set(['greet', 'goodbye', 'affirm', 'deny', 'thank']);
const RECORD_INTENTS = { consult_civil_other: '其他民事纠纷', consult_state_compensation: '国家赔偿', out_of_scope: '非法律问题' };

function intentsText(intents) {
  const names = (intents || []).filter((i) => !SMALL_TALK.has(i)).map((i) => RECORD_INTENTS[i] || intentName(i));
  return [...new Set(names.filter(Boolean))].join('、');
}

function breachedText(breached) {
  if (breached === true) return '超时';
  if (breached === false) return '按时';
  return '不计时';
}

function outcomeText(item) {
  if (!item.outcome) return '未记录';
  const label = `${item.outcome}. ${RECORD_OUTCOMES[item.outcome] || item.outcome}`;
  if (item.outcome === 'c' && item.referral) return `${label}（${item.referral}）`;
  if (item.outcome === 'a' && item.application_number) return `${label}（申请 ${item.application_number}）`;
  return label;
}

const satisfactionText = (n) => (n == null ? '未评价' : `${n} 分`);

function consultantText(item) {
  if (item.consultant) return item.consultant;
  return item.channel === 'wechat' ? '机器人' : '';
}

function recordRow(item) {
  return el('tr', { class: `record-row${item.breached === true ? ' breached' : ''}`, dataset: { id: String(item.id) } },
    el('td', {}, el('a', { href: `#/records/${item.id}`, class: 'record-link', text: `#${item.id}` })),
    el('td', { class: 'nowrap', text: fmtTime(item.received_at) }),
    el('td', { text: CHANNELS[item.channel] || item.channel || '' }),
    el('td', { text: RECORD_KINDS[item.kind] || item.kind || '' }),
    el('td', { text: recordSpecialty(item.specialty) }),
    el('td', { text: intentsText(item.intents) }),
    el('td', { text: consultantText(item) }),
    el('td', { text: outcomeText(item) }),
    el('td', { class: `breached-${String(item.breached)}`, text: breachedText(item.breached) }),
    el('td', { text: satisfactionText(item.satisfaction) }));
}

function renderRecords() {
  $('records-rows').replaceChildren(...records.items.map(recordRow));
  $('records-empty').hidden = records.items.length > 0;
  const first = records.items.length ? records.offset + 1 : 0;
  const last = records.offset + records.items.length;
  $('records-summary').textContent = records.items.length
    ? `共 ${records.total} 条记录，显示第 ${first}–${last} 条` : `共 ${records.total} 条记录`;
  const pages = Math.max(1, Math.ceil(records.total / RECORD_PAGE_SIZE));
  $('records-page').textContent = `第 ${Math.floor(records.offset / RECORD_PAGE_SIZE) + 1} / ${pages} 页`;
  $('records-prev').disabled = records.offset === 0;
  $('records-next').disabled = last >= records.total;
}

function turnPage(step) {
  records.offset = Math.max(0, records.offset + step * RECORD_PAGE_SIZE);
  refreshRecords();
}

// ---- one record --------------------------------------------------------------------------------
// Reading a record is audited: switching to or from its print page reuses what was read.
async function openRecord(id, print, previousHash) {
  showPart('record');
  const samePage = records.current && records.current.id === id
    && (previousHash === `#/records/${id}` || previousHash === `#/records/${id}/print`);
  if (samePage) return;
  records.id = id;
  records.current = null;
  records.reveal = false;
  for (const node of ['record-facts', 'record-transcript', 'record-annotations']) $(node).replaceChildren();
  $('record-title').textContent = `咨询记录 #${id}`;
  $('record-identity').textContent = '加载中…';
  $('record-reveal').hidden = true;
  $('record-summary-box').hidden = true;
  $('annotation-form').hidden = true;
  $('annotation-text').value = '';
  await loadRecord(id);
}

async function loadRecord(id) {
  const seq = ++records.recordSeq;
  try {
    const data = await api('GET', `/api/consultations/${id}${records.reveal ? '?reveal=1' : ''}`);
    if (seq !== records.recordSeq || id !== records.id) return;
    records.current = data;
    renderRecord(data);
  } catch (err) {
    if (seq !== records.recordSeq || err.status === 401) return;
    showError(err);
    if (err.status === 403 || err.status === 404) location.hash = '#/records';
  }
}

function factRows(item) {
  const rows = [
    ['市民', item.citizen || ''],
    ['渠道', CHANNELS[item.channel] || item.channel || ''],
    ['类型', RECORD_KINDS[item.kind] || item.kind || ''],
    ['专业', recordSpecialty(item.specialty)],
    ['咨询事项', intentsText(item.intents)],
    ['状态', [RECORD_STATUSES[item.status] || item.status, RECORD_ENDINGS[item.ended_by]].filter(Boolean).join('，')],
    ['咨询员', consultantText(item) || '—'],
    ['登记人', item.logged_by || ''],
    ['接收时间', fmtTime(item.received_at)],
    ['首次人工答复', item.first_reply_at ? fmtTime(item.first_reply_at) : '—'],
    ['结束时间', item.closed_at ? fmtTime(item.closed_at) : '未结束'],
    ['答复时限', breachedText(item.breached)],
    ['处理结果', outcomeText(item)],
    ['满意度', satisfactionText(item.satisfaction)],
    ['评价留言', item.satisfaction_comment || ''],
    ['质检得分', item.quality_score == null ? '未质检' : `${item.quality_score} 分`],
  ];
  return rows.filter(([, v]) => v).flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })]);
}

function identityText(item) {
  const who = item.identity;
  if (who && (who.name || who.phone)) {
    return [who.name ? `姓名 ${who.name}` : '', who.phone ? `电话 ${who.phone}` : ''].filter(Boolean).join(' · ');
  }
  if (item.identity_refused) return '市民拒绝提供身份信息';
  return item.channel === 'wechat' ? '微信咨询，以微信账号识别市民（未另行登记）' : '未登记';
}

// A number the server masked (138****8000): digits next to a run of `*`.
const MASKED_NUMBER = /\d\*{3,}|\*{3,}\d/;

function hasMaskedNumber(item) {
  return [item.summary, ...(item.transcript || []).map((t) => t.text)].some((text) => MASKED_NUMBER.test(text || ''));
}

function renderRecord(item) {
  $('record-title').textContent = `咨询记录 #${item.id} · ${RECORD_KINDS[item.kind] || CHANNELS[item.channel] || ''}`;
  $('record-facts').replaceChildren(...factRows(item));
  const hasIdentity = !!(item.identity && (item.identity.name || item.identity.phone));
  $('record-identity').textContent = identityText(item) + (records.reveal && hasIdentity ? '（已显示完整信息，本次查看已记录）' : '');
  $('record-reveal').hidden = records.reveal || !(hasIdentity || hasMaskedNumber(item));
  $('record-summary').textContent = item.summary || '';
  $('record-summary-box').hidden = !item.summary;
  renderRecordTranscript(item.transcript || []);
  renderAnnotations(item.annotations || []);
  $('annotation-form').hidden = !isSupervisor();
}

function renderRecordTranscript(turns) {
  $('record-transcript').replaceChildren(...(turns.length ? turns.map((t) => {
    const author = RECORD_AUTHORS[t.author] ? t.author : 'bot';
    const text = t.text != null && t.text !== '' ? t.text : `[${MEDIA[t.kind] || t.kind || '消息'}]`;
    return el('li', { class: `msg msg-${author}` },
      el('span', { class: 'msg-meta' }, el('span', { class: 'msg-author', text: RECORD_AUTHORS[t.author] || t.author || '' }), ' ',
        el('time', { datetime: t.at || '', text: fmtTime(t.at) })),
      el('span', { class: 'msg-text', text }));
  }) : [el('li', { class: 'muted', text: '没有对话记录（电话或来访咨询见上方摘要）' })]));
}

function renderAnnotations(annotations) {
  $('record-annotations').replaceChildren(...(annotations.length ? annotations.map((a) => el('li', { class: 'note annotation' },
    el('span', { class: 'note-meta', text: `${a.author || ''} · ${fmtTime(a.at)}` }),
    el('span', { class: 'note-text', text: a.text || '' }))) : [el('li', { class: 'muted', text: '暂无批注' })]));
}

function revealIdentity() {
  if (records.id == null) return;
  records.reveal = true;
  loadRecord(records.id);
}

async function addAnnotation(ev) {
  ev.preventDefault();
  const id = records.id;
  const text = $('annotation-text').value.trim();
  if (!text) { showAlert('请输入批注内容'); $('annotation-text').focus(); return; }
  await withBusy($('annotation-submit'), async () => {
    const data = await api('POST', `/api/consultations/${id}/annotations`, { text });
    clearAlert();
    $('annotation-text').value = '';
    flash('批注已添加');
    if (id !== records.id || !records.current) return;
    // The answer is the record's annotations, or the new one: either way no second audited read.
    const annotations = Array.isArray(data.annotations) ? data.annotations
      : [...(records.current.annotations || []), { at: data.at, author: data.author || state.me.username, text: data.text || text }];
    records.current.annotations = annotations;
    renderAnnotations(annotations);
  });
}

// ---- printing ----------------------------------------------------------------------------------
function printRecord() {
  if (records.id != null) location.hash = `#/records/${records.id}/print`;
}

// ---- logging a phone or walk-in consultation ---------------------------------------------------
function showLogForm() {
  showPart('record-log-form');
  const form = $('record-log-form');
  form.querySelectorAll('[aria-invalid]').forEach((n) => n.removeAttribute('aria-invalid'));
  if (!$('log-received-at').value) $('log-received-at').value = toBeijingInput(Date.now());
  $('log-received-at').max = toBeijingInput(Date.now() + 60000);
  showReferralIfReferred();
  identityRefusedChanged();
  $('log-summary').focus();
}

function showReferralIfReferred() {
  const referred = $('log-outcome').value === 'c';
  $('log-referral').hidden = !referred;
  $('log-referral-label').hidden = !referred;
}

function identityRefusedChanged() {
  const refused = $('log-refused').checked;
  for (const id of ['log-name', 'log-phone-number']) {
    $(id).disabled = refused;
    if (refused) $(id).value = '';
  }
}

function invalid(id, message) {
  showAlert(message);
  $(id).setAttribute('aria-invalid', 'true');
  $(id).focus();
  return null;
}

// The form as the API's body, or null (with the reason shown) when something is missing.
function logBody() {
  const channel = (document.querySelector('input[name="log-channel"]:checked') || {}).value;
  const when = $('log-received-at').value;
  const at = when ? new Date(`${when}:00+08:00`) : null; // the input is Beijing wall-clock time
  if (!at || Number.isNaN(at.getTime())) return invalid('log-received-at', '请填写咨询时间');
  if (at.getTime() > Date.now() + 60000) return invalid('log-received-at', '咨询时间不能晚于现在');
  const body = {
    channel, received_at: `${when}:00+08:00`, specialty: $('log-specialty').value,
    summary: $('log-summary').value.trim(), outcome: $('log-outcome').value, identity_refused: $('log-refused').checked,
  };
  if (!body.specialty) return invalid('log-specialty', '请选择专业');
  if (!body.summary) return invalid('log-summary', '请填写咨询内容及答复摘要');
  if (!body.outcome) return invalid('log-outcome', '请选择处理结果');
  if (body.outcome === 'c') {
    body.referral = $('log-referral').value.trim();
    if (!body.referral) return invalid('log-referral', '转介时请填写告知的部门或渠道');
  }
  const name = $('log-name').value.trim();
  const phone = $('log-phone-number').value.trim();
  if (!body.identity_refused && !name && !phone) {
    return invalid('log-name', '请登记市民的姓名或联系电话；市民拒绝提供的，请勾选“市民拒绝提供身份信息”');
  }
  if (name) body.name = name;
  if (phone) body.phone = phone;
  return body;
}

const LOG_FIELDS = {
  channel: 'log-phone', received_at: 'log-received-at', specialty: 'log-specialty', summary: 'log-summary',
  outcome: 'log-outcome', referral: 'log-referral', name: 'log-name', phone: 'log-phone-number', identity_refused: 'log-refused',
};

async function submitLog(ev) {
  ev.preventDefault();
  const body = logBody();
  if (!body) return;
  const button = $('log-submit');
  button.disabled = true;
  try {
    const data = await api('POST', '/api/consultations', body);
    clearAlert();
    resetLogForm();
    flash(`已登记${CHANNELS[body.channel] || ''}咨询`);
    location.hash = data && data.id != null ? `#/records/${data.id}` : '#/records';
  } catch (err) {
    showError(err);
    const field = LOG_FIELDS[err.field];
    if (field) { $(field).setAttribute('aria-invalid', 'true'); $(field).focus(); }
  } finally {
    button.disabled = false;
  }
}

function resetLogForm() {
  $('record-log-form').reset();
  $('log-received-at').value = '';
  showReferralIfReferred();
  identityRefusedChanged();
}

// ---- wiring ------------------------------------------------------------------------------------
function wireRecords() {
  $('records-filters').addEventListener('submit', searchRecords);
  $('records-filters').addEventListener('change', (ev) => { if (ev.target.tagName === 'SELECT' || ev.target.type === 'date') searchRecords(); });
  // After the form's own reset has cleared the fields.
  $('records-filters').addEventListener('reset', () => setTimeout(searchRecords, 0));
  $('records-prev').addEventListener('click', () => turnPage(-1));
  $('records-next').addEventListener('click', () => turnPage(1));
  $('records-rows').addEventListener('click', (ev) => {
    const row = ev.target.closest('tr.record-row');
    if (row && !ev.target.closest('a')) location.hash = `#/records/${row.dataset.id}`;
  });
  $('record-back').addEventListener('click', () => { location.hash = '#/records'; });
  $('record-print').addEventListener('click', printRecord);
  $('print-now').addEventListener('click', () => window.print());
  $('print-exit').addEventListener('click', () => { if (records.id != null) location.hash = `#/records/${records.id}`; });
  $('record-reveal').addEventListener('click', revealIdentity);
  $('annotation-form').addEventListener('submit', addAnnotation);
  $('record-log-form').addEventListener('submit', submitLog);
  $('log-cancel').addEventListener('click', () => { resetLogForm(); location.hash = '#/records'; });
  $('log-outcome').addEventListener('change', showReferralIfReferred);
  $('log-refused').addEventListener('change', identityRefusedChanged);
}

document.addEventListener('DOMContentLoaded', wireRecords);
