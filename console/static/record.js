// One consultation record of the console's records view (records.js routes here): its facts,
// transcript and annotations (each read is audited by the server, so switching to the print page
// reuses what was read), its print page, and the form that logs a phone or walk-in consultation.
// All data is rendered with textContent / text nodes, never innerHTML.
'use strict';

// ---- one record --------------------------------------------------------------------------------
// Reading a record is audited: switching to or from its print page reuses what was read.
async function openRecord(id, previousHash) {
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
    ['类型', kindText(item)],
    ['专业', recordSpecialty(item.specialty)],
    ['咨询事项', intentsText(item.intents)],
    ['状态', `${RECORD_STATUSES[item.status] || item.status || ''}${RECORD_ENDINGS[item.ended_by] ? `（${RECORD_ENDINGS[item.ended_by]}）` : ''}`],
    ['咨询员', consultantText(item) || '—'],
    ['登记人', item.logged_by || ''],
    ['接收时间', fmtTime(item.received_at)],
    ['首次人工答复', item.channel !== 'wechat' ? '' : (item.first_reply_at ? fmtTime(item.first_reply_at) : '—')],
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
  $('record-title').textContent = `咨询记录 #${item.id} · ${kindText(item)}`;
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
    let data;
    try {
      data = await api('POST', `/api/consultations/${id}/annotations`, { text });
    } catch (err) {
      if (fieldProblem(err, { text: ['annotation-text', '批注内容过长，请分几条写'] })) return;
      throw err;
    }
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

// 002 §6.2 f: name and phone are registered; a citizen who refuses may still give one of them.
function identityRefusedChanged() {
  const refused = $('log-refused').checked;
  $('log-name').required = !refused;
  $('log-phone-number').required = !refused;
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
  if (!body.identity_refused && (!name || !phone)) {
    return invalid(name ? 'log-phone-number' : 'log-name', '请登记市民的姓名和联系电话；市民拒绝提供的，请勾选“市民拒绝提供身份信息”');
  }
  if (name) body.name = name;
  if (phone) body.phone = phone;
  return body;
}

// What the server's 422 `field` means on this form, in the staff's words.
const LOG_PROBLEMS = {
  channel: ['log-phone', '请选择咨询方式'], received_at: ['log-received-at', '咨询时间有误：不能晚于现在'],
  specialty: ['log-specialty', '请选择专业'], summary: ['log-summary', '请填写咨询内容及答复摘要（不要过长）'],
  outcome: ['log-outcome', '请选择处理结果'], referral: ['log-referral', '处理结果为 c 时，请填写告知的部门或渠道；其他结果不填'],
  name: ['log-name', '姓名应为 2–6 个汉字，或拉丁字母'], phone: ['log-phone-number', '联系电话应为 11 位手机号，或带区号的固定电话'],
  identity_refused: ['log-refused', '请确认市民是否拒绝提供身份信息'],
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
    if (!fieldProblem(err, LOG_PROBLEMS)) showError(err);
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
function wireRecord() {
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

document.addEventListener('DOMContentLoaded', wireRecord);
