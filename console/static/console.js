// Consultant console for the legal-aid handoff queue. Vanilla ES2020, no dependencies.
// All data is rendered with textContent / text nodes, never innerHTML.
'use strict';

// ---- labels ---------------------------------------------------------------------------------
const REASONS = {
  request_human: '市民要求人工', complain: '投诉', needs_review: '资格需人工审核',
  nlu_fallback: '机器人未听懂', nlu_unavailable: '机器人故障', consult_wants_human: '咨询后要求人工',
};
const KINDS = { online: '在线咨询', message: '留言咨询' };
const STATUSES = { open: '待认领', claimed: '处理中', closed: '已结束' };
const OUTCOMES = { a: '引导申请法律援助', b: '不符合条件，已给法律建议', c: '非法律问题，已告知咨询渠道' };
const ROLES = { consultant: '咨询员', supervisor: '主管', admin: '管理员' };
const AUTHORS = { citizen: '市民', bot: '机器人', consultant: '咨询员' };
const DECISIONS = { eligible: '符合条件', ineligible: '不符合条件', needs_more_info: '需补充信息', needs_review: '需人工审核' };
// What the citizen asked about, in the consultant's words (never the NLU's codes).
const INTENTS = {
  ask_eligibility: '能否申请法律援助', apply_legal_aid: '申请法律援助', ask_materials: '申请材料',
  ask_progress: '办理进度', ask_office_info: '办公地点和时间', request_human: '要求人工',
  complain: '投诉', help: '使用帮助', out_of_scope: '非法律问题',
};
const ROUTES = { apply: '可申请法律援助', notify_assignment: '通知指派', legal_advice: '提供法律建议', staff_review: '工作人员审核' };
const MEDIA = { image: '图片', voice: '语音', video: '视频', shortvideo: '视频', location: '位置', link: '链接', file: '文件' };
const ERRORS = {
  not_found: '该咨询不存在或您无权查看', not_allowed: '您无权执行此操作',
  already_claimed: '该咨询已被其他咨询员认领', handoff_closed: '该咨询已结束',
  unknown_specialty: '未知的专业分组', invalid_input: '输入有误', network: '无法连接服务器，请检查网络',
};
const FIELD_INPUTS = {
  at: 'appointment-at', outcome: 'close-outcome', specialty: 'transfer-specialty',
  consultant: 'transfer-consultant', note: null, text: null,
};
const HOUR = 3600 * 1000;

// ---- state ----------------------------------------------------------------------------------
const state = {
  csrf: null,
  me: null,               // {username, role, specialties}
  tab: 'open',
  items: [],              // current queue
  current: null,          // the open handoff (with transcript)
  currentId: null,
  specialties: [],
  knowledge: [],
  notices: [],
  drafts: {},             // handoff id -> unsent reply text
  revealId: null,         // the handoff whose phone/ID numbers the consultant opened (audited)
  replySel: null,         // last caret position in the reply box
  stream: null,
  timers: [],
  refreshTimer: null,
  pendingConv: false,
  seq: { queue: 0, conv: 0 },
};

const $ = (id) => document.getElementById(id);

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v == null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c != null && c !== false) node.append(c); // strings become text nodes
  return node;
}

// How a closed item ended, for the 已结束 tab.
const ENDED = { citizen: '市民已取消', bot: '已退回机器人', consultant: '已结束咨询' };

// ---- time -----------------------------------------------------------------------------------
const pad = (n) => String(n).padStart(2, '0');
// Milliseconds since the epoch, or NaN; extra fractional digits (Python's microseconds) are cut.
const parseTime = (iso) => (iso ? Date.parse(String(iso).replace(/(\.\d{3})\d+/, '$1')) : NaN);

// The center works in Beijing time (no daylight saving): show and enter every time in it, so the
// console says the same deadline the citizen was told, whatever the browser's own zone.
const BEIJING_OFFSET = 8 * 3600 * 1000;
const beijing = (ms) => new Date(ms + BEIJING_OFFSET); // read with the getUTC* methods

