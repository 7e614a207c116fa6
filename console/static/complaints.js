// The console's complaints view (#/complaints, supervisors and admins): the list by due time with
// the breach, a form to enter a complaint taken by phone or in person, and a reply to each open
// one. Each load of the list is audited by the server. Runs after console.js and uses its helpers
// (api, el, fmtTime, withBusy, flash, showError). Data is rendered with text nodes only.
'use strict';

const CMP_SOURCES = { chat: '微信', staff: '工作人员登记' };
const CMP_STATUSES = { open: '待答复', replied: '已答复' };
const CMP_TELL = { wechat: '已通过微信告知投诉人', call: '请回电告知投诉人', none: '请当面或书面告知投诉人' };
const CMP_SUPERVISORS = ['supervisor', 'admin'];
Object.assign(ERRORS, {
  complaint_not_found: '该投诉不存在', complaint_replied: '该投诉已答复过，不能重复答复',
  role_not_allowed: '只有主管和管理员可以处理投诉',
});

const complaints = { items: [], reveal: false, seq: 0 };

// ---- routing -----------------------------------------------------------------------------------
// Called by console.js's route() after the applications view's: true when the hash is ours.
function routeComplaints(hash) {
  const allowed = Boolean(state.me) && CMP_SUPERVISORS.includes(state.me.role);
  $('nav-complaints').hidden = !allowed;
  const mine = allowed && hash === '#/complaints';
  $('complaints-layout').hidden = !mine;
  $('nav-complaints').toggleAttribute('aria-current', mine);
  if (!mine) { complaints.reveal = false; return false; }
  $('queue-layout').hidden = true;
  $('applications-layout').hidden = true;
  $('nav-queue').removeAttribute('aria-current');
  $('nav-applications').removeAttribute('aria-current');
  refreshComplaints();
  return true;
}

// ---- the list ----------------------------------------------------------------------------------
async function refreshComplaints() {
  const seq = ++complaints.seq;
  const params = new URLSearchParams();
  if ($('cmp-filter-status').value) params.set('status', $('cmp-filter-status').value);
  if ($('cmp-filter-breached').value) params.set('breached', $('cmp-filter-breached').value);
  if (complaints.reveal) params.set('reveal', 'true');
  try {
    const data = await api('GET', `/api/complaints?${params}`);
    if (seq !== complaints.seq) return;
    complaints.items = data.items || [];
    renderComplaints();
  } catch (err) {
    if (err.status !== 401) showError(err);
  }
}

function renderComplaints() {
  $('complaints').replaceChildren(...complaints.items.map(complaintNode));
  $('complaints-empty').hidden = complaints.items.length > 0;
  $('cmp-reveal').hidden = complaints.reveal;
}

// A due time at midnight is the end of the day before: 12月2日 24:00, not 12月3日 00:00.
function fmtDue(iso) {
  const ms = parseTime(iso);
  if (Number.isNaN(ms)) return '';
  const end = beijing(ms - 60000);
  if (end.getUTCHours() !== 23 || end.getUTCMinutes() !== 59) return fmtTime(iso);
  return `${end.getUTCMonth() + 1}月${end.getUTCDate()}日 24:00`;
}

function complainant(item) {
  if (item.source === 'chat') return `微信用户 ${String(item.citizen || '').slice(0, 10)}`;
  return [item.name, item.phone].filter(Boolean).join(' ') || '未留姓名和电话';
}

function complaintNode(item) {
  const late = item.breached ? ' breached' : '';
  const li = el('li', { class: `queue-item complaint-item${late}`, dataset: { id: item.id } });
  li.append(
    el('div', { class: 'qi-top' },
      el('span', { class: 'qi-specialty', text: `投诉 #${item.id}` }),
      el('span', { class: 'qi-kind', text: CMP_SOURCES[item.source] || item.source }),
      el('span', { class: 'qi-kind cmp-status', text: CMP_STATUSES[item.status] || item.status }),
      item.breached ? el('span', { class: 'countdown cmp-breached', text: '已超期' }) : null),
    el('div', { class: 'qi-who' },
      el('span', { text: complainant(item) }),
      el('span', { text: `收到 ${fmtTime(item.received_at)}` }),
      el('span', { class: 'cmp-due', text: `答复期限 ${fmtDue(item.due_at)}` }),
      item.assignee ? el('span', { text: `承办人 ${item.assignee}` }) : null,
      item.consultation_id ? el('span', { text: `咨询 #${item.consultation_id}` }) : null),
    el('p', { class: 'cmp-text', text: item.text }));
  if (item.status === 'replied') {
    li.append(
      el('p', { class: 'cmp-reply', text: `答复（${item.replied_by || ''}，${fmtTime(item.replied_at)}）：${item.reply || ''}` }),
      el('p', { class: 'muted', text: CMP_TELL[item.tell] || '' }));
  } else {
    li.append(replyForm(item));
  }
  return li;
}

function replyForm(item) {
  const id = `cmp-reply-${item.id}`;
  const form = el('form', { class: 'cmp-reply-form', dataset: { id: item.id } },
    el('label', { for: id, text: item.tell === 'wechat' ? '处理结果（会通过微信发给投诉人）' : '处理结果' }),
    el('textarea', { id, rows: 2, required: true }),
    el('div', { class: 'panel-buttons' }, el('button', { type: 'submit', class: 'primary', text: '答复' })));
  return form;
}

// ---- changes -----------------------------------------------------------------------------------
async function submitComplaint(ev) {
  ev.preventDefault();
  const body = { text: $('cmp-text').value };
  for (const [key, inputId] of [['name', 'cmp-name'], ['phone', 'cmp-phone'], ['assignee', 'cmp-assignee']]) {
    if ($(inputId).value.trim()) body[key] = $(inputId).value.trim();
  }
  const consultation = $('cmp-consultation').value.trim();
  if (consultation) body.consultation_id = /^\d+$/.test(consultation) ? Number(consultation) : consultation;
  await withBusy($('cmp-submit'), async () => {
    const filed = await api('POST', '/api/complaints', body);
    for (const inputId of ['cmp-text', 'cmp-name', 'cmp-phone', 'cmp-consultation', 'cmp-assignee']) $(inputId).value = '';
    flash(`已登记投诉 #${filed.id}，答复期限 ${fmtDue(filed.due_at)}`);
    await refreshComplaints();
  });
}

async function submitReply(ev) {
  const form = ev.target.closest('.cmp-reply-form');
  if (!form) return;
  ev.preventDefault();
  const text = form.querySelector('textarea').value;
  await withBusy(form.querySelector('button'), async () => {
    const replied = await api('POST', `/api/complaints/${form.dataset.id}/reply`, { text });
    if (replied.tell === 'call') flash(`已答复。请回电 ${replied.call} 告知投诉人处理结果`);
    else if (replied.tell === 'wechat') flash(replied.delivery && replied.delivery.status === 'sent' ? '已答复，处理结果已通过微信发给投诉人' : '已答复，微信消息将在投诉人下次发消息后送达');
    else flash('已答复，请当面或书面告知投诉人');
    await refreshComplaints();
  });
}

function wireComplaints() {
  $('cmp-filters').addEventListener('change', refreshComplaints);
  $('cmp-new').addEventListener('submit', submitComplaint);
  $('complaints').addEventListener('submit', submitReply);
  $('cmp-reveal').addEventListener('click', () => { complaints.reveal = true; refreshComplaints(); });
}

document.addEventListener('DOMContentLoaded', wireComplaints);
