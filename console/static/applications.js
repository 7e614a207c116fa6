// The console's applications view (#/applications, #/a/<number>): the list with its filters and
// deadline colours, one application (its view and each photo are audited by the server), and the
// review forms. Runs after console.js and uses its helpers (api, el, fmtTime, withBusy, ...).
// All data is rendered with textContent / text nodes, never innerHTML.
'use strict';

const APP_STATUSES = {
  submitted: '已提交', materials_incomplete: '待补材料', under_review: '审查中', approved: '已批准',
  rejected: '不予援助', assigned: '已指派', closed: '已结案', terminated: '已终止', withdrawn: '已撤回',
};
const MATERIALS = { id_card: '身份证', economic_proof: '经济困难证明', exemption_proof: '免予经济审查证明', case_materials: '案件材料', other: '其他（见补正通知）' };
const ECONOMIC_ROUTES = { not_required: '无需经济审查', exempt: '免予经济审查', proof: '提交经济困难证明', commitment: '个人诚信承诺（告知承诺制）' };
const GROUNDS = {
  income_changed: '经济状况变化，不再符合条件', other_counsel: '自行委托其他代理人', citizen_request: '受援人要求终止',
  illegal_use: '利用法律援助从事违法活动', concealed_facts: '隐瞒重要事实或提供虚假证据', other_by_law: '法律法规规定的其他情形',
};
const DEADLINES = { ok: '未到期', due_soon: '即将到期', breached: '已超期', none: '' };
const APP_ACTIONS = {
  started: '开始填写', submitted: '提交申请', materials_notice: '告知补正材料', materials_requested: '要求补正材料',
  materials_complete: '材料齐全', decided: '作出决定', status_changed: '变更状态', withdrawn: '撤回申请',
  decision_due_soon: '决定期限将至', decision_breached: '决定已超期',
};
const PARTICULARS = [
  ['name', '姓名'], ['id_number', '身份证号'], ['phone', '手机号'], ['description', '案情'],
  ['opposing_party', '对方当事人'], ['handled_in', '办理地'], ['exemption', '免审理由'],
];
Object.assign(ERRORS, {
  application_not_found: '该申请不存在', application_changed: '该申请已被其他工作人员处理，请查看最新状态',
  status_not_allowed: '当前状态不允许此操作', materials_already_requested: '已告知过补正材料，申请人发来新材料后才能再次告知',
});

const apps = { items: [], choices: null, number: null, current: null, seq: 0 };

// ---- routing -----------------------------------------------------------------------------------
// Called by console.js's route(): true when the hash belongs to this view.
function routeApplications(hash) {
  const mine = /^#\/(applications|a\/[A-Za-z0-9]+)$/.test(hash);
  $('queue-layout').hidden = mine;
  $('applications-layout').hidden = !mine;
  $('nav-queue').toggleAttribute('aria-current', !mine);
  $('nav-applications').toggleAttribute('aria-current', mine);
  if (!mine) return false;
  const m = /^#\/a\/([A-Za-z0-9]+)$/.exec(hash);
  refreshApplications();
  if (m) openApplication(m[1]); else closeApplication();
  return true;
}

// ---- the list ----------------------------------------------------------------------------------
async function refreshApplications() {
  const seq = ++apps.seq;
  const params = new URLSearchParams();
  for (const [key, id] of [['status', 'app-filter-status'], ['district', 'app-filter-district'], ['matter', 'app-filter-matter']]) {
    if ($(id).value) params.set(key, $(id).value);
  }
  try {
    const data = await api('GET', `/api/applications?${params}`);
    if (seq !== apps.seq) return;
    apps.items = data.items || [];
    if (!apps.choices && data.choices) { apps.choices = data.choices; renderChoices(); }
    renderApplications();
  } catch (err) {
    if (err.status !== 401) showError(err);
  }
}

function renderChoices() {
  const c = apps.choices;
  const options = (id, values) => $(id).append(...values.map(([v, t]) => el('option', { value: v, text: t })));
  options('app-filter-status', c.statuses.map((s) => [s, APP_STATUSES[s] || s]));
  options('app-filter-district', c.districts.map((d) => [d, d]));
  options('app-filter-matter', c.matters.map((m) => [m.code, m.name]));
  options('app-status-ground', c.termination_reasons.map((r) => [r, GROUNDS[r] || r]));
  $('app-request-kinds').append(...c.kinds.map((k) => el('label', {},
    el('input', { type: 'checkbox', name: 'app-kind', value: k }), ` ${MATERIALS[k] || k}`)));
}

function missingText(missing) {
  return (missing || []).length ? `缺：${missing.map((k) => MATERIALS[k] || k).join('、')}` : '';
}