function fmtTime(iso) {
  if (!iso) return '';
  const ms = parseTime(iso);
  if (Number.isNaN(ms)) return '';
  const d = beijing(ms);
  const year = d.getUTCFullYear() !== beijing(Date.now()).getUTCFullYear() ? `${d.getUTCFullYear()}年` : '';
  return `${year}${d.getUTCMonth() + 1}月${d.getUTCDate()}日 ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

function fmtSpan(ms) {
  const mins = Math.floor(ms / 60000);
  if (mins < 1) return `${Math.max(0, Math.floor(ms / 1000))}秒`;
  const days = Math.floor(mins / 1440);
  const hours = Math.floor((mins % 1440) / 60);
  if (days > 0) return `${days}天${hours}小时`;
  if (hours > 0) return `${hours}小时${mins % 60}分`;
  return `${mins}分`;
}

// A moment -> the value of a datetime-local input, in Beijing time.
function toBeijingInput(ms) {
  const d = beijing(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

// ---- API ------------------------------------------------------------------------------------
class ApiError extends Error {
  constructor(status, data) {
    super((data && data.message) || `HTTP ${status}`);
    this.status = status;
    this.code = (data && data.error) || null;
    this.field = (data && data.field) || null;
    this.data = data || {};
  }
}

async function api(method, path, body, retried = false) {
  const opts = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (method !== 'GET') {
    opts.headers['Content-Type'] = 'application/json';
    if (state.csrf) opts.headers['X-CSRF-Token'] = state.csrf;
    opts.body = JSON.stringify(body ?? {});
  }
  let res;
  try {
    res = await fetch(path, opts);
  } catch (e) {
    throw new ApiError(0, { error: 'network', message: ERRORS.network });
  }
  let data = null;
  try { data = JSON.parse(await res.text()); } catch (e) { data = null; }
  if (data && typeof data.csrf_token === 'string') state.csrf = data.csrf_token;
  if (res.ok) return data || {};
  // A stale CSRF token: fetch a fresh one once and retry.
  if (res.status === 403 && !retried && /csrf/i.test((data && data.error) || '')) {
    try { await api('GET', '/api/session'); } catch (e) { /* handled below */ }
    return api(method, path, body, true);
  }
  const err = new ApiError(res.status, data);
  if (res.status === 429 && err.data.retry_after == null) err.data.retry_after = res.headers.get('Retry-After');
  if (res.status === 401 && path !== '/api/session') sessionExpired();
  throw err;
}

function errorText(err) {
  const msg = err.message || '';
  if (/[\u4e00-\u9fff]/.test(msg)) return msg; // the server already speaks Chinese
  const zh = ERRORS[err.code];
  if (zh && err.code === 'invalid_input' && msg) return `${zh}：${msg}`;
  if (zh) return zh;
  if (err.status === 401) return '登录已过期，请重新登录';
  return msg ? `操作失败：${msg}` : `操作失败（HTTP ${err.status}）`;
}

// ---- alerts & status --------------------------------------------------------------------------
function showAlert(text) { $('alert-text').textContent = text; $('alert').hidden = false; }
function clearAlert() { $('alert').hidden = true; $('alert-text').textContent = ''; }

function showError(err) {
  if (!(err instanceof ApiError)) console.error(err); // eslint-disable-line no-console
  showAlert(err instanceof ApiError ? errorText(err) : '页面出错，请刷新后重试');
  const inputId = err instanceof ApiError && FIELD_INPUTS[err.field];
  if (inputId && $(inputId)) { $(inputId).setAttribute('aria-invalid', 'true'); $(inputId).focus(); }
}

let statusTimer = null;
function flash(text) {
  $('status').textContent = text;
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => { $('status').textContent = ''; }, 4000);
}

async function withBusy(button, fn) {
  if (button) button.disabled = true;
  try { return await fn(); } catch (err) { showError(err); return undefined; } finally {
    if (button) button.disabled = false;
    if (state.current) applyAllowed(state.current); // restore allowed-driven disabling
  }
}

// ---- session --------------------------------------------------------------------------------
function showLogin(message = '') {
  $('main-view').hidden = true;
  $('login-view').hidden = false;
  $('login-error').textContent = message;
  $('password').value = '';
  $('username').focus();
}

async function login(ev) {
  ev.preventDefault();
  const username = $('username').value.trim();
  const password = $('password').value;
  if (!username || !password) { $('login-error').textContent = '请输入用户名和密码'; return; }
  $('login-error').textContent = '';
  const btn = $('login-submit');
  btn.disabled = true;
  try {
    const data = await api('POST', '/api/session', { username, password });
    $('password').value = '';
    enterMain(data);
  } catch (err) {
    let text = '登录失败，请稍后再试';
    if (err.status === 401) text = '用户名或密码不正确';
    else if (err.status === 429) text = `尝试次数过多，请 ${Math.ceil(Number(err.data.retry_after) || 60)} 秒后再试`;
    else if (err.status === 0) text = ERRORS.network;
    $('login-error').textContent = text;
  } finally {
    btn.disabled = false;
  }
}

async function logout() {
  try { await api('DELETE', '/api/session'); } catch (e) { /* leave anyway */ }
  teardown();
  state.csrf = null;
  showLogin();
}

function sessionExpired() {
  if (!state.me) return;
  teardown();
  showLogin('登录已过期，请重新登录');
}

function teardown() {
  stopStream();
  $('live-status').textContent = '连接中…';
  $('live-status').classList.remove('offline');
  state.timers.forEach(clearInterval);
  state.timers = [];
  clearTimeout(state.refreshTimer);
  Object.assign(state, { me: null, items: [], current: null, currentId: null, notices: [], drafts: {} });
  $('conversation').hidden = true;
  $('conversation-empty').hidden = false;
  document.body.classList.remove('conv-open');
  if (location.hash) history.replaceState(null, '', location.pathname + location.search);
}

function enterMain(data) {
  state.me = data.consultant || {};
  $('me').textContent = `${state.me.username || ''} · ${ROLES[state.me.role] || state.me.role || ''}`;
  $('login-view').hidden = true;
  $('main-view').hidden = false;
  clearAlert();
  selectTab(state.tab, false);
  loadReferenceData();
  refreshQueue();
  refreshNotices();
  startStream();
  state.timers.push(setInterval(tick, 1000));
  state.timers.push(setInterval(() => { refreshQueue(); refreshNotices(); }, 60000));
  route();
}

async function loadReferenceData() {
  try {
    const [sp, kb] = await Promise.all([api('GET', '/api/specialties'), api('GET', '/api/knowledge')]);
    state.specialties = sp.items || [];
    state.knowledge = kb.items || [];
    renderSpecialtyOptions();
    renderKnowledgeOptions();
    if (state.current) renderConversation(state.current);
  } catch (err) { showError(err); }
}

// ---- live updates ---------------------------------------------------------------------------
function setLive(ok) {
  $('live-status').textContent = ok ? '实时更新' : '正在重连…';
  $('live-status').classList.toggle('offline', !ok);
}

function startStream() {
  stopStream();
  const es = new EventSource('/api/handoffs/stream');
  state.stream = es;
  let dropped = false;
  es.onopen = () => {
    setLive(true);
    // Catch up on what changed before the stream was subscribed: after a drop, and also on the
    // first open (a change between the first queue read and the subscription would otherwise
    // wait for the next poll).
    scheduleRefresh(dropped ? state.currentId : null);
    dropped = false;
  };
  es.onerror = () => {
    setLive(false);
    dropped = true;
    if (es.readyState === EventSource.CLOSED) { // the server refused: check the session, then retry
      state.streamRetry = setTimeout(async () => {
        try { await api('GET', '/api/session'); if (state.me) startStream(); } catch (err) {
          if (err.status === 401) sessionExpired(); else if (state.me) startStream();
        }
      }, 5000);
    }
  };
  es.addEventListener('handoff', (ev) => {
    let data;
    try { data = JSON.parse(ev.data); } catch (e) { return; }
    scheduleRefresh(data && data.handoff_id);
  });
}

function stopStream() {
  clearTimeout(state.streamRetry);
  if (state.stream) state.stream.close();
  state.stream = null;
}

function scheduleRefresh(handoffId) {
  if (handoffId != null && handoffId === state.currentId) state.pendingConv = true;
  clearTimeout(state.refreshTimer);
  state.refreshTimer = setTimeout(() => {
    refreshQueue();
    refreshNotices();
    if (state.pendingConv && state.currentId != null) loadConversation(state.currentId, true);
    state.pendingConv = false;
  }, 200);
}

// ---- deadlines ------------------------------------------------------------------------------
// An item's deadline state: closed; answered (no reply is due: the consultant answered and the
// citizen has not written since); or live (counting down to deadline_at: the first reply, the
// next one after the citizen wrote again, or an appointment).
function deadlineInfo(item) {
  if (item.status === 'closed') return { mode: 'closed' };
  if (!item.deadline_running) return { mode: 'answered' };
  return { mode: 'live', at: item.deadline_at, breached: !!item.breached };
}

function countdownNode(item) {
  const info = deadlineInfo(item);
  const late = item.breached ? '（曾超时）' : '';
  if (info.mode === 'closed') return el('span', { class: 'countdown done', text: `已结束 ${fmtTime(item.closed_at)}${late}` });
  if (info.mode === 'answered') return el('span', { class: 'countdown done', text: `已答复${late}` });
  return el('span', { class: 'countdown', dataset: { deadline: info.at || '', breached: info.breached ? '1' : '' } });
}

function updateCountdown(node) {
  const host = node.closest('[data-deadline-host]');
  const ms = parseTime(node.dataset.deadline) - Date.now();
  if (Number.isNaN(ms)) { node.textContent = ''; return; }
  const over = ms <= 0;
  node.textContent = over ? `已超时 ${fmtSpan(-ms)}` : `剩余 ${fmtSpan(ms)}`;
  if (host) {
    const red = over || node.dataset.breached === '1';
    host.classList.toggle('breached', red);
    host.classList.toggle('due-soon', !red && ms < HOUR);
  }
}

function tick() {
  document.querySelectorAll('.countdown[data-deadline]').forEach(updateCountdown);
}

// ---- queue ----------------------------------------------------------------------------------
function selectTab(status, reload = true) {
  state.tab = status;
  for (const btn of document.querySelectorAll('.tabs [role="tab"]')) {
    const on = btn.dataset.status === status;
    btn.setAttribute('aria-selected', String(on));
  }
  if (reload) { state.items = []; renderQueue(); refreshQueue(); }
}

async function refreshQueue() {
  if (!state.me) return;
  const seq = ++state.seq.queue;
  const tab = state.tab;
  try {
    const data = await api('GET', `/api/handoffs?status=${encodeURIComponent(tab)}`);
    if (seq !== state.seq.queue || tab !== state.tab) return; // a newer request won
    state.items = sortItems(data.items || [], tab);
    renderQueue();
  } catch (err) {
    if (err.status !== 401) showError(err);
  }
}

function sortItems(items, tab) {
  const key = (iso) => parseTime(iso) || 0;
  if (tab === 'closed') return items.slice().sort((a, b) => key(b.closed_at) - key(a.closed_at));
  return items.slice().sort((a, b) => key(a.deadline_at) - key(b.deadline_at) || a.id - b.id);
}

const specialtyName = (item) => item.specialty_name ||
  (state.specialties.find((s) => s.code === item.specialty) || {}).name || item.specialty || '';

function snippet(text, max = 40) {
  const flat = String(text || '').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

function queueItemNode(item) {
  const last = item.last_message;
  const lastText = last ? `${AUTHORS[last.author] || last.author}：${snippet(last.text)}` : '（暂无消息）';
  const selected = item.id === state.currentId;
  const li = el('li', {
    class: `queue-item${selected ? ' selected' : ''}${item.breached ? ' breached' : ''}`,
    dataset: { id: String(item.id) }, 'data-deadline-host': true,
  });
  const btn = el('button', { type: 'button', class: 'queue-open', 'aria-current': selected ? 'true' : null },
    el('span', { class: 'qi-top' },
      el('span', { class: 'qi-specialty', text: specialtyName(item) }),
      el('span', { class: 'qi-kind', text: KINDS[item.kind] || item.kind || '' }),
      item.awaiting_reply && item.first_reply_at && item.status !== 'closed' ? el('span', { class: 'qi-new', text: '新消息' }) : null,
      countdownNode(item)),
    el('span', { class: 'qi-who' },
      el('span', { class: 'qi-citizen', text: `市民 ${item.citizen || ''}` }),
      el('span', { class: 'qi-assignee', text: item.assignee ? `处理人 ${item.assignee}` : '未认领' }),
      item.status === 'closed' && ENDED[item.ended_by] ? el('span', { class: 'qi-ended', text: ENDED[item.ended_by] }) : null),
    el('span', { class: 'qi-snippet', text: lastText }),
    item.status !== 'closed' ? el('span', { class: 'qi-deadline', text: `截止 ${fmtTime(item.deadline_at)}` }) : null);
  li.append(btn);
  return li;
}

function renderQueue() {
  const list = $('queue');
  const focused = document.activeElement && document.activeElement.closest && document.activeElement.closest('.queue-item');
  const focusId = focused ? focused.dataset.id : null;
  list.replaceChildren(...state.items.map(queueItemNode));
  $('queue-empty').hidden = state.items.length > 0;
  tick();
  if (focusId) {
    const again = list.querySelector(`.queue-item[data-id="${CSS.escape(focusId)}"] button`);
    if (again) again.focus();
  }
}

// ---- notices --------------------------------------------------------------------------------
async function refreshNotices() {
  if (!state.me) return;
  try {
    const data = await api('GET', '/api/notices');
    state.notices = (data.items || []).slice().sort((a, b) => (parseTime(b.at) || 0) - (parseTime(a.at) || 0));
    renderNotices();
  } catch (err) {
    if (err.status !== 401) showError(err);
  }
}

function renderNotices() {
  const unread = state.notices.filter((n) => !n.read).length;
  $('notices-count').textContent = String(unread);
  $('notices-count').hidden = unread === 0;
  $('notices').setAttribute('aria-label', `通知，${unread} 条未读`);
  $('notices-list').replaceChildren(...state.notices.map((n) => {
    const what = n.kind === 'breached' ? '已超过答复时限' : n.kind === 'reminder' ? '即将到期，请尽快答复' : n.kind;
    return el('li', { class: `notice notice-${n.kind}${n.read ? '' : ' unread'}` },
      el('a', { href: `#/h/${n.handoff_id}`, dataset: { id: String(n.handoff_id) } },
        el('span', { class: 'notice-text', text: `咨询 #${n.handoff_id} ${what}` }),
        el('span', { class: 'notice-time', text: fmtTime(n.at) })));
  }));
  $('notices-empty').hidden = state.notices.length > 0;
}

