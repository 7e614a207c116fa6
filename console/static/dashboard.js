// The console's dashboard (#/dashboard, supervisors and admins): the figures of GET /api/stats as
// tables, the same figures as charts (SVG drawn by the server with pygal, shown as <img>: the
// page's CSP forbids the inline style an inline SVG carries, and no chart script runs here), and
// the week's quality sample with the review form. Every figure cell carries
// data-figure="<path in the API's JSON>" and data-value="<the JSON value>", so what the page shows
// can be checked against the API. Runs after console.js and uses its helpers (api, el, $, ...).
// All data is rendered with textContent / text nodes, never innerHTML.
'use strict';

const DASH_ROLES = ['supervisor', 'admin'];
const DASH_CHANNELS = { wechat: '微信', phone: '电话', walk_in: '来访', none: '未知' };
const DASH_KINDS = { online: '在线咨询（5小时）', message: '留言咨询（24小时）', phone: '电话咨询', on_site: '现场咨询', none: '未分类' };
const DASH_OUTCOMES = { a: 'a 引导申请法律援助', b: 'b 不符合条件，已给法律建议', c: 'c 非法律问题，已告知咨询渠道', none: '未记录结果' };
Object.assign(ERRORS, {
  role_not_allowed: '仅主管和管理员可以查看', own_consultation: '不能评价自己答复的咨询', review_not_found: '该抽查记录不存在',
});

const dash = { seq: 0, from: null, to: null, stats: null, review: null };

// ---- routing -----------------------------------------------------------------------------------
function canSeeDashboard() { return !!(state.me && DASH_ROLES.includes(state.me.role)); }

// Called by console.js's route() before the other views: true when the hash is the dashboard's.
function routeDashboard(hash) {
  $('nav-dashboard').hidden = !canSeeDashboard();
  const mine = hash === '#/dashboard' && canSeeDashboard();
  $('dashboard-layout').hidden = !mine;
  $('nav-dashboard').toggleAttribute('aria-current', mine);
  if (!mine) {
    if (hash === '#/dashboard') location.hash = '#/';
    return false;
  }
  // Every other view's layout is hidden (the queue, applications, complaints, and views added later).
  for (const layout of document.querySelectorAll('#main-view > [id$="-layout"]')) layout.hidden = layout.id !== 'dashboard-layout';
  for (const link of document.querySelectorAll('.views a')) if (link.id !== 'nav-dashboard') link.removeAttribute('aria-current');
  loadStats();
  loadSample();
  return true;
}

// ---- formatting --------------------------------------------------------------------------------
const dashNumber = (v, digits = 0) => (v == null ? '—' : Number(v).toFixed(digits));
const dashPercent = (v) => (v == null ? '—' : `${(v * 100).toFixed(1)}%`);
const dashMinutes = (v) => (v == null ? '—' : `${Number(v).toFixed(1)} 分钟`);

// One figure: its path in the API's JSON and its value, shown in `format`.
function figure(path, value, format = (v) => dashNumber(v)) {
  return el('td', { class: 'num', dataset: { figure: path, value: JSON.stringify(value ?? null) }, text: format(value) });
}

function table(caption, heads, rows, id) {
  return el('table', { class: 'dash-table', id },
    el('caption', { text: caption }),
    el('thead', {}, el('tr', {}, heads.map((h) => el('th', { scope: 'col', text: h })))),
    el('tbody', {}, rows));
}

function row(label, ...cells) { return el('tr', {}, el('th', { scope: 'row', text: label }), cells); }

function chart(name, title) {
  // `v` makes a redrawn chart a new image: the browser would otherwise show the one it has.
  const q = new URLSearchParams({ from: dash.from, to: dash.to, v: String(dash.seq) });
  return el('img', { class: 'chart', id: `chart-${name}`, alt: title, src: `/api/stats/charts/${name}.svg?${q}`, width: 640, height: 320 });
}

function panel(id, title, ...children) {
  return el('section', { class: 'dash-panel', id, 'aria-label': title }, el('h3', { text: title }), children);
}