function applicationNode(item) {
  const selected = item.number === apps.number;
  const li = el('li', {
    class: `queue-item application-item deadline-${item.deadline}${selected ? ' selected' : ''}`,
    dataset: { number: item.number },
  });
  li.append(el('button', { type: 'button', class: 'queue-open', 'aria-current': selected ? 'true' : null },
    el('span', { class: 'qi-top' },
      el('span', { class: 'qi-specialty', text: item.number }),
      el('span', { class: 'qi-kind app-status', text: APP_STATUSES[item.status] || item.status }),
      DEADLINES[item.deadline] ? el('span', { class: 'countdown app-deadline', text: DEADLINES[item.deadline] }) : null),
    el('span', { class: 'qi-who' },
      el('span', { text: item.matter_name || item.matter || '' }),
      el('span', { text: item.district || '' })),
    el('span', { class: 'qi-snippet', text: [`提交 ${fmtTime(item.submitted_at)}`, missingText(item.missing)].filter(Boolean).join(' · ') }),
    item.decision_due_at ? el('span', { class: 'qi-deadline', text: `决定期限 ${fmtTime(item.decision_due_at)}` }) : null));
  return li;
}

function renderApplications() {
  $('applications').replaceChildren(...apps.items.map(applicationNode));
  $('applications-empty').hidden = apps.items.length > 0;
}

// ---- one application ---------------------------------------------------------------------------
async function openApplication(number) {
  if (apps.number !== number) {
    apps.number = number;
    apps.current = null;
    hideAppPanels();
    for (const id of ['app-particulars', 'app-documents', 'app-history']) $(id).replaceChildren();
    $('app-title').textContent = `申请 ${number}`;
    $('app-meta').textContent = '加载中…';
  }
  $('application').hidden = false;
  $('application-empty').hidden = true;
  document.body.classList.add('conv-open');
  await loadApplication(number);
}

function closeApplication() {
  apps.number = null;
  apps.current = null;
  $('application').hidden = true;
  $('application-empty').hidden = false;
  document.body.classList.remove('conv-open');
}

async function loadApplication(number) {
  try {
    const data = await api('GET', `/api/applications/${encodeURIComponent(number)}`);
    if (number !== apps.number) return;
    apps.current = data;
    renderApplication(data);
    renderApplications();
  } catch (err) {
    if (err.status === 401) return;
    showError(err);
    if (err.status === 404 || err.status === 403) location.hash = '#/applications';
  }
}

function renderApplication(app) {
  $('app-title').textContent = `申请 ${app.number} · ${app.matter_name || app.matter || ''}`;
  $('app-meta').textContent = [APP_STATUSES[app.status] || app.status, app.district, `提交 ${fmtTime(app.submitted_at)}`,
    missingText(app.missing)].filter(Boolean).join(' · ');
  const box = $('app-deadline');
  box.classList.toggle('breached', app.deadline === 'breached');
  box.classList.toggle('due-soon', app.deadline === 'due_soon');
  box.textContent = app.decision_due_at ? `决定期限 ${fmtTime(app.decision_due_at)} ${DEADLINES[app.deadline] || ''}` : '决定期限未开始计算';
  renderParticulars(app);
  renderDocuments(app);
  renderHistory(app.history || []);
  const allowed = app.allowed || {};
  $('app-request').disabled = !allowed.request_materials;
  $('app-decide').disabled = !allowed.decide;
  $('app-status').disabled = !(allowed.statuses || []).length;
  $('app-status-select').replaceChildren(...(allowed.statuses || []).map((s) => el('option', { value: s, text: APP_STATUSES[s] || s })));
  showGroundIfTerminating();
}

function renderParticulars(app) {
  const p = app.particulars || {};
  const nodes = [];
  for (const [key, label] of PARTICULARS) if (p[key]) nodes.push(el('dt', { text: label }), el('dd', { text: String(p[key]) }));
  nodes.push(el('dt', { text: '经济状况' }), el('dd', { text: ECONOMIC_ROUTES[app.economic_route] || app.economic_route || '' }));
  if (p.commitment && p.commitment.signed_at) {
    nodes.push(el('dt', { text: '诚信承诺' }), el('dd', { text: `${fmtTime(p.commitment.signed_at)} 签署（文本版本 ${p.commitment.version || ''}）` }));
  }
  const decision = p.screening && p.screening.decision;
  if (decision && decision.decision) nodes.push(el('dt', { text: '资格审查' }), el('dd', { text: DECISIONS[decision.decision] || decision.decision }));
  $('app-particulars').replaceChildren(...nodes);
}

function renderDocuments(app) {
  const docs = app.documents || [];
  $('app-documents').replaceChildren(...(docs.length ? docs.map((d) => {
    const caption = `${MATERIALS[d.kind] || '未分类'} · ${fmtTime(d.received_at)}`;
    const body = !d.available ? el('span', { class: 'muted', text: '正在从微信下载…' })
      : /^image\//.test(d.content_type || '') ? el('img', { src: d.url, alt: caption, class: 'document-image', loading: 'lazy' })
        : el('a', { href: d.url, text: '下载文件' });
    return el('li', { class: 'document', dataset: { id: String(d.id) } }, el('span', { class: 'document-caption', text: caption }), body);
  }) : [el('li', { class: 'muted', text: '暂无材料' })]));
}