function toggleNotices(open) {
  const panel = $('notices-panel');
  const show = open ?? panel.hidden;
  panel.hidden = !show;
  $('notices').setAttribute('aria-expanded', String(show));
  if (show) refreshNotices();
}

// ---- routing (#/h/<id>) ---------------------------------------------------------------------
function route() {
  if (!state.me) return;
  // #/records... belong to the records view (records.js), #/dashboard to the dashboard
  // (dashboard.js), #/users... and #/audit to admin.js, #/complaints to complaints.js,
  // #/applications and #/a/<number> to the applications view (applications.js). Records, the
  // dashboard and admin.js hide every other layout.
  if (routeRecords(location.hash)) { closeConversation(); return; }
  if (routeDashboard(location.hash)) { closeConversation(); return; }
  if (routeAdmin(location.hash)) { closeConversation(); return; }
  const elsewhere = routeApplications(location.hash);
  if (routeComplaints(location.hash) || elsewhere) { closeConversation(); return; }
  const m = /^#\/h\/(\d+)$/.exec(location.hash);
  if (m) openConversation(Number(m[1]));
  else closeConversation();
}

function openConversation(id) {
  if (state.currentId !== id) {
    saveDraft();
    state.currentId = id;
    state.revealId = null;
    state.current = null;
    state.replySel = null;
    $('reply-text').value = state.drafts[id] || '';
    $('note-text').value = '';
    hidePanels();
    $('transcript').replaceChildren();
    $('packet').replaceChildren();
    $('conv-title').textContent = `咨询 #${id}`;
    $('conv-meta').textContent = '加载中…';
  }
  $('conversation').hidden = false;
  $('conversation-empty').hidden = true;
  document.body.classList.add('conv-open');
  markSelected();
  loadConversation(id, false);
  if (window.matchMedia('(max-width: 719px)').matches) window.scrollTo(0, 0);
}

