// The console's accounts view (#/users, #/users/new, #/users/<name>: admins) and audit view
// (#/audit: supervisors and admins). Runs after console.js and uses its helpers (api, el, $,
// fmtTime, withBusy, flash, showError, ...). All data is rendered with textContent / text nodes.
'use strict';

const AUDIT_ACTIONS = {
  list_handoffs: '查看咨询队列', view_handoff: '查看咨询', reveal_handoff: '查看完整号码',
  view_application: '查看申请', view_document: '查看申请材料',
  list_consultations: '查询咨询记录', view_consultation: '查看咨询记录', export_consultations: '导出咨询记录',
  annotate_consultation: '批注咨询记录', log_consultation: '登记电话/来访咨询',
  file_complaint: '登记投诉', reply_complaint: '答复投诉', view_quality_sample: '查看质检抽样', review_quality: '质检评分',
  view_audit: '查看审计日志', export_audit: '导出审计日志',
  create_account: '新建账号', disable_account: '停用账号', enable_account: '启用账号',
  reset_password: '重置密码', change_role: '修改角色和专业', anonymise_records: '匿名化过期记录',
};
const AUDIT_OBJECTS = {
  handoff: '咨询', consultation: '咨询记录', application: '申请', consultant: '账号', audit: '审计日志',
  complaint: '投诉', quality_week: '质检周',
};
Object.assign(ERRORS, {
  account_exists: '该用户名已存在', account_not_found: '该账号不存在',
  last_admin: '至少要保留一个启用的管理员账号，请先设置另一位管理员', role_not_allowed: '您的角色无权使用此功能',
  invalid_account: '账号信息不符合要求',
});
const ACCOUNT_FIELDS = { username: 'user-username', password: 'user-password', role: 'user-role' };
// What a refused account field needs, in the admin's words (the server names the field).
const ACCOUNT_HINTS = {
  username: '用户名为 1–64 个字符，不能有空格',
  password: '密码至少 8 个字符、含 5 种不同字符，不能与用户名相同，也不能是常见密码',
  role: '请选择角色', specialties: '请选择有效的专业队列',
};

// A refused account change: the field's hint, marked on its input; other failures as usual.
function accountProblem(err, inputs) {
  if (err instanceof ApiError && err.code === 'invalid_account' && ACCOUNT_HINTS[err.field]) {
    showAlert(ACCOUNT_HINTS[err.field]);
    if (inputs[err.field]) { $(inputs[err.field]).setAttribute('aria-invalid', 'true'); $(inputs[err.field]).focus(); }
    return;
  }
  throw err;
}

const admin = { accounts: [], selected: null, audit: [], next: null, seq: 0 };
const isAdmin = () => state.me && state.me.role === 'admin';
const oversees = () => state.me && (state.me.role === 'supervisor' || state.me.role === 'admin');

// ---- routing -----------------------------------------------------------------------------------
// Called by console.js's route() before the other views: true when the hash is one of ours.
function routeAdmin(hash) {
  $('nav-users').hidden = !isAdmin();
  $('nav-audit').hidden = !oversees();
  const users = /^#\/users(?:\/(.+))?$/.exec(hash);
  const audit = hash === '#/audit';
  const mine = (users && isAdmin()) || (audit && oversees()) ? (users ? 'users-layout' : 'audit-layout') : null;
  $('users-layout').hidden = mine !== 'users-layout';
  $('audit-layout').hidden = mine !== 'audit-layout';
  $('nav-users').toggleAttribute('aria-current', mine === 'users-layout');
  $('nav-audit').toggleAttribute('aria-current', mine === 'audit-layout');
  if (!mine) return false;
  for (const layout of document.querySelectorAll('#main-view > [id$="-layout"]')) layout.hidden = layout.id !== mine;
  for (const link of document.querySelectorAll('.views a')) {
    if (link.id !== 'nav-users' && link.id !== 'nav-audit') link.removeAttribute('aria-current');
  }
  if (users) showAccounts(users[1] ? decodeURIComponent(users[1]) : null); else refreshAudit(true);
  return true;
}

// ---- accounts ----------------------------------------------------------------------------------
async function showAccounts(which) {
  admin.selected = which === 'new' ? null : which;
  if (!(state.specialties || []).length) {
    try { state.specialties = (await api('GET', '/api/specialties')).items || []; } catch (err) { /* shown as codes */ }
  }
  await refreshAccounts();
  $('user-form').hidden = which !== 'new';
  $('user-detail').hidden = !admin.selected;
  $('users-empty').hidden = which === 'new' || !!admin.selected;
  if (which === 'new') { $('user-form').reset(); fillSpecialtyChecks('user-specialties', []); $('user-username').focus(); }
  if (admin.selected) renderAccount();
}

async function refreshAccounts() {
  try {
    admin.accounts = (await api('GET', '/api/users')).items || [];
  } catch (err) { if (err.status !== 401) showError(err); return; }
  $('users').replaceChildren(...admin.accounts.map((a) => {
    const selected = a.username === admin.selected;
    return el('li', { class: `queue-item account-item${selected ? ' selected' : ''}${a.active ? '' : ' disabled-account'}` },
      el('a', { class: 'queue-open', href: `#/users/${encodeURIComponent(a.username)}`, 'aria-current': selected ? 'true' : null },
        el('span', { class: 'qi-top' },
          el('span', { class: 'qi-specialty', text: a.username }),
          el('span', { class: 'qi-kind', text: ROLES[a.role] || a.role }),
          a.active ? null : el('span', { class: 'countdown', text: '已停用' })),
        el('span', { class: 'qi-who', text: specialtyNames(a.specialties) || '（无专业队列）' })));
  }));
}