function actorName(actor) {
  if (!actor) return '';
  if (actor.startsWith('consultant:')) return `工作人员 #${actor.slice(11)}`;
  return { citizen: '申请人', bot: '机器人', scheduler: '系统' }[actor] || actor;
}

function renderHistory(events) {
  $('app-history').replaceChildren(...events.map((e) => {
    const move = e.to_status && e.to_status !== e.from_status ? `→ ${APP_STATUSES[e.to_status] || e.to_status}` : '';
    const reason = e.reason ? `：${GROUNDS[e.reason] || e.reason}` : '';
    return el('li', { class: `history-${e.action}` },
      el('span', { class: 'msg-meta', text: `${fmtTime(e.at)} · ${actorName(e.actor)}` }),
      el('span', { class: 'msg-text', text: `${APP_ACTIONS[e.action] || e.action} ${move}${reason}` }));
  }));
}

// ---- forms -------------------------------------------------------------------------------------
const APP_PANELS = { 'app-request': 'app-request-form', 'app-decide': 'app-decide-form', 'app-status': 'app-status-form' };

function hideAppPanels() {
  for (const [btn, form] of Object.entries(APP_PANELS)) { $(form).hidden = true; $(btn).setAttribute('aria-expanded', 'false'); }
}

function toggleAppPanel(btnId) {
  const form = $(APP_PANELS[btnId]);
  const show = form.hidden;
  hideAppPanels();
  if (!show) return;
  form.hidden = false;
  $(btnId).setAttribute('aria-expanded', 'true');
}

function showGroundIfTerminating() {
  const terminating = $('app-status-select').value === 'terminated';
  $('app-status-ground').hidden = !terminating;
  $('app-status-ground-label').hidden = !terminating;
  $('app-status-reason').hidden = terminating;
  $('app-status-reason-label').hidden = terminating;
}

async function reviewAction(path, body, button, done) {
  const number = apps.number;
  if (!number) return;
  await withBusy(button, async () => {
    const data = await api('POST', `/api/applications/${encodeURIComponent(number)}/${path}`, body);
    clearAlert();
    hideAppPanels();
    done();
    flash(data.delivery === 'sent' ? '已通知申请人' : '已保存，通知将在申请人下次留言后送达');
    await loadApplication(number);
    refreshApplications();
  });
}

function submitRequest(ev) {
  ev.preventDefault();
  const kinds = [...document.querySelectorAll('input[name="app-kind"]:checked')].map((i) => i.value);
  const lines = $('app-request-text').value.split('\n').map((l) => l.trim()).filter(Boolean);
  if (!kinds.length && !lines.length) { showAlert('请选择或填写需要补正的材料'); return; }
  reviewAction('request-materials', { items: [...kinds, ...lines] }, $('app-request-submit'), () => $('app-request-form').reset());
}

function submitDecision(ev) {
  ev.preventDefault();
  const approve = $('app-approve').checked;
  const reject = $('app-reject').checked;
  const reason = $('app-decide-reason').value.trim();
  if (!approve && !reject) { showAlert('请选择给予或不予法律援助'); return; }
  if (reject && !reason) { showAlert('不予法律援助须填写理由'); $('app-decide-reason').focus(); return; }
  const body = reason ? { approved: approve, reason } : { approved: approve };
  reviewAction('decision', body, $('app-decide-submit'), () => $('app-decide-form').reset());
}

function submitStatus(ev) {
  ev.preventDefault();
  const status = $('app-status-select').value;
  const reason = status === 'terminated' ? $('app-status-ground').value : $('app-status-reason').value.trim();
  if (!status) return;
  if (status === 'withdrawn' && !reason) { showAlert('撤回须填写理由'); $('app-status-reason').focus(); return; }
  const body = reason ? { status, reason } : { status };
  reviewAction('status', body, $('app-status-submit'), () => { $('app-status-reason').value = ''; });
}

function wireApplications() {
  $('app-filters').addEventListener('change', refreshApplications);
  $('applications').addEventListener('click', (ev) => {
    const li = ev.target.closest('.application-item');
    if (li) location.hash = `#/a/${li.dataset.number}`;
  });
  $('app-back').addEventListener('click', () => { location.hash = '#/applications'; });
  for (const btnId of Object.keys(APP_PANELS)) $(btnId).addEventListener('click', () => toggleAppPanel(btnId));
  for (const cancel of document.querySelectorAll('#applications-layout .panel-cancel')) cancel.addEventListener('click', hideAppPanels);
  $('app-request-form').addEventListener('submit', submitRequest);
  $('app-decide-form').addEventListener('submit', submitDecision);
  $('app-status-form').addEventListener('submit', submitStatus);
  $('app-status-select').addEventListener('change', showGroundIfTerminating);
  // The list's colours follow the clock between the server's sweeps.
  setInterval(() => { if (!$('applications-layout').hidden && state.me) refreshApplications(); }, 60000);
}

document.addEventListener('DOMContentLoaded', wireApplications);