function closeConversation() {
  saveDraft();
  state.currentId = null;
  state.current = null;
  $('conversation').hidden = true;
  $('conversation-empty').hidden = false;
  document.body.classList.remove('conv-open');
  markSelected();
}

function markSelected() {
  for (const li of document.querySelectorAll('#queue .queue-item')) {
    const on = Number(li.dataset.id) === state.currentId;
    li.classList.toggle('selected', on);
    const b = li.querySelector('button');
    if (on) b.setAttribute('aria-current', 'true'); else b.removeAttribute('aria-current');
  }
}

function saveDraft() {
  if (state.currentId == null) return;
  const text = $('reply-text').value;
  if (text) state.drafts[state.currentId] = text; else delete state.drafts[state.currentId];
}

async function loadConversation(id, quiet) {
  const seq = ++state.seq.conv;
  try {
    const reveal = state.revealId === id ? '?reveal=true' : '';
    const data = await api('GET', `/api/handoffs/${id}${reveal}`);
    if (seq !== state.seq.conv || id !== state.currentId) return;
    renderConversation(data);
  } catch (err) {
    if (seq !== state.seq.conv || id !== state.currentId || err.status === 401) return;
    showError(err);
    if (err.status === 403 || err.status === 404) location.hash = '#/';
    else if (!quiet) $('conv-meta').textContent = '加载失败';
  }
}