function specialtyNames(codes) {
  const names = Object.fromEntries((state.specialties || []).map((s) => [s.code, s.name]));
  return (codes || []).map((c) => names[c] || c).join('、');
}

function fillSpecialtyChecks(id, chosen) {
  $(id).replaceChildren(el('legend', { text: '专业队列（咨询员和主管不选则为默认队列）' }),
    ...(state.specialties || []).map((s) => el('label', {},
      el('input', { type: 'checkbox', name: id, value: s.code, checked: chosen.includes(s.code) }), ` ${s.name}`)));
}

const checked = (id) => [...document.querySelectorAll(`#${id} input:checked`)].map((i) => i.value);

function renderAccount() {
  const a = admin.accounts.find((x) => x.username === admin.selected);
  if (!a) { $('user-detail').hidden = true; $('users-empty').hidden = false; return; }
  $('user-title').textContent = a.username;
  $('user-meta').textContent = [ROLES[a.role] || a.role, a.active ? '已启用' : '已停用', `创建于 ${fmtTime(a.created_at)}`].join(' · ');
  $('user-queues').textContent = specialtyNames(a.specialties) || '（无专业队列）';
  $('user-toggle').textContent = a.active ? '停用账号' : '启用账号';
  $('user-roles-role').value = a.role;
  fillSpecialtyChecks('user-roles-specialties', a.specialties);
  $('user-reset-password').value = '';
}

async function createAccount(ev) {
  ev.preventDefault();
  const body = {
    username: $('user-username').value.trim(), password: $('user-password').value,
    role: $('user-role').value, specialties: checked('user-specialties'),
  };
  await withBusy($('user-submit'), async () => {
    try {
      const made = await api('POST', '/api/users', body);
      for (const id of Object.values(ACCOUNT_FIELDS)) $(id).removeAttribute('aria-invalid');
      clearAlert();
      flash(`已创建账号 ${made.username}`);
      location.hash = `#/users/${encodeURIComponent(made.username)}`;
    } catch (err) { accountProblem(err, ACCOUNT_FIELDS); }
  });
  $('user-password').value = '';
}

async function changeAccount(button, path, body, done) {
  const name = admin.selected;
  await withBusy(button, async () => {
    try {
      await api('POST', `/api/users/${encodeURIComponent(name)}/${path}`, body);
    } catch (err) { accountProblem(err, { password: 'user-reset-password', role: 'user-roles-role' }); return; }
    clearAlert();
    flash(done);
    await refreshAccounts();
    renderAccount();
  });
}

function toggleAccount() {
  const a = admin.accounts.find((x) => x.username === admin.selected);
  if (!a) return;
  if (a.active && !window.confirm(`停用账号 ${a.username}？其所有登录会立即失效。`)) return;
  changeAccount($('user-toggle'), a.active ? 'disable' : 'enable', {}, a.active ? '账号已停用，登录已失效' : '账号已启用');
}

function resetPassword(ev) {
  ev.preventDefault();
  const password = $('user-reset-password').value;
  const self = state.me && admin.selected === state.me.username;
  changeAccount($('user-reset-submit'), 'password', { password }, self ? '密码已重置，请重新登录' : '密码已重置，该账号需重新登录');
  $('user-reset-password').value = '';
}

function changeRoles(ev) {
  ev.preventDefault();
  changeAccount($('user-roles-submit'), 'roles',
    { role: $('user-roles-role').value, specialties: checked('user-roles-specialties') }, '角色和专业已更新');
}

// ---- audit -------------------------------------------------------------------------------------
function auditParams() {
  const params = new URLSearchParams();
  for (const [key, id] of [['from', 'audit-from'], ['to', 'audit-to'], ['actor', 'audit-actor'], ['action', 'audit-action']]) {
    const value = $(id).value.trim();
    if (value) params.set(key, value);
  }
  return params;
}

async function refreshAudit(fresh) {
  const seq = ++admin.seq;
  const params = auditParams();
  $('audit-export').href = `/api/audit/export?format=csv&${params}`;
  if (!fresh && admin.next) params.set('before', admin.next);
  try {
    const page = await api('GET', `/api/audit?${params}`);
    if (seq !== admin.seq) return;
    admin.audit = fresh ? page.items : admin.audit.concat(page.items);
    admin.next = page.next_before;
  } catch (err) { if (err.status !== 401) showError(err); return; }
  $('audit-rows').replaceChildren(...admin.audit.map((e) => el('tr', {},
    el('td', { text: fmtTime(e.at) }),
    el('td', { text: e.actor || '（系统）' }),
    el('td', { text: AUDIT_ACTIONS[e.action] || e.action, title: e.action }),
    el('td', { text: `${AUDIT_OBJECTS[e.object_type] || e.object_type} ${e.object_id}`, title: e.object_type }),
    el('td', { class: 'audit-detail', text: e.detail ? JSON.stringify(e.detail) : '' }),
    el('td', { text: e.address || '' }))));
  $('audit-empty').hidden = admin.audit.length > 0;
  $('audit-more').hidden = !admin.next;
}

document.addEventListener('DOMContentLoaded', () => {
  $('audit-action').append(...Object.entries(AUDIT_ACTIONS).map(([code, text]) => el('option', { value: code, text })));
  $('audit-filters').addEventListener('submit', (ev) => { ev.preventDefault(); refreshAudit(true); });
  $('audit-more').addEventListener('click', () => refreshAudit(false));
  $('user-form').addEventListener('submit', createAccount);
  $('user-cancel').addEventListener('click', () => { location.hash = '#/users'; });
  $('user-toggle').addEventListener('click', toggleAccount);
  $('user-reset-form').addEventListener('submit', resetPassword);
  $('user-roles-form').addEventListener('submit', changeRoles);
});
