// The console's records view: every consultation (bot-only, handed off, phone, walk-in) as a record.
//   #/records              the filters, the results table with its total and pages, the export links
//   #/records/new          the form that logs a phone or walk-in consultation        (record.js)
//   #/records/<id>         one record: its facts, the transcript, the annotations   (record.js)
//   #/records/<id>/print   the same record alone on the page, ready to print        (record.js)
// This file holds the routing, the words shared by both files, and the list. Runs after console.js
// and uses its helpers (api, el, fmtTime, showError, flash, state, ...).
// All data is rendered with textContent / text nodes, never innerHTML.
'use strict';

const CHANNELS = { wechat: '微信', phone: '电话', walk_in: '来访' };
const RECORD_KINDS = { online: '在线咨询', message: '留言咨询', phone: '电话咨询', on_site: '现场咨询' };
// The same words as the export (data/texts.yml records.*), so the page and the spreadsheet agree.
const RECORD_OUTCOMES = { a: '引导申请法律援助', b: '不符合条件，已给法律建议', c: '非法律援助事项，已告知咨询渠道' };
const RECORD_AUTHORS = { citizen: '市民', bot: '机器人', consultant: '咨询员' };
const RECORD_STATUSES = { open: '机器人服务中', waiting_human: '等待人工', closed: '已结束' };
const RECORD_ENDINGS = { consultant: '由咨询员结束', silence: '市民未再留言，自动结束', logged: '电话或来访登记' };
const RECORD_PAGE_SIZE = 50;
const SUPERVISOR_ROLES = ['supervisor', 'admin'];
Object.assign(ERRORS, {
  consultation_not_found: '该咨询记录不存在或您无权查看', role_not_allowed: '您的账号无权执行此操作',
});

const records = {
  items: [], total: 0, offset: 0, listSeq: 0,
  id: null, current: null, reveal: false, recordSeq: 0,
  lastHash: '', specialtiesShown: false, filterProblem: false,
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
  else openRecord(Number(m[1]), previous);
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

// What the server's 422 `field` means, in the staff's words (its own message is for developers).
const FILTER_PROBLEMS = {
  from: ['rec-from', '起始日期有误'], to: ['rec-to', '截止日期不能早于起始日期'],
  specialty: ['rec-specialty', '未知的专业'], consultant: ['rec-consultant', '没有这个咨询员用户名'],
  outcome: ['rec-outcome', '处理结果有误'], breached: ['rec-breached', '答复时限条件有误'],
  channel: ['rec-channel', '渠道有误'], satisfaction: ['rec-satisfaction', '满意度有误'],
  q: ['rec-q', '请输入要查找的词语，如“拖欠工资”'],
};

// An input the person at the page must put right: the alert says what, the field is marked and focused.
function invalid(id, message) {
  showAlert(message);
  $(id).setAttribute('aria-invalid', 'true');
  $(id).focus();
  return null;
}

// A 422 on a field this form has: said in Chinese at that field. False for any other error.
function fieldProblem(err, problems) {
  const known = err instanceof ApiError && err.status === 422 && problems[err.field];
  if (!known) return false;
  invalid(known[0], known[1]);
  return true;
}

async function refreshRecords() {
  const seq = ++records.listSeq;
  const params = recordFilters();
  $('records-filters').querySelectorAll('[aria-invalid]').forEach((n) => n.removeAttribute('aria-invalid'));
  if (params.has('from') && params.has('to') && params.get('to') < params.get('from')) {
    invalid('rec-to', FILTER_PROBLEMS.to[1]);
    records.filterProblem = true;
    $('records-summary').textContent = '';
    return;
  }
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
    if (records.filterProblem) clearAlert(); // the filter the alert was about is put right
    records.filterProblem = false;
    renderRecords();
  } catch (err) {
    if (seq !== records.listSeq) return;
    $('records-summary').textContent = '查询失败';
    if (err.status === 401) return;
    if (fieldProblem(err, FILTER_PROBLEMS)) records.filterProblem = true; else showError(err);
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
const RECORD_INTENTS = {
  consult_labor: '劳动争议', consult_family: '婚姻家庭', consult_personal_injury: '人身损害赔偿', consult_criminal: '刑事',
  consult_social_assistance: '社会保障与救助', consult_administrative: '行政', consult_state_compensation: '国家赔偿',
  consult_civil_other: '其他民事纠纷', ask_eligibility: '能否申请法律援助', apply_legal_aid: '申请法律援助',
  ask_materials: '申请材料', ask_progress: '办理进度', ask_office_info: '办公地点和时间', request_human: '要求人工',
  complain: '投诉', out_of_scope: '非法律问题', help: '使用帮助',
};

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
  if (!item.outcome) {
    if (!item.closed_at) return '进行中';
    return item.consultant ? '未记录' : '机器人解答';
  }
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

// A bot-only consultation has no kind (no reply clock ran): it was the bot's self-service.
const kindText = (item) => RECORD_KINDS[item.kind] || (item.channel === 'wechat' ? '机器人自助' : item.kind || '');

function recordRow(item) {
  return el('tr', { class: `record-row${item.breached === true ? ' breached' : ''}`, dataset: { id: String(item.id) } },
    el('td', {}, el('a', { href: `#/records/${item.id}`, class: 'record-link', text: `#${item.id}` })),
    el('td', { class: 'nowrap', text: fmtTime(item.received_at) }),
    el('td', { text: CHANNELS[item.channel] || item.channel || '' }),
    el('td', { text: kindText(item) }),
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
}

document.addEventListener('DOMContentLoaded', wireRecords);