// ---- conversation ---------------------------------------------------------------------------
function renderConversation(item) {
  if (item.id !== state.currentId) return;
  state.current = item;
  $('conv-title').textContent = `咨询 #${item.id} · ${specialtyName(item)} · ${KINDS[item.kind] || item.kind || ''}`;
  const bits = [`市民 ${item.citizen || ''}`, STATUSES[item.status] || item.status,
    item.assignee ? `处理人 ${item.assignee}` : '未认领'];
  if (item.appointment_at) bits.push(`约定答复 ${fmtTime(item.appointment_at)}`);
  if (item.outcome) bits.push(`结果：${OUTCOMES[item.outcome] || item.outcome}${item.outcome_note ? `（${item.outcome_note}）` : ''}`);
  $('conv-meta').textContent = bits.join(' · ');
  $('reveal').hidden = !item.masked;
  renderDeadline(item);
  renderPacket(item);
  renderTranscript(item.transcript || []);
  renderNotes(item.notes || []);
  applyAllowed(item);
}

function renderDeadline(item) {
  const box = $('conv-deadline');
  box.classList.remove('due-soon');
  box.classList.toggle('breached', !!item.breached);
  const info = deadlineInfo(item);
  const parts = [];
  if (info.mode === 'live') parts.push(el('span', { class: 'deadline-abs', text: `截止 ${fmtTime(item.deadline_at)}` }), ' ');
  parts.push(countdownNode(item));
  if (item.breached && item.breached_at) parts.push(el('span', { class: 'breached-at', text: `（${fmtTime(item.breached_at)} 超时）` }));
  box.replaceChildren(...parts);
  tick();
}