// ---- the figures -------------------------------------------------------------------------------
async function loadStats(ev) {
  if (ev) ev.preventDefault();
  const seq = ++dash.seq;
  const q = new URLSearchParams();
  if ($('dash-from').value) q.set('from', $('dash-from').value);
  if ($('dash-to').value) q.set('to', $('dash-to').value);
  try {
    const s = await api('GET', `/api/stats?${q}`);
    if (seq !== dash.seq) return;
    dash.stats = s;
    dash.from = s.from;
    dash.to = s.to;
    $('dash-from').value = s.from;
    $('dash-to').value = s.to;
    $('dash-note').textContent = `${s.from} 至 ${s.to}，按北京时间的接收日期统计`;
    renderStats(s);
  } catch (err) {
    if (err.status === 401) return;
    if (err.field === 'from' || err.field === 'to') $(`dash-${err.field}`).setAttribute('aria-invalid', 'true');
    showError(err);
  }
}

function renderStats(s) {
  $('dashboard-body').replaceChildren(
    summaryPanel(s), deadlinePanel(s), responsePanel(s), volumePanel(s), satisfactionPanel(s),
    outcomePanel(s), qualityPanel(s));
  $('dashboard-body').dataset.loaded = `${s.from}/${s.to}`;
}

function summaryPanel(s) {
  const cards = [
    ['volumes.total', '咨询总量', s.volumes.total],
    ['now.open', '当前未结束转人工', s.now.open],
    ['now.waiting', '其中待认领', s.now.waiting],
    ['now.breached', '其中已超时', s.now.breached],
    ['deadlines.online.rate', '在线咨询按时率', s.deadlines.online.rate, dashPercent],
    ['deadlines.message.rate', '留言咨询按时率', s.deadlines.message.rate, dashPercent],
    ['satisfaction.average', '满意度平均分', s.satisfaction.average, (v) => dashNumber(v, 2)],
    ['quality.average', '质量平均分', s.quality.average, (v) => dashNumber(v, 1)],
  ];
  return panel('dash-summary', '概览', el('table', { class: 'dash-table dash-cards' },
    el('tbody', {}, cards.map(([path, label, value, fmt]) => row(label, figure(path, value, fmt))))));
}

function deadlinePanel(s) {
  const rows = Object.entries(s.deadlines).map(([kind, c]) => row(DASH_KINDS[kind] || kind,
    figure(`deadlines.${kind}.met`, c.met), figure(`deadlines.${kind}.breached`, c.breached),
    figure(`deadlines.${kind}.pending`, c.pending), figure(`deadlines.${kind}.rate`, c.rate, dashPercent)));
  return panel('dash-deadlines', '答复时限（002 §6.2 g、h）',
    table('按咨询类型', ['类型', '按时', '超时', '未定', '按时率'], rows, 'dash-deadline-table'), chart('deadlines', '答复时限'));
}

function responsePanel(s) {
  const r = s.first_response;
  return panel('dash-response', '首次人工答复用时',
    table('从转人工到首次人工答复（自然时间）', ['人数', '中位数 p50', 'p90', 'p95'], [el('tr', {},
      figure('first_response.count', r.count), figure('first_response.p50', r.p50, dashMinutes),
      figure('first_response.p90', r.p90, dashMinutes), figure('first_response.p95', r.p95, dashMinutes))], 'dash-response-table'),
    chart('response', '首次人工答复用时'));
}