function intentName(intent) {
  if (!intent) return '';
  const kb = state.knowledge.find((k) => k.key === `consult.${intent}`);
  return kb ? kb.title : (INTENTS[intent] || '其他');
}

function screeningNode(s) {
  const d = s && typeof s.decision === 'object' ? s.decision : s; // {case, decision} or a bare decision
  if (!d || typeof d !== 'object' || !d.decision) return null;
  const line = [DECISIONS[d.decision] || d.decision, ROUTES[d.route]].filter(Boolean).join(' · ');
  const missing = (d.missing || []).length ? `；待补充：${d.missing.join('、')}` : '';
  const why = (d.reasons || []).map((r) => r.text).filter(Boolean).join(' ');
  return el('span', { class: `screening screening-${d.decision}`, title: why || null, text: line + missing });
}

function renderPacket(item) {
  const p = item.packet || {};
  const reason = p.reason || item.reason;
  const rows = [
    ['原因', REASONS[reason] || reason || ''],
    ['意图', intentName(p.intent)],
    ['摘要', p.summary || ''],
  ];
  const nodes = [];
  for (const [k, v] of rows) if (v) nodes.push(el('dt', { text: k }), el('dd', { text: v }));
  const scr = screeningNode(p.screening);
  if (scr) nodes.push(el('dt', { text: '资格审查' }), el('dd', {}, scr));
  $('packet').replaceChildren(...nodes);
}

function deliveryNode(d) {
  if (!d) return null;
  let text; let cls;
  // `passive`: carried by the reply to WeChat's own request, so delivered like `sent`.
  if (d.status === 'sent' || d.status === 'passive') { text = `已送达${d.delivered_at ? ` ${fmtTime(d.delivered_at)}` : ''}`; cls = 'delivery-sent'; }
  else if (d.status === 'held') {
    text = '未送达（超出48小时，已保留，市民回复后送达）';
    if (d.notice_at) text += ` · 通知于 ${fmtTime(d.notice_at)}`;
    cls = 'delivery-held';
  } else { text = '发送中'; cls = 'delivery-pending'; }
  if (d.errcode && cls !== 'delivery-sent') text += `（错误码 ${d.errcode}）`;
  return el('span', { class: `msg-delivery ${cls}`, text });
}

function renderTranscript(messages) {
  const list = $('transcript');
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 60 || !list.childElementCount;
  list.replaceChildren(...messages.map((m) => {
    const author = m.author || (m.direction === 'in' ? 'citizen' : 'bot');
    const who = author === 'consultant' ? `咨询员 ${m.consultant || ''}`.trim() : AUTHORS[author] || author;
    const text = m.text != null && m.text !== '' ? m.text : `[${MEDIA[m.kind] || m.kind || '消息'}]`;
    return el('li', { class: `msg msg-${author} msg-${m.direction === 'in' ? 'in' : 'out'}`, dataset: { id: String(m.id) } },
      el('span', { class: 'msg-meta' }, el('span', { class: 'msg-author', text: who }), ' ',
        el('time', { datetime: m.at || '', text: fmtTime(m.at) })),
      el('span', { class: 'msg-text', text }),
      deliveryNode(m.delivery));
  }));
  if (!messages.length) list.append(el('li', { class: 'muted', text: '暂无对话' }));
  if (nearBottom) list.scrollTop = list.scrollHeight;
}

function renderNotes(notes) {
  $('notes').replaceChildren(...(notes.length ? notes.map((n) => el('li', { class: 'note' },
    el('span', { class: 'note-meta', text: `${n.by || ''} · ${fmtTime(n.at)}` }),
    el('span', { class: 'note-text', text: n.text || '' }))) : [el('li', { class: 'muted', text: '暂无备注' })]));
}

function applyAllowed(item) {
  const allowed = item.allowed || {};
  const act = !!allowed.act;
  $('claim').disabled = !allowed.claim;
  $('claim').textContent = item.status === 'claimed' && item.assignee && state.me && item.assignee !== state.me.username
    ? '接管' : '认领';
  for (const id of ['transfer', 'appointment', 'return-to-bot', 'close', 'send-reply', 'knowledge', 'reply-text',
    'transfer-submit', 'appointment-submit', 'return-submit', 'close-submit']) $(id).disabled = !act;
  if (!act) hidePanels();
}

// ---- action panels --------------------------------------------------------------------------
const PANELS = { transfer: 'transfer-form', appointment: 'appointment-form', 'return-to-bot': 'return-form', close: 'close-form' };

function hidePanels() {
  for (const [btn, form] of Object.entries(PANELS)) { $(form).hidden = true; $(btn).setAttribute('aria-expanded', 'false'); }
}

function togglePanel(btnId) {
  const form = $(PANELS[btnId]);
  const show = form.hidden;
  hidePanels();
  if (!show) return;
  form.hidden = false;
  $(btnId).setAttribute('aria-expanded', 'true');
  form.querySelectorAll('[aria-invalid]').forEach((n) => n.removeAttribute('aria-invalid'));
  if (btnId === 'appointment') {
    const min = new Date(Date.now() + 60000);
    $('appointment-at').min = toBeijingInput(min.getTime());
    if (!$('appointment-at').value) $('appointment-at').value = toBeijingInput(Date.now() + 24 * HOUR);
  }
  const first = form.querySelector('select, input, textarea, button[type="submit"]');
  if (first) first.focus();
}

// Post an action for the open handoff, then render the updated item.
async function act(path, body, button, done) {
  const id = state.currentId;
  if (id == null) return;
  await withBusy(button, async () => {
    const data = await api('POST', `/api/handoffs/${id}/${path}`, body);
    clearAlert();
    if (done) done();
    if (data && data.moved) { // e.g. transferred to a queue this consultant cannot read
      flash('该咨询已移出您的队列');
      if (state.currentId === id) location.hash = '#/';
    } else if (data && data.id === state.currentId && Array.isArray(data.transcript)) renderConversation(data);
    else loadConversation(id, true);
    scheduleRefresh(null);
  });
}

function submitTransfer(ev) {
  ev.preventDefault();
  const specialty = $('transfer-specialty').value;
  const consultant = $('transfer-consultant').value.trim();
  const note = $('transfer-note').value.trim();
  if (!specialty && !consultant) { showAlert('请选择专业或填写咨询员用户名'); $('transfer-specialty').focus(); return; }
  const body = {};
  if (specialty) body.specialty = specialty;
  if (consultant) body.consultant = consultant;
  if (note) body.note = note;
  act('transfer', body, $('transfer-submit'), () => { $('transfer-form').reset(); hidePanels(); flash('已转交'); });
}

function submitAppointment(ev) {
  ev.preventDefault();
  const value = $('appointment-at').value;
  const iso = value ? `${value}:00+08:00` : ''; // the input is Beijing wall-clock time
  const at = iso ? new Date(iso) : null;
  if (!at || Number.isNaN(at.getTime())) { showAlert('请选择约定答复时间'); $('appointment-at').focus(); return; }
  if (at.getTime() <= Date.now()) { showAlert('约定答复时间须晚于现在'); $('appointment-at').focus(); return; }
  act('appointment', { at: iso }, $('appointment-submit'), () => {
    $('appointment-at').value = ''; hidePanels(); flash(`已约定 ${fmtTime(at.toISOString())} 答复`);
  });
}

function submitReturn(ev) {
  ev.preventDefault();
  act('return-to-bot', {}, $('return-submit'), () => { hidePanels(); flash('已退回机器人'); });
}

function submitClose(ev) {
  ev.preventDefault();
  const outcome = $('close-outcome').value;
  if (!outcome) { showAlert('请选择处理结果'); $('close-outcome').focus(); return; }
  const note = $('close-note').value.trim();
  const body = note ? { outcome, note } : { outcome };
  act('close', body, $('close-submit'), () => { $('close-form').reset(); hidePanels(); flash('咨询已结束'); });
}

function sendReply(ev) {
  if (ev) ev.preventDefault();
  const text = $('reply-text').value.trim();
  if (!text) { showAlert('请输入回复内容'); $('reply-text').focus(); return; }
  const id = state.currentId;
  act('messages', { text }, $('send-reply'), () => {
    if (state.currentId === id) $('reply-text').value = '';
    delete state.drafts[id];
    state.replySel = null;
    flash('回复已发送');
  });
}