function volumePanel(s) {
  const v = s.volumes;
  const days = v.by_day.map((d, i) => row(d.day, figure(`volumes.by_day.${i}.count`, d.count)));
  const channels = Object.entries(v.by_channel).map(([c, n]) => row(DASH_CHANNELS[c] || c, figure(`volumes.by_channel.${c}`, n)));
  const kinds = Object.entries(v.by_kind).map(([k, n]) => row(DASH_KINDS[k] || k, figure(`volumes.by_kind.${k}`, n)));
  const specialties = v.by_specialty.map((sp, i) => row(sp.name || sp.specialty, figure(`volumes.by_specialty.${i}.count`, sp.count)));
  return panel('dash-volumes', '咨询量',
    chart('daily', '每日咨询量'),
    el('div', { class: 'dash-tables' },
      table('按渠道', ['渠道', '数量'], channels, 'dash-channel-table'),
      table('按类型', ['类型', '数量'], kinds, 'dash-kind-table'),
      table('按专业', ['专业', '数量'], specialties, 'dash-specialty-table')),
    chart('channel', '按渠道'), chart('specialty', '按专业'),
    el('details', { class: 'dash-days' }, el('summary', { text: '每日明细' }),
      table('每日咨询量', ['日期', '数量'], days, 'dash-day-table')));
}

function satisfactionPanel(s) {
  const sat = s.satisfaction;
  const grades = Object.entries(sat.distribution).map(([g, n]) => row(`${g} 分`, figure(`satisfaction.distribution.${g}`, n)));
  return panel('dash-satisfaction', '满意度（002 §7.4.10）',
    el('div', { class: 'dash-tables' },
      table('评价邀请', ['邀请', '已评价', '评价率', '平均分'], [el('tr', {},
        figure('satisfaction.asked', sat.asked), figure('satisfaction.answered', sat.answered),
        figure('satisfaction.rate', sat.rate, dashPercent), figure('satisfaction.average', sat.average, (v) => dashNumber(v, 2)))], 'dash-satisfaction-table'),
      table('评分分布', ['评分', '数量'], grades, 'dash-grade-table')),
    chart('satisfaction', '满意度评分分布'));
}

function outcomePanel(s) {
  const rows = Object.entries(s.outcomes).map(([o, n]) => row(DASH_OUTCOMES[o] || o, figure(`outcomes.${o}`, n)));
  return panel('dash-outcomes', '处理结果（已结束的咨询）', table('处理结果', ['结果', '数量'], rows, 'dash-outcome-table'), chart('outcomes', '处理结果'));
}

function qualityPanel(s) {
  const q = s.quality;
  const people = q.by_consultant.map((p, i) => row(p.consultant,
    figure(`quality.by_consultant.${i}.scored`, p.scored), figure(`quality.by_consultant.${i}.average`, p.average, (v) => dashNumber(v, 1)),
    figure(`quality.by_consultant.${i}.reviewed`, p.reviewed), figure(`quality.by_consultant.${i}.review_average`, p.review_average, (v) => dashNumber(v, 1))));
  people.unshift(row('全部',
    figure('quality.scored', q.scored), figure('quality.average', q.average, (v) => dashNumber(v, 1)),
    figure('quality.reviewed', q.reviewed), figure('quality.review_average', q.review_average, (v) => dashNumber(v, 1))));
  return panel('dash-quality', '质量评分（人工处理的咨询）',
    table('自动检查与抽查评分', ['咨询员', '自动检查数', '自动检查平均分', '抽查数', '抽查平均分'], people, 'dash-quality-table'),
    chart('quality', '质量评分'));
}

// ---- the weekly sample -------------------------------------------------------------------------
async function loadSample(ev) {
  if (ev) ev.preventDefault();
  const week = $('dash-week').value;
  try {
    const data = await api('GET', `/api/quality/sample${week ? `?week=${encodeURIComponent(week)}` : ''}`);
    dash.review = data;
    $('dash-week').value = data.week;
    renderSample(data);
  } catch (err) {
    if (err.status !== 401) showError(err);
  }
}

function renderSample(data) {
  const body = $('dash-review-body');
  if (!data.items.length) {
    body.replaceChildren(el('p', { class: 'muted', text: `${data.week} 没有可抽查的已结束咨询。` }));
    return;
  }
  const rows = data.items.map((item) => el('tr', { class: 'sample-item', dataset: { id: String(item.id), consultation: String(item.consultation_id) } },
    el('td', { text: item.consultant }), el('td', { text: `#${item.consultation_id}` }),
    el('td', { text: `${DASH_CHANNELS[item.channel] || item.channel} · ${DASH_OUTCOMES[item.outcome] || '未记录结果'}` }),
    el('td', { class: 'num', text: dashNumber(item.quality_score) }),
    el('td', { class: 'num sample-score', text: item.review ? `${item.review.score}（${item.review.reviewer}）` : '未评' }),
    el('td', {}, el('button', { type: 'button', class: 'sample-open', text: item.review ? '重新评分' : '评分' }))));
  body.replaceChildren(
    el('p', { class: 'muted', text: `${data.week}：每位咨询员随机抽取 ${data.per_consultant} 个已结束的咨询。` }),
    table('本周抽查', ['咨询员', '咨询', '渠道与结果', '自动检查', '抽查评分', ''], rows, 'dash-sample-table'),
    reviewForm(data));
}

function reviewForm(data) {
  const items = data.rubric.map((r) => el('div', { class: 'rubric-item' },
    el('label', { for: `rubric-${r.key}`, text: `${r.name}（0–${r.max}）` }),
    el('input', { id: `rubric-${r.key}`, type: 'number', min: 0, max: r.max, step: 1, dataset: { key: r.key }, required: true })));
  return el('form', { id: 'review-form', class: 'action-panel', hidden: true },
    el('h3', { class: 'panel-title', id: 'review-title' }),
    items,
    el('p', { class: 'muted', id: 'review-total' }),
    el('label', { for: 'review-note', text: '评语（可选）' }),
    el('textarea', { id: 'review-note', rows: 2 }),
    el('div', { class: 'panel-buttons' },
      el('button', { id: 'review-submit', type: 'submit', class: 'primary', text: '保存评分' }),
      el('button', { id: 'review-cancel', type: 'button', text: '取消' })));
}

function rubricPoints() {
  const points = {};
  for (const input of document.querySelectorAll('#review-form input[data-key]')) {
    if (input.value !== '') points[input.dataset.key] = Number(input.value);
  }
  return points;
}

function openReview(id) {
  const item = dash.review.items.find((i) => i.id === id);
  const form = $('review-form');
  form.dataset.id = String(id);
  form.reset();
  for (const [key, pts] of Object.entries((item.review && item.review.rubric) || {})) {
    const input = document.querySelector(`#review-form input[data-key="${key}"]`);
    if (input) input.value = String(pts);
  }
  $('review-note').value = (item.review && item.review.note) || '';
  $('review-title').textContent = `评分：咨询 #${item.consultation_id}（${item.consultant}）`;
  showTotal();
  form.hidden = false;
}

function showTotal() {
  const total = Object.values(rubricPoints()).reduce((a, b) => a + b, 0);
  $('review-total').textContent = `合计 ${total} 分`;
}

async function submitReview(ev) {
  ev.preventDefault();
  const form = $('review-form');
  const points = rubricPoints();
  const score = Object.values(points).reduce((a, b) => a + b, 0);
  const note = $('review-note').value.trim();
  await withBusy($('review-submit'), async () => {
    await api('POST', `/api/quality/reviews/${form.dataset.id}`, note ? { score, rubric: points, note } : { score, rubric: points });
    form.hidden = true;
    flash('评分已保存');
    await loadSample();
    loadStats();
  });
}

function wireDashboard() {
  $('dash-period').addEventListener('submit', loadStats);
  $('dash-review-week').addEventListener('submit', loadSample);
  $('dash-review-body').addEventListener('click', (ev) => {
    const open = ev.target.closest('.sample-open');
    if (open) openReview(Number(open.closest('.sample-item').dataset.id));
    if (ev.target.id === 'review-cancel') $('review-form').hidden = true;
  });
  $('dash-review-body').addEventListener('input', (ev) => { if (ev.target.dataset.key) showTotal(); });
  $('dash-review-body').addEventListener('submit', (ev) => { if (ev.target.id === 'review-form') submitReview(ev); });
}

document.addEventListener('DOMContentLoaded', wireDashboard);