function addNote() {
  const text = $('note-text').value.trim();
  if (!text) { showAlert('请输入备注内容'); $('note-text').focus(); return; }
  act('notes', { text }, $('add-note'), () => { $('note-text').value = ''; flash('备注已添加'); });
}

// ---- reference data -------------------------------------------------------------------------
function renderSpecialtyOptions() {
  $('transfer-specialty').replaceChildren(el('option', { value: '', text: '（不指定专业）' }),
    ...state.specialties.map((s) => el('option', { value: s.code, text: s.name || s.code })));
}

function renderKnowledgeOptions() {
  // Entries share a title when one specialty answers several topics: the answer's start tells them apart.
  const titles = state.knowledge.map((k) => k.title || k.key);
  const label = (k, i) => (titles.indexOf(titles[i]) !== titles.lastIndexOf(titles[i])
    ? `${titles[i]}：${snippet(k.text, 16)}` : titles[i]);
  $('knowledge').replaceChildren(el('option', { value: '', text: '选择知识库条目…' }),
    ...state.knowledge.map((k, i) => el('option', { value: String(i), text: label(k, i) })));
}

function insertKnowledge() {
  const select = $('knowledge');
  const entry = select.value === '' ? null : state.knowledge[Number(select.value)];
  select.value = '';
  if (!entry) return;
  const box = $('reply-text');
  const text = entry.text || '';
  if (state.replySel) {
    const start = Math.min(state.replySel.start, box.value.length);
    const end = Math.min(state.replySel.end, box.value.length);
    // At the end of what is typed, the answer starts its own line (as when nothing was selected).
    const sep = start === box.value.length && box.value && !box.value.endsWith('\n') ? '\n' : '';
    box.setRangeText(sep + text, start, end, 'end');
  } else {
    const sep = box.value && !box.value.endsWith('\n') ? '\n' : '';
    box.value += sep + text;
    box.selectionStart = box.selectionEnd = box.value.length;
  }
  state.replySel = { start: box.selectionStart, end: box.selectionEnd };
  box.focus();
}

// ---- wiring ---------------------------------------------------------------------------------
function wire() {
  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', logout);
  $('alert-close').addEventListener('click', clearAlert);
  $('notices').addEventListener('click', () => toggleNotices());
  $('notices-list').addEventListener('click', (ev) => { if (ev.target.closest('a')) toggleNotices(false); });
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && !$('notices-panel').hidden) { toggleNotices(false); $('notices').focus(); }
  });

  document.querySelector('.tabs').addEventListener('click', (ev) => {
    const tab = ev.target.closest('[role="tab"]');
    if (tab) selectTab(tab.dataset.status);
  });

  $('queue').addEventListener('click', (ev) => {
    const li = ev.target.closest('.queue-item');
    if (!li) return;
    const hash = `#/h/${li.dataset.id}`;
    if (location.hash === hash) openConversation(Number(li.dataset.id)); else location.hash = hash;
  });
  window.addEventListener('hashchange', route);
  $('back').addEventListener('click', () => { location.hash = '#/'; });
  $('reveal').addEventListener('click', () => { state.revealId = state.currentId; loadConversation(state.currentId); });

  $('claim').addEventListener('click', () => act('claim', {}, $('claim'), () => flash('已认领')));
  for (const btnId of Object.keys(PANELS)) $(btnId).addEventListener('click', () => togglePanel(btnId));
  for (const cancel of document.querySelectorAll('.panel-cancel')) cancel.addEventListener('click', hidePanels);
  $('transfer-form').addEventListener('submit', submitTransfer);
  $('appointment-form').addEventListener('submit', submitAppointment);
  $('return-form').addEventListener('submit', submitReturn);
  $('close-form').addEventListener('submit', submitClose);
  $('reply-form').addEventListener('submit', sendReply);
  $('add-note').addEventListener('click', addNote);
  $('knowledge').addEventListener('change', insertKnowledge);

  const reply = $('reply-text');
  reply.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) sendReply(ev);
  });
  const remember = () => { state.replySel = { start: reply.selectionStart, end: reply.selectionEnd }; };
  for (const type of ['blur', 'keyup', 'mouseup', 'input']) reply.addEventListener(type, remember);
  document.addEventListener('input', (ev) => { if (ev.target.removeAttribute) ev.target.removeAttribute('aria-invalid'); });
}

async function init() {
  wire();
  try {
    const data = await api('GET', '/api/session');
    enterMain(data);
  } catch (err) {
    showLogin(err.status === 401 ? '' : errorText(err));
  }
}

document.addEventListener('DOMContentLoaded', init);
