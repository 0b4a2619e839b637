// 一表通: the web app of a rootsync node. Plain JavaScript, no libraries, nothing from the
// network but this node. Forms are built from the catalogue the node serves (/app/api/forms);
// values are checked by the node with the validator the CLI uses. Text from the server is
// always set with textContent, never parsed as HTML.
'use strict';

const state = {
  lang: localStorage.getItem('rootsync-lang') === 'en' ? 'en' : 'zh',
  csrf: null,
  session: null,
  forms: null,
  entryResource: null,
  search: { resource: null, by: null, q: '', page: 0 },
};

// Words of the app itself (catalogue labels come from the catalogue).
const words = {
  save: ['保存', 'Save'],
  clear: ['清空', 'Clear'],
  saving: ['正在保存…', 'Saving…'],
  newTags: ['其他标签', 'Other tags'],
  newTagsHint: ['多个用顿号分隔', 'separate several with 、'],
  filledFromID: ['已按身份证号填写', 'filled in from the ID number'],
  locked: ['本级不能填写（由%s填写）', 'not written at this level (by %s)'],
  noResults: ['没有找到符合条件的记录', 'No records found'],
  page: ['第 %s 页', 'Page %s'],
  masked: ['身份证号和电话已部分隐藏（角色：%s）', 'ID and phone numbers are partly hidden (role: %s)'],
  found: ['找到 %s 条', '%s found'],
  more: ['（还有更多）', ' (more on the next page)'],
  yes: ['是', 'yes'],
  no: ['否', 'no'],
  conflictsNone: ['没有未解决的冲突', 'No open conflicts'],
  conflictsCount: ['共 %s 个未解决的冲突', '%s open conflict(s)'],
  conflictsMasked: ['只有审核员和管理员可以解决冲突；号码已部分隐藏', 'Only reviewers and administrators resolve conflicts; numbers are partly hidden'],
  visible: ['▶ 当前显示', '▶ Shown now'],
  competing: ['竞争版本', 'Competing'],
  field: ['字段', 'Field'],
  take: ['采用此版本', 'Take this one'],
  edit: ['编辑后解决', 'Edit, then resolve'],
  resolveWith: ['以这些值解决', 'Resolve with these values'],
  cancel: ['取消', 'Cancel'],
  authority: ['权威来源：%s', 'Authoritative source: %s'],
  exists: ['存在', 'exists'],
  deleted: ['已删除', 'deleted'],
  existence: ['存在与删除', 'Exists or deleted'],
  importRows: ['共 %s 行', '%s rows'],
  importValid: ['正确 %s 行', '%s valid'],
  importRejected: ['有误 %s 行', '%s with problems'],
  importNothing: ['未写入任何数据', 'nothing was written'],
  importRejectsSaved: ['有误的行已下载：%s（最后一列是错误原因，改正后可再导入）', 'Rows with problems downloaded: %s (the last column says why; fix them and import the file again)'],
  importChooseFile: ['请选择要导入的文件', 'Choose a file to import'],
  importTooLarge: ['文件超过 16 MB，请分成几个文件，或用 rootsync import 导入', 'The file is larger than 16 MB: split it, or use rootsync import'],
  importMoreProblems: ['另有 %s 个问题未列出', '%s more problems not listed'],
  reading: ['正在读取文件…', 'Reading the file…'],
  invalidNone: ['没有未通过校验的直接写入', 'No invalid direct writes'],
  invalidCount: ['共 %s 条，未同步', '%s, not synced'],
  invalidMasked: ['只有审核员和管理员可以改正；号码已部分隐藏', 'Only reviewers and administrators correct them; numbers are partly hidden'],
  fix: ['在表单中改正', 'Correct in the form'],
  writtenAt: ['写入时间：%s', 'Written: %s'],
  lastChange: ['最近修改', 'Last changed'],
  here: ['本节点', 'this node'],
  neverWritten: ['尚未填写', 'never written'],
  deletedRecord: ['（已删除）', ' (deleted)'],
  current: ['当前', 'current'],
  superseded: ['已被替代', 'superseded'],
  inConflict: ['冲突中', 'in conflict'],
  approve: ['同意', 'Approve'],
  reject: ['退回', 'Reject'],
  myRoles: ['您在本节点的审核角色：%s', 'Your review roles at this node: %s'],
  noRoles: ['您在本节点没有目录审核角色（由管理员用 rootsync catalogue grant 授予）', 'You hold no catalogue review role here (granted with rootsync catalogue grant)'],
  catalogueMeta: ['目录第 %s 版', 'catalogue version %s'],
  parentLink: ['上级', 'parent'],
  childLink: ['下级', 'child'],
  stale: ['（超时未报告）', ' (not heard from)'],
  datePlaceholder: ['例 1980-01-01', 'e.g. 1980-01-01'],
  dateTimePlaceholder: ['例 2026-01-01 08:30:00', 'e.g. 2026-01-01 08:30:00'],
  expectedSuffix: ['（期望值）', ' (expected)'],
  disputeComment: ['校核说明', 'Why it is wrong (校核说明)'],
  disputeSubmit: ['提交校核', 'Raise the check'],
  disputeOpen: ['提出校核', 'Raise a quality check'],
  disputeHint: ['填写认为正确的值（只填有误的项）和说明；校核送到该字段组的权威节点答复。', 'Enter the values you believe are right (only the wrong ones) and why; the check goes to the authoritative node of the group.'],
  sharingNote: ['今天 %s · ', 'Today %s · '],
  isDataAdmin: ['您是本节点的数据管理员', 'you are the data administrator of this node'],
  notDataAdmin: ['您不是本节点的数据管理员（rootsync catalogue grant --role data_admin）', 'you are not a data administrator here (rootsync catalogue grant --role data_admin)'],
  overdueHere: ['本节点逾期未办 %s 件', '%s overdue here'],
  rejectRequest: ['驳回', 'Reject'],
  revoke: ['撤销', 'Revoke'],
  rate: ['评价', 'Rate'],
  rated: ['评价 %s', 'rated %s'],
  atOnce: ['即时授权', 'granted at once'],
  correctedBy: ['已更正，版本', 'corrected, version'],
  answer: ['答复', 'Answer'],
  rejectTitle: ['驳回申请', 'Reject request'],
  revokeTitle: ['撤销授权', 'Revoke'],
  rateTitle: ['评价授权', 'Rate grant'],
  basis: ['驳回依据', 'Basis for rejecting (驳回依据)'],
  revokeReason: ['撤销理由', 'Reason for revoking (撤销理由)'],
  quality: ['数据质量评分', 'Data quality (数据质量评分)'],
  responsiveness: ['响应速度评分', 'Responsiveness (响应速度评分)'],
  rateComment: ['评价意见', 'Comment (评价意见)'],
  answerTitle: ['答复校核', 'Answer quality check'],
  reviewComment: ['审核意见', 'Review comment'],
  newestShown: ['只列出最新的 %s 件（全部见 rootsync share list / dispute list）', 'only the newest %s are listed (all with rootsync share list / dispute list)'],
  resourceName: ['资源名称', 'the resource\'s name'],
  remove: ['移除', 'Remove'],
  op_add_item: ['新增字段', 'add item'],
  op_add_code: ['增加代码', 'add code'],
  op_disable_code: ['停用代码', 'disable code'],
  op_enable_code: ['启用代码', 'enable code'],
  op_set_label: ['修改中文名', 'change label'],
  op_set_share: ['修改共享类型', 'change share type'],
  op_set_meta: ['修改资源说明', 'change metadata'],
  op_add_group: ['新增字段组', 'add group'],
  op_add_resource: ['新增资源', 'add resource'],
  op_add_code_set: ['新增代码集', 'add code set'],
  op_add_data_element: ['新增数据元', 'add data element'],
};

function t(key, arg) {
  const text = words[key][state.lang === 'en' ? 1 : 0];
  return arg === undefined ? text : text.replace('%s', arg);
}

const $ = (id) => document.getElementById(id);

function el(tag, attributes, children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'text') node.textContent = value;
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children || []) if (child) node.appendChild(child);
  return node;
}

// A catalogue label in the current language: the Chinese label, with the field name in English.
function label(text, name) {
  return state.lang === 'en' && name ? `${text} · ${name}` : text;
}

// ---- Talking to the node -------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, body) {
    super(body && body.message_en || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

async function api(method, path, body) {
  const headers = { 'Accept': 'application/json' };
  if (method !== 'GET') {
    headers['Content-Type'] = 'application/json';
    if (state.csrf) headers['X-CSRF-Token'] = state.csrf;
  }
  const response = await fetch(path, {
    method, headers, credentials: 'same-origin', cache: 'no-store',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let json = null;
  try { json = await response.json(); } catch (e) { json = null; }
  if (!response.ok) {
    if (response.status === 401 && path !== '/app/api/sign-in') {
      await showSignIn();
    }
    throw new ApiError(response.status, json);
  }
  return json;
}

// Both languages of a message, the current one first.
function bilingual(zh, en) {
  const spans = [el('span', { lang: 'zh-CN', text: zh })];
  if (en && en !== zh) spans.push(el('span', { lang: 'en', text: en }));
  if (state.lang === 'en') spans.reverse();
  return spans;
}

function showMessage(box, zh, en) {
  box.replaceChildren(...bilingual(zh, en));
}

// ---- Language -------------------------------------------------------------------------------

function applyLanguage() {
  document.documentElement.lang = state.lang === 'en' ? 'en' : 'zh-CN';
  for (const node of document.querySelectorAll('[data-zh]')) {
    node.textContent = state.lang === 'en' ? node.dataset.en : node.dataset.zh;
  }
  if (state.session) showWho();
}

$('language').addEventListener('click', () => {
  state.lang = state.lang === 'en' ? 'zh' : 'en';
  localStorage.setItem('rootsync-lang', state.lang);
  applyLanguage();
  if (state.forms) { route(); }
});

// ---- Pages ----------------------------------------------------------------------------------

function showPage(name) {
  for (const page of document.querySelectorAll('.page')) page.hidden = page.id !== `page-${name}`;
  $('nav').hidden = name === 'sign-in';
  $('sign-out').hidden = name === 'sign-in';
  for (const page of ['entry', 'search', 'import', 'invalid', 'conflicts', 'sharing', 'catalogue', 'status']) {
    $(`nav-${page}`).classList.toggle('current', name === page || (name === 'record' && page === 'search'));
  }
}

function showWho() {
  const s = state.session;
  $('who').textContent = !s ? '' : state.lang === 'en' ? `${s.operator} (${s.role})` : `${s.operator}（${s.role_zh}）`;
}

function showNode(node) {
  $('node-name').textContent = node ? `${node.name} ${node.code}` : '';
  $('sign-in-node').textContent = node ? `${node.level_zh} ${node.name}（${node.code}）` : '';
}

async function showSignIn() {
  state.session = null;
  state.forms = null;
  showWho();
  const s = await fetch('/app/api/session', { credentials: 'same-origin', cache: 'no-store' }).then((r) => r.json());
  state.csrf = s.csrf;
  showNode(s.node);
  showPage('sign-in');
  $('sign-in-name').focus();
}

$('sign-in-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const box = $('sign-in-error');
  box.replaceChildren();
  const name = $('sign-in-name').value, password = $('sign-in-password').value;
  if (!name || !password) {
    showMessage(box, '请填写用户名和密码', 'Enter the user name and the password');
    return;
  }
  $('sign-in-submit').disabled = true;
  try {
    const s = await api('POST', '/app/api/sign-in', { name, password });
    $('sign-in-password').value = '';
    await signedIn(s);
  } catch (e) {
    showMessage(box, e.body.message_zh || '登录失败', e.body.message_en || e.message);
  } finally {
    $('sign-in-submit').disabled = false;
  }
});

$('sign-out').addEventListener('click', async () => {
  try { await api('POST', '/app/api/sign-out', {}); } catch (e) { /* signed out either way */ }
  location.hash = '';
  await showSignIn();
});

async function signedIn(session) {
  state.session = session;
  state.csrf = session.csrf;
  showNode(session.node);
  showWho();
  state.forms = await api('GET', '/app/api/forms');
  if (!location.hash || location.hash === '#/sign-in') location.hash = '#/entry';
  route();
  loadConflictCount();
  loadInvalidCount();
  loadSharingCount();
}

function route() {
  if (!state.session || !state.forms) return;
  const [, page, resource, ...rest] = (location.hash || '#/entry').split('/');
  if (page === 'search') { showSearch(); return; }
  if (page === 'conflicts') { showConflicts(); return; }
  if (page === 'import') { showImport(); return; }
  if (page === 'invalid') { showInvalid(); return; }
  if (page === 'record') { showRecord(resource, decodeURIComponent(rest.join('/'))); return; }
  if (page === 'ref') { showRecord(null, null, resource); return; }
  if (page === 'sharing') { showSharing(); return; }
  if (page === 'catalogue') { showCatalogue(resource); return; }
  if (page === 'status') { showStatus(); return; }
  showEntry(resource);
}

window.addEventListener('hashchange', route);

function resourceNamed(name) {
  return state.forms.resources.find((r) => r.name === name) || state.forms.resources[0];
}

// ---- 录入 Entry -------------------------------------------------------------------------------

const fieldID = (r, f) => `f-${r.name}-${f.name}`;
const errorID = (r, f) => `e-${r.name}-${f.name}`;

function showEntry(resourceName) {
  const r = resourceNamed(resourceName);
  state.entryResource = r;
  const tabs = $('entry-tabs');
  tabs.replaceChildren(...state.forms.resources.map((x) => {
    const b = el('button', { type: 'button', role: 'tab', 'aria-selected': x.name === r.name ? 'true' : 'false', id: `tab-${x.name}`,
                             text: label(x.label, x.name) });
    b.addEventListener('click', () => { location.hash = `#/entry/${x.name}`; });
    return b;
  }));
  buildForm(r);
  if (state.prefill && state.prefill.resource === r.name) { prefillEntry(r, state.prefill); }
  state.prefill = null;
  showPage('entry');
}

// An invalid direct write opened for correction: its values in the form, its problems under them.
function prefillEntry(r, prefill) {
  for (const g of r.groups) {
    for (const f of g.fields) {
      const value = prefill.values[f.name];
      if (value === null || value === undefined || value === '') continue;
      const input = $(fieldID(r, f));
      if (f.input === 'tags') {
        const tags = Array.isArray(value) ? value : String(value).split(/[、，,;；]/);
        const free = [];
        for (const tag of tags) {
          const box = [...document.querySelectorAll(`#${fieldID(r, f)}-options input`)].find((b) => b.value === tag);
          if (box) box.checked = true; else if (tag) free.push(tag);
        }
        input.value = free.join('、');
      } else {
        input.value = String(value);
      }
    }
  }
  const rest = setProblems(r, prefill.problems);
  if (rest.length) $('entry-message').replaceChildren(...rest.flatMap((p) => bilingual(p.message_zh, p.message_en)));
}

function buildForm(r) {
  const form = $('entry-form');
  const message = el('div', { id: 'entry-message', class: 'error block', role: 'alert' });
  const success = el('div', { id: 'entry-saved', class: 'success', role: 'status' });
  const groups = el('div', { class: 'groups' });
  for (const g of r.groups) {
    const set = el('fieldset', { id: `g-${r.name}-${g.name}`, disabled: !g.writable });
    set.appendChild(el('legend', { text: label(g.label, g.name) }));
    if (!g.writable) set.appendChild(el('p', { class: 'locked muted', text: t('locked', g.writers_zh) }));
    for (const f of g.fields) set.appendChild(buildField(r, f));
    groups.appendChild(set);
  }
  const actions = el('div', { class: 'actions' }, [
    el('button', { type: 'submit', class: 'primary', id: 'entry-save', text: t('save') }),
    el('button', { type: 'reset', id: 'entry-clear', text: t('clear') }),
  ]);
  actions.lastChild.addEventListener('click', () => $('entry-saved').replaceChildren());
  form.replaceChildren(success, message, groups, actions);
  form.dataset.resource = r.name;
}

function buildField(r, f) {
  const id = fieldID(r, f);
  const wrap = el('div', { class: `field${f.required ? ' required' : ''}${f.input === 'textarea' || f.input === 'tags' ? ' wide' : ''}`,
                           dataset: { field: f.name } });
  const error = el('div', { class: 'error', id: errorID(r, f), role: 'alert' });
  if (f.input === 'tags') {
    wrap.appendChild(el('label', { for: id, text: label(f.label, f.name) }));
    const options = el('div', { class: 'tag-options', id: `${id}-options` });
    (f.options || []).forEach((tag, i) => {
      const box = el('input', { type: 'checkbox', id: `${id}-${i}`, value: tag, 'data-tag': 'true' });
      options.appendChild(el('label', { for: `${id}-${i}` }, [box, document.createTextNode(tag)]));
    });
    wrap.appendChild(options);
    const free = el('input', { id, name: f.name, placeholder: `${t('newTags')}（${t('newTagsHint')}）`, 'aria-describedby': errorID(r, f) });
    wrap.appendChild(free);
  } else {
    wrap.appendChild(el('label', { for: id, text: label(f.label, f.name) }));
    let input;
    if (f.input === 'select' || f.input === 'yesno') {
      input = el('select', { id, name: f.name });
      input.appendChild(el('option', { value: '', text: '—' }));
      const options = f.input === 'yesno' ? [{ code: '1', name: t('yes') }, { code: '0', name: t('no') }] : f.options;
      for (const o of options) input.appendChild(el('option', { value: o.code, text: o.name, title: o.code }));
    } else if (f.input === 'textarea') {
      input = el('textarea', { id, name: f.name });
    } else {
      input = el('input', { id, name: f.name, maxlength: f.maxlength, autocomplete: 'off',
                            inputmode: f.input === 'number' ? 'decimal' : null,
                            placeholder: f.input === 'date' ? t('datePlaceholder') : f.input === 'datetime' ? t('dateTimePlaceholder') : null });
    }
    input.setAttribute('aria-describedby', errorID(r, f));
    if (f.required) input.setAttribute('aria-required', 'true');
    input.addEventListener('change', () => checkField(r, f));
    if (f.check === 'citizen_id' && r.id_rule && r.id_rule.id === f.name) {
      input.addEventListener('input', () => {
        const v = input.value.trim();
        if (v.length === 18 || v.length === 15) checkField(r, f);
      });
    }
    wrap.appendChild(input);
  }
  wrap.appendChild(error);
  return wrap;
}

// The value of one field as the node expects it, or undefined when it is left empty.
function fieldValue(r, f) {
  const input = $(fieldID(r, f));
  if (f.input === 'tags') {
    const tags = [...document.querySelectorAll(`#${fieldID(r, f)}-options input:checked`)].map((b) => b.value);
    for (const part of input.value.split(/[、，,;；]/)) if (part.trim()) tags.push(part.trim());
    return tags.length ? tags : undefined;
  }
  const v = input.value;
  return v.trim() === '' ? undefined : v;
}

function setProblems(r, problems, only) {
  const byField = new Map();
  for (const p of problems) {
    if (!byField.has(p.field)) byField.set(p.field, []);
    byField.get(p.field).push(p);
  }
  for (const g of r.groups) {
    for (const f of g.fields) {
      if (only && !only.includes(f.name)) continue;
      const box = $(errorID(r, f));
      const list = byField.get(f.name) || [];
      box.replaceChildren(...list.flatMap((p) => bilingual(p.message_zh, p.message_en)));
      box.dataset.rule = list.map((p) => p.rule).join(' ');
      box.closest('.field').classList.toggle('has-error', list.length > 0);
      byField.delete(f.name);
    }
  }
  return [...byField.values()].flat();
}

// The latest check asked for each field: an answer to an older one (the ID typed up to its 15th
// digit, say) may arrive after the newer one and must not overwrite what it said.
const checksAsked = new Map();

// Checks one field with the node's validator; an ID number also fills in sex and birth date.
async function checkField(r, f) {
  const key = `${r.name}.${f.name}`;
  const asked = (checksAsked.get(key) || 0) + 1;
  checksAsked.set(key, asked);
  const value = fieldValue(r, f);
  if (value === undefined) { setProblems(r, [], [f.name]); return; }
  try {
    const answer = await api('POST', `/app/api/check/${r.name}`, { values: { [f.name]: value } });
    if (checksAsked.get(key) !== asked) return;  // a newer check of this field is on its way
    setProblems(r, answer.problems, [f.name]);
    const rule = r.id_rule;
    if (rule && rule.id === f.name) {
      for (const target of [rule.sex, rule.birth_date]) {
        if (!target || answer.derived[target] === undefined) continue;
        const input = $(fieldID(r, { name: target }));
        input.value = answer.derived[target];
        const wrap = input.closest('.field');
        let note = wrap.querySelector('.filled');
        if (!note) { note = el('span', { class: 'filled' }); input.after(note); }
        note.textContent = t('filledFromID');
        setProblems(r, [], [target]);
      }
    }
  } catch (e) { /* a failed check only means no hint now; saving reports everything */ }
}

// Emptying the form (after a save, or the Clear button) also clears its messages and notes.
$('entry-form').addEventListener('reset', () => {
  const r = state.entryResource;
  setProblems(r, []);
  $('entry-message').replaceChildren();
  for (const note of document.querySelectorAll('#entry-form .filled')) note.remove();
});

$('entry-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const r = state.entryResource;
  const values = {};
  for (const g of r.groups) {
    if (!g.writable) continue;
    for (const f of g.fields) {
      const v = fieldValue(r, f);
      if (v !== undefined) values[f.name] = v;
    }
  }
  const message = $('entry-message'), saved = $('entry-saved');
  message.replaceChildren();
  saved.replaceChildren();
  let button = $('entry-save');
  button.disabled = true;
  button.textContent = t('saving');
  try {
    const result = await api('POST', `/app/api/records/${r.name}`, { values });
    // Built again from the node's catalogue: a new tag is a checkbox from now on.
    state.forms = await api('GET', '/app/api/forms');
    state.entryResource = resourceNamed(r.name);
    buildForm(state.entryResource);
    const name = values.name || '';
    const done = $('entry-saved');
    showMessage(done, `已保存（${result.created ? '新建' : result.groups.length ? '已更新' : '无变化'}）：${name} ${result.key}`,
                `Saved (${result.created ? 'created' : result.groups.length ? 'updated' : 'nothing changed'}): ${name} ${result.key}`);
    done.dataset.key = result.key;
  } catch (e) {
    const rest = setProblems(r, e.body.problems || []);
    if (rest.length) {
      message.replaceChildren(...rest.flatMap((p) => bilingual(p.message_zh, p.message_en)));
    } else if (!e.body.problems) {
      showMessage(message, e.body.message_zh || '保存失败', e.body.message_en || e.message);
    }
    const first = document.querySelector('#entry-form .has-error input, #entry-form .has-error select');
    if (first) first.focus();
  } finally {
    button = $('entry-save');
    button.disabled = false;
    button.textContent = t('save');
  }
});

// ---- 查询 Search ------------------------------------------------------------------------------

function showSearch() {
  const s = state.search;
  const resources = $('search-resource');
  resources.replaceChildren(...state.forms.resources.map((r) => el('option', { value: r.name, text: label(r.label, r.name) })));
  const r = resourceNamed(s.resource);
  s.resource = r.name;
  resources.value = r.name;
  fillSearchBy(r);
  $('search-q').value = s.q;
  showPage('search');
  $('search-q').focus();
}

function fillSearchBy(r) {
  const by = $('search-by');
  by.replaceChildren(...r.search.map((x) => el('option', { value: x.by, text: label(x.label, x.by) })));
  const wanted = state.search.by && r.search.some((x) => x.by === state.search.by) ? state.search.by : (r.search.find((x) => x.by === 'name') || r.search[0]).by;
  by.value = wanted;
  state.search.by = wanted;
}

$('search-resource').addEventListener('change', () => {
  state.search.resource = $('search-resource').value;
  fillSearchBy(resourceNamed(state.search.resource));
});

$('search-form').addEventListener('submit', (event) => {
  event.preventDefault();
  state.search.resource = $('search-resource').value;
  state.search.by = $('search-by').value;
  state.search.q = $('search-q').value;
  state.search.page = 0;
  runSearch();
});

$('search-previous').addEventListener('click', () => { if (state.search.page > 0) { state.search.page -= 1; runSearch(); } });
$('search-next').addEventListener('click', () => { state.search.page += 1; runSearch(); });

async function runSearch() {
  const s = state.search;
  const r = resourceNamed(s.resource);
  const error = $('search-error'), note = $('search-note'), table = $('search-results');
  error.replaceChildren();
  const query = new URLSearchParams({ resource: s.resource, by: s.by, q: s.q, page: String(s.page) });
  try {
    const answer = await api('GET', `/app/api/search?${query}`);
    showResults(r, answer);
  } catch (e) {
    table.hidden = true;
    $('search-pager').hidden = true;
    note.textContent = '';
    const problems = e.body.problems || [];
    if (problems.length) error.replaceChildren(...problems.flatMap((p) => bilingual(p.message_zh, p.message_en)));
    else showMessage(error, e.body.message_zh || '查询失败', e.body.message_en || e.message);
  }
}

function fieldOf(r, name) {
  for (const g of r.groups) for (const f of g.fields) if (f.name === name) return f;
  return { name, label: name };
}

// A stored value for people: code-set codes as their names, tags joined, yes/no in words.
function display(f, value) {
  if (value === null || value === undefined || value === '') return '';
  if (Array.isArray(value)) return value.join('、');
  if (f.input === 'select') {
    const o = (f.options || []).find((x) => x.code === String(value));
    return o ? o.name : String(value);
  }
  if (f.input === 'yesno') return String(value) === '1' ? t('yes') : t('no');
  const text = String(value);
  if (f.input === 'date' && /^\d{8}$/.test(text)) return `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6)}`;
  return text;
}

function showResults(r, answer) {
  const table = $('search-results'), note = $('search-note');
  const columns = r.columns.map((name) => fieldOf(r, name));
  table.tHead.replaceChildren(el('tr', {}, columns.map((f) => el('th', { text: label(f.label, f.name) }))));
  // A key the operator sees masked links through this session's opaque reference, never the key.
  table.tBodies[0].replaceChildren(...answer.records.map((record, i) => el('tr', { dataset: { key: String(record[r.key]) } },
    columns.map((f) => {
      const text = display(f, record[f.name]);
      if (f.name !== r.key) return el('td', { text, title: text });
      const ref = answer.refs && answer.refs[i];
      const href = ref ? `#/ref/${ref}` : `#/record/${r.name}/${encodeURIComponent(String(record[r.key]))}`;
      return el('td', { title: text }, [el('a', { href, class: 'record-link', text })]);
    }))));
  table.hidden = answer.records.length === 0;
  let text = answer.records.length ? t('found', answer.page * answer.page_size + answer.records.length) + (answer.has_more ? t('more') : '') : t('noResults');
  if (answer.masked) text += ' · ' + t('masked', state.lang === 'en' ? state.session.role : state.session.role_zh);
  note.textContent = text;
  $('search-pager').hidden = answer.page === 0 && !answer.has_more;
  $('search-previous').disabled = answer.page === 0;
  $('search-next').disabled = !answer.has_more;
  $('search-page').textContent = t('page', answer.page + 1);
}

// ---- 冲突 Conflicts ---------------------------------------------------------------------------

async function loadConflictCount() {
  try {
    const answer = await api('GET', '/app/api/conflicts');
    showConflictCount(answer.count);
  } catch (e) { /* the badge is only a hint */ }
}

function showConflictCount(count) {
  const badge = $('conflicts-count');
  badge.textContent = String(count);
  badge.hidden = count === 0;
}

async function showConflicts() {
  showPage('conflicts');
  $('conflicts-error').replaceChildren();
  try {
    const answer = await api('GET', '/app/api/conflicts');
    showConflictCount(answer.count);
    $('conflicts-note').textContent = (answer.count ? t('conflictsCount', answer.count) : t('conflictsNone'))
      + (answer.may_resolve ? '' : ' · ' + t('conflictsMasked'));
    $('conflicts-list').replaceChildren(...answer.conflicts.map((c, i) => conflictCard(c, i, answer.may_resolve)));
  } catch (e) {
    showMessage($('conflicts-error'), e.body.message_zh || '无法读取冲突', e.body.message_en || e.message);
  }
}

$('conflicts-reload').addEventListener('click', () => { $('conflicts-saved').replaceChildren(); showConflicts(); });

function versionValue(r, f, v) {
  if (f.name === '_exists') return v.deleted === undefined ? '' : v.deleted ? t('deleted') : t('exists');
  if (!v.values || !(f.name in v.values)) return '';
  return display(f, v.values[f.name]);
}

function conflictCard(c, index, mayResolve) {
  const r = resourceNamed(c.resource);
  const card = el('article', { class: 'card conflict', id: `conflict-${index}`, dataset: { conflict: c.conflict || '' } });
  card.appendChild(el('h2', { text: `${label(c.resource_label, c.resource)} ${c.key} · ${label(c.group_label, c.group)}` }));
  if (c.authority) card.appendChild(el('p', { class: 'muted', text: t('authority', state.lang === 'en' ? c.authority : c.authority_zh) }));
  // Rows: the fields any version holds, in catalogue order (a delete conflict adds its own row).
  const names = new Set();
  for (const v of c.versions) for (const k of Object.keys(v.values || {})) names.add(k);
  const fields = [];
  if (c.versions.some((v) => v.deleted !== undefined)) fields.push({ name: '_exists', label: t('existence') });
  for (const g of r.groups) for (const f of g.fields) if (names.has(f.name)) fields.push(f);
  const head = el('tr', {}, [el('th', { text: t('field') }), ...c.versions.map((v) => el('th', { class: v.visible ? 'visible' : null }, [
    el('div', { text: v.visible ? t('visible') : t('competing') }),
    el('div', { text: `${v.writer} · ${state.lang === 'en' ? v.writer_level : v.writer_level_zh}` }),
    el('div', { class: 'muted', text: v.time }),
  ]))]);
  const rows = fields.map((f) => {
    const values = c.versions.map((v) => versionValue(r, f, v));
    const differs = new Set(values).size > 1;
    return el('tr', {}, [el('th', { text: label(f.label, f.name === '_exists' ? null : f.name) }),
                          ...values.map((x) => el('td', { class: differs ? 'differs' : null, text: x }))]);
  });
  const table = el('table', { class: 'versions' }, [el('thead', {}, [head]), el('tbody', {}, rows)]);
  const error = el('div', { class: 'error block', role: 'alert', id: `conflict-${index}-error` });
  if (mayResolve) {
    const takes = el('tr', {}, [el('td'), ...c.versions.map((v) => {
      const b = el('button', { type: 'button', class: 'primary', dataset: { take: v.version }, text: t('take') });
      b.addEventListener('click', () => resolveConflict(c, { take: v.version }, error));
      return el('td', {}, [b]);
    })]);
    table.appendChild(el('tfoot', {}, [takes]));
  }
  card.appendChild(table);
  if (mayResolve && c.editable) {
    const group = r.groups.find((g) => g.name === c.group);
    const visible = c.versions[0];
    const form = el('form', { class: 'edit', hidden: true, novalidate: true });
    for (const f of group.fields) {
      const id = `c${index}-${f.name}`;
      let input;
      if (f.input === 'select') {
        input = el('select', { id, name: f.name }, [el('option', { value: '', text: '—' }),
          ...f.options.map((o) => el('option', { value: o.code, text: o.name }))]);
      } else {
        input = el('input', { id, name: f.name, maxlength: f.maxlength });
      }
      const current = visible.values ? visible.values[f.name] : undefined;
      input.value = Array.isArray(current) ? current.join('、') : current === null || current === undefined ? '' : String(current);
      form.appendChild(el('div', { class: 'field', dataset: { field: f.name } }, [el('label', { for: id, text: label(f.label, f.name) }), input,
        el('div', { class: 'error', id: `${id}-error` })]));
    }
    const submit = el('button', { type: 'submit', class: 'primary', text: t('resolveWith') });
    const cancel = el('button', { type: 'button', text: t('cancel') });
    form.appendChild(el('div', { class: 'actions' }, [submit, cancel]));
    const toggle = el('button', { type: 'button', class: 'edit-toggle', text: t('edit') });
    toggle.addEventListener('click', () => { form.hidden = false; toggle.hidden = true; });
    cancel.addEventListener('click', () => { form.hidden = true; toggle.hidden = false; });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const values = {};
      for (const f of group.fields) {
        const v = form.elements[f.name].value;
        values[f.name] = f.input === 'tags' ? v.split(/[、，,;；]/).map((x) => x.trim()).filter((x) => x) : v.trim() === '' ? null : v;
      }
      resolveConflict(c, { values }, error, form);
    });
    card.appendChild(el('div', { class: 'buttons' }, [toggle]));
    card.appendChild(form);
  }
  card.appendChild(error);
  return card;
}

async function resolveConflict(c, how, error, form) {
  error.replaceChildren();
  try {
    await api('POST', '/app/api/conflicts/resolve', { conflict: c.conflict, ...how });
    await showConflicts();
    showMessage($('conflicts-saved'), `已解决：${c.resource_label} ${c.key} · ${c.group_label}`, `Resolved: ${c.resource} ${c.key} · ${c.group}`);
  } catch (e) {
    const problems = e.body.problems || [];
    if (form) {
      for (const box of form.querySelectorAll('.error')) box.replaceChildren();
      for (const p of problems) {
        const box = form.querySelector(`[data-field="${CSS.escape(p.field)}"] .error`);
        if (box) box.replaceChildren(...bilingual(p.message_zh, p.message_en));
      }
    }
    if (!form || !problems.length) showMessage(error, e.body.message_zh || '解决失败', e.body.message_en || e.message);
    if (e.status === 409) await showConflicts();
  }
}

// ---- Start ----------------------------------------------------------------------------------

(async function start() {
  applyLanguage();
  try {
    const s = await fetch('/app/api/session', { credentials: 'same-origin', cache: 'no-store' }).then((r) => r.json());
    if (s.signed_in) await signedIn(s); else { state.csrf = s.csrf; showNode(s.node); showPage('sign-in'); $('sign-in-name').focus(); }
  } catch (e) {
    document.querySelector('main').prepend(el('p', { class: 'notice', text: '无法连接本节点 / cannot reach this node' }));
  }
})();

// ---- 导入 / 导出 Import and export ---------------------------------------------------------------

const upload = { resource: null, name: null, data: null };

function showImport() {
  for (const id of ['import-resource', 'export-resource']) {
    const select = $(id);
    const keep = select.value;
    select.replaceChildren(...state.forms.resources.map((r) => el('option', { value: r.name, text: label(r.label, r.name) })));
    if (keep) select.value = keep;
  }
  updateExportLink();
  showPage('import');
}

function updateExportLink() {
  $('export-link').href = `/app/api/export/${encodeURIComponent($('export-resource').value || 'person')}`;
}

$('export-resource').addEventListener('change', updateExportLink);

function clearImport() {
  $('import-error').replaceChildren();
  $('import-saved').replaceChildren();
  $('import-summary').textContent = '';
  $('import-actions').hidden = true;
  $('import-problems').hidden = true;
}

$('import-resource').addEventListener('change', () => { upload.data = null; clearImport(); });
$('import-file').addEventListener('change', () => { upload.data = null; clearImport(); });

function readBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

$('import-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  clearImport();
  const file = $('import-file').files[0];
  if (!file) { showMessage($('import-error'), ...words.importChooseFile); return; }
  if (file.size > 16 * 1024 * 1024) { showMessage($('import-error'), ...words.importTooLarge); return; }
  $('import-summary').textContent = t('reading');
  upload.resource = $('import-resource').value;
  upload.name = file.name;
  upload.data = await readBase64(file);
  await runImport('check');
});

$('import-all').addEventListener('click', () => runImport('all'));
$('import-valid').addEventListener('click', () => runImport('valid'));

async function runImport(mode) {
  if (!upload.data) return;
  const buttons = [$('import-check'), $('import-all'), $('import-valid')];
  for (const b of buttons) b.disabled = true;
  try {
    const answer = await api('POST', `/app/api/import/${encodeURIComponent(upload.resource)}`, { file_name: upload.name, data: upload.data, mode });
    showImportAnswer(answer, mode);
  } catch (e) {
    $('import-summary').textContent = '';
    showMessage($('import-error'), e.body.message_zh || '导入失败', e.body.message_en || e.message);
  } finally {
    for (const b of buttons) b.disabled = false;
  }
}

function showImportAnswer(answer, mode) {
  const r = resourceNamed(answer.resource);
  let summary = [t('importRows', answer.rows), t('importValid', answer.valid), t('importRejected', answer.rejected)].join(state.lang === 'en' ? ', ' : '，');
  if (!answer.imported) summary += (state.lang === 'en' ? '; ' : '；') + t('importNothing');
  $('import-summary').textContent = summary;
  if (answer.imported) {
    const zh = `已导入 ${answer.created + answer.updated + answer.unchanged} 条${r.label}记录（新增 ${answer.created}，修改 ${answer.updated}，无变化 ${answer.unchanged}）`;
    const en = `${answer.created + answer.updated + answer.unchanged} ${r.name} records imported (${answer.created} created, ${answer.updated} updated, ${answer.unchanged} unchanged)`;
    showMessage($('import-saved'), zh, en);
    upload.data = null;
    $('import-file').value = '';
    if (answer.rejects) {
      downloadBase64(answer.rejects.file_name, answer.rejects.content_type, answer.rejects.data);
      $('import-saved').appendChild(el('span', { id: 'import-rejects-note', text: t('importRejectsSaved', answer.rejects.file_name) }));
    }
  }
  const table = $('import-problems');
  table.tBodies[0].replaceChildren(...answer.problems.map((p) => el('tr', {}, [
    el('td', { text: String(p.line) }),
    el('td', { text: p.field ? label(p.label || p.field, p.field) : '' }),
    el('td', {}, bilingual(p.message_zh, p.message_en)),
  ])));
  table.hidden = answer.problems.length === 0;
  if (answer.problems_total > answer.problems.length) {
    $('import-summary').textContent += ' · ' + t('importMoreProblems', answer.problems_total - answer.problems.length);
  }
  const checked = mode === 'check';
  $('import-actions').hidden = !checked || answer.rows === 0;
  $('import-all').hidden = answer.rejected > 0;
  $('import-valid').hidden = answer.rejected === 0 || answer.valid === 0;
}

function downloadBase64(name, type, data) {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const a = el('a', { href: url, download: name, hidden: true });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// ---- 无效 Invalid direct writes ----------------------------------------------------------------

async function loadInvalidCount() {
  try { showInvalidCount((await api('GET', '/app/api/invalid')).count); } catch (e) { /* only a hint */ }
}

function showInvalidCount(count) {
  const badge = $('invalid-count');
  badge.textContent = String(count);
  badge.hidden = count === 0;
}

async function showInvalid() {
  showPage('invalid');
  $('invalid-error').replaceChildren();
  try {
    const answer = await api('GET', '/app/api/invalid');
    showInvalidCount(answer.count);
    $('invalid-note').textContent = (answer.count ? t('invalidCount', answer.count) : t('invalidNone')) + (answer.may_fix ? '' : ' · ' + t('invalidMasked'));
    $('invalid-list').replaceChildren(...answer.writes.map((w, i) => invalidCard(w, i, answer.may_fix)));
  } catch (e) {
    showMessage($('invalid-error'), e.body.message_zh || '无法读取', e.body.message_en || e.message);
  }
}

$('invalid-reload').addEventListener('click', showInvalid);

function invalidCard(w, index, mayFix) {
  const r = resourceNamed(w.resource);
  const problems = el('table', { class: 'problems' }, [el('tbody', {}, w.problems.map((p) => el('tr', {}, [
    el('td', { text: p.field ? label(fieldOf(r, p.field).label, p.field) : '' }),
    el('td', {}, bilingual(p.message_zh, p.message_en)),
  ])))]);
  const values = el('dl', {}, Object.entries(w.values).filter(([, v]) => v !== null && v !== '').flatMap(([name, v]) => {
    const f = fieldOf(r, name);
    return [el('dt', { text: label(f.label, name) }), el('dd', { text: display(f, v) })];
  }));
  const card = el('div', { class: 'card invalid-card', id: `invalid-${index}`, dataset: { key: w.key } }, [
    el('h2', { text: `${label(w.resource_label, w.resource)} ${w.key}` }),
    el('p', { class: 'muted', text: t('writtenAt', w.time) }),
    problems,
  ]);
  card.appendChild(el('div', { class: 'record-groups' }, [el('div', {}, [values])]));
  if (mayFix) {
    const button = el('button', { type: 'button', class: 'primary', text: t('fix') });
    button.addEventListener('click', () => {
      state.prefill = { resource: w.resource, values: w.values, problems: w.problems };
      location.hash = `#/entry/${w.resource}`;
    });
    card.appendChild(el('div', { class: 'buttons' }, [button]));
  }
  return card;
}

// ---- 记录 A record with its history -------------------------------------------------------------

async function showRecord(resourceName, key, ref) {
  let r = resourceNamed(resourceName);
  showPage('record');
  $('record-error').replaceChildren();
  $('record-title').textContent = ref ? '' : `${label(r.label, r.name)} ${key}`;
  $('record-groups').replaceChildren();
  $('record-history').tBodies[0].replaceChildren();
  try {
    const answer = await api('GET', `/app/api/record?${new URLSearchParams(ref ? { ref } : { resource: r.name, key })}`);
    r = resourceNamed(answer.resource);
    const record = ref ? { ref } : { resource: r.name, key };
    $('record-title').textContent = `${label(r.label, r.name)} ${answer.key}` + (answer.deleted ? t('deletedRecord') : '');
    $('record-groups').replaceChildren(...answer.groups.map((g) => {
      const fields = el('dl', {}, g.fields.flatMap((name) => {
        const f = fieldOf(r, name);
        return [el('dt', { text: label(f.label, name) }), el('dd', { dataset: { field: name }, text: display(f, answer.values[name]) })];
      }));
      const last = g.last
        ? `${t('lastChange')}：${g.last.writer}（${g.last.writer_level_zh}）${g.last.time} · ${g.last.received_from ? '← ' + g.last.received_from : t('here')}`
        : t('neverWritten');
      const card = el('div', { class: 'card', id: `record-group-${g.name}` }, [el('h2', { text: label(g.label, g.name) }), fields, el('p', { class: 'muted last-change', text: last })]);
      if (g.disputable.length && !answer.deleted) card.appendChild(disputeForm(r, g, record));
      return card;
    }));
    $('record-history').tBodies[0].replaceChildren(...answer.history.map((c) => {
      const g = answer.groups.find((x) => x.name === c.group);
      const changes = c.fields.map((x) => {
        const f = fieldOf(r, x.field);
        const before = display(f, x.before);
        return `${label(f.label, x.field)}：${before ? before + ' → ' : ''}${display(f, x.after) || '∅'}`;
      }).join('；');
      return el('tr', {}, [
        el('td', { text: c.time }), el('td', { text: g ? label(g.label, g.name) : c.group }),
        el('td', { text: `${c.writer}（${c.writer_level_zh}）` }), el('td', { text: c.received_from || t('here') }),
        el('td', { text: changes }), el('td', { text: c.conflict ? t('inConflict') : t(c.standing) }),
      ]);
    }));
  } catch (e) {
    showMessage($('record-error'), e.body.message_zh || '无法读取记录', e.body.message_en || e.message);
  }
}

// An input for one catalogue item outside the entry form: a select for code sets and yes/no.
function valueInput(r, name, id, value, describedBy) {
  const f = fieldOf(r, name);
  let input;
  if (f.input === 'select' || f.input === 'yesno') {
    input = el('select', { id });
    input.appendChild(el('option', { value: '', text: '—' }));
    const options = f.input === 'yesno' ? [{ code: '1', name: t('yes') }, { code: '0', name: t('no') }] : (f.options || []);
    for (const o of options) input.appendChild(el('option', { value: o.code, text: o.name, title: o.code }));
  } else if (f.input === 'textarea') {
    input = el('textarea', { id });
  } else {
    input = el('input', { id, maxlength: f.maxlength, autocomplete: 'off' });
  }
  if (value !== undefined && value !== null) input.value = Array.isArray(value) ? value.join('、') : String(value);
  input.setAttribute('aria-describedby', describedBy);
  return input;
}

// Puts each problem under its input (`prefix-FIELD`), the others in `box`.
function showProblems(prefix, body, box, fieldIDs) {
  const problems = body.problems || (body.field ? [{ field: body.field, message_zh: body.message_zh, message_en: body.message_en }] : []);
  let placed = 0;
  for (const p of problems) {
    const id = (fieldIDs && fieldIDs[p.field]) || `${prefix}-${p.field}`;
    const under = $(`${id}-error`);
    if (under) { showMessage(under, p.message_zh, p.message_en); placed += 1; }
  }
  if (!placed || body.problems) showMessage(box, body.message_zh || '操作失败', body.message_en || 'failed');
}

// 提出校核: a record page's form to flag one field group as wrong (数据质量校核).
function disputeForm(r, g, record) {
  const prefix = `dispute-${g.name}`;
  const box = el('div', { class: 'dispute', id: `${prefix}-box`, hidden: true });
  const error = el('div', { class: 'error block', id: `${prefix}-error`, role: 'alert' });
  const saved = el('div', { class: 'success', id: `${prefix}-saved`, role: 'status' });
  const fields = el('div', { class: 'share-fields' }, g.disputable.map((name) => {
    const f = fieldOf(r, name), id = `${prefix}-${name}`;
    return el('div', { class: 'field' }, [
      el('label', { for: id, text: `${label(f.label, name)}${t('expectedSuffix')}` }),
      valueInput(r, name, id, undefined, `${id}-error`), el('div', { class: 'error', id: `${id}-error`, role: 'alert' })]);
  }));
  const comment = el('div', { class: 'field wide' }, [
    el('label', { for: `${prefix}-comment`, text: t('disputeComment') }),
    el('textarea', { id: `${prefix}-comment`, maxlength: 2000, 'aria-describedby': `${prefix}-comment-error` }),
    el('div', { class: 'error', id: `${prefix}-comment-error`, role: 'alert' })]);
  const submit = el('button', { type: 'button', class: 'primary', id: `${prefix}-submit`, text: t('disputeSubmit') });
  box.append(el('p', { class: 'muted', text: t('disputeHint') }), fields, comment, error, el('div', { class: 'actions' }, [submit]));
  const open = el('button', { type: 'button', id: `${prefix}-open`, class: 'plain', text: t('disputeOpen') });
  open.addEventListener('click', () => { box.hidden = !box.hidden; });
  submit.addEventListener('click', async () => {
    for (const node of box.querySelectorAll('.error')) node.replaceChildren();
    saved.replaceChildren();
    const expected = {};
    for (const name of g.disputable) { const v = $(`${prefix}-${name}`).value; if (v.trim() !== '') expected[name] = v; }
    try {
      const d = await api('POST', '/app/api/disputes', { ...record, group: g.name, expected, comment: $(`${prefix}-comment`).value });
      box.hidden = true;
      showMessage(saved, `校核已提出：${d.id}，由 ${d.answerer} 答复，期限 ${d.due || '—'}`, `Quality check raised: ${d.id}, answered at ${d.answerer}, due ${d.due || '—'}`);
    } catch (e) {
      showProblems(prefix, e.body, error);
    }
  });
  return el('div', {}, [saved, open, box]);
}

// ---- 共享 Sharing: requests, decisions, ratings, quality checks ---------------------------------

async function loadSharingCount() {
  try { showSharingCount(await api('GET', '/app/api/sharing')); } catch (e) { /* the badge is only a hint */ }
}

// The badge counts what waits for this operator here: requests to decide, checks to answer.
function showSharingCount(answer) {
  const n = answer.requests.filter((s) => s.may_decide).length + answer.disputes.filter((d) => d.may_answer).length;
  $('sharing-count').textContent = String(n);
  $('sharing-count').hidden = n === 0;
}

const yesNo = (flag) => (flag ? t('yes') : '');

async function showSharing(keepMessages) {
  showPage('sharing');
  $('sharing-error').replaceChildren();
  if (!keepMessages) $('sharing-saved').replaceChildren();
  $('share-action-form').hidden = true;
  $('dispute-answer-form').hidden = true;
  try {
    const answer = await api('GET', '/app/api/sharing');
    state.sharing = answer;
    showSharingCount(answer);
    const o = answer.overdue;
    $('sharing-note').textContent = t('sharingNote', answer.today)
      + (answer.data_admin ? t('isDataAdmin') : t('notDataAdmin'))
      + ` · ${t('overdueHere', o.requests_overdue_here.length + o.disputes_overdue_here.length)}`
      + (answer.requests_total > answer.requests.length || answer.disputes_total > answer.disputes.length
        ? ` · ${t('newestShown', answer.requests.length + answer.disputes.length)}` : '');
    $('share-requests').tBodies[0].replaceChildren(...answer.requests.map((s) => {
      const actions = el('td', { class: 'row-actions' });
      const button = (id, word, handler, primary) => {
        const b = el('button', { type: 'button', id: `${id}-${s.id}`, class: primary ? 'primary' : '', text: t(word) });
        b.addEventListener('click', handler);
        actions.appendChild(b);
      };
      if (s.may_decide) {
        button('share-approve', 'approve', () => decideShare(s), true);
        button('share-reject', 'rejectRequest', () => openShareAction(s, 'reject'));
      }
      if (s.may_revoke) button('share-revoke', 'revoke', () => openShareAction(s, 'revoke'));
      if (s.may_rate) button('share-rate', 'rate', () => openShareAction(s, 'rate'));
      const shown = (state.lang === 'en' ? s.state : s.state_zh) + (s.decision && s.decision.basis && s.state === 'rejected' ? `（${s.decision.basis}）` : '');
      const rated = s.ratings.length ? ` · ${t('rated', s.ratings.map((x) => `${x.quality}/${x.responsiveness}`).join('、'))}` : '';
      return el('tr', { dataset: { request: s.id, state: s.state }, class: s.overdue ? 'overdue' : '' }, [
        el('td', { text: s.id }), el('td', { text: s.consumer, title: s.consumer }), el('td', { text: s.resource_label }),
        el('td', { text: s.items.join(','), title: s.items.join(',') }), el('td', { text: s.jurisdiction }),
        el('td', { text: state.lang === 'en' ? s.purpose : s.purpose_zh }), el('td', { text: s.until }),
        el('td', { class: 'state', text: shown + rated, title: shown + rated }), el('td', { text: s.decider }),
        el('td', { text: s.granted_at_once ? t('atOnce') : (s.due || '—') }), el('td', { class: s.overdue ? 'stale' : '', text: yesNo(s.overdue) }), actions,
      ]);
    }));
    $('share-disputes').tBodies[0].replaceChildren(...answer.disputes.map((d) => {
      const r = resourceNamed(d.resource);
      const href = d.ref ? `#/ref/${d.ref}` : `#/record/${d.resource}/${encodeURIComponent(d.key)}`;
      const expected = Object.entries(d.expected).map(([k, v]) => `${fieldOf(r, k).label}：${display(fieldOf(r, k), v)}`).join('；');
      let outcome = '';
      if (d.answer) outcome = d.answer.reason ? d.answer.reason : `${t('correctedBy')} ${d.answer.version || ''}`;
      const actions = el('td');
      if (d.may_answer) {
        const b = el('button', { type: 'button', class: 'primary', id: `dispute-answer-${d.id}`, text: t('answer') });
        b.addEventListener('click', () => openDisputeAnswer(d));
        actions.appendChild(b);
      }
      return el('tr', { dataset: { dispute: d.id, state: d.state }, class: d.overdue ? 'overdue' : '' }, [
        el('td', { text: d.id }), el('td', {}, [el('a', { href, text: `${d.resource_label} ${d.key}` })]),
        el('td', { text: d.group_label }), el('td', { text: expected, title: expected }), el('td', { text: d.comment || '', title: d.comment || '' }),
        el('td', { text: `${d.node} ${d.raised_by}` }), el('td', { text: d.answerer }), el('td', { class: 'state', text: d.state_zh }),
        el('td', { text: d.due || '—' }), el('td', { class: d.overdue ? 'stale' : '', text: yesNo(d.overdue) }),
        el('td', { text: outcome, title: outcome }), actions,
      ]);
    }));
  } catch (e) {
    showMessage($('sharing-error'), e.body.message_zh || '无法读取共享', e.body.message_en || e.message);
  }
}

$('sharing-reload').addEventListener('click', () => showSharing());

async function decideShare(s) {
  $('sharing-error').replaceChildren();
  try {
    const answer = await api('POST', '/app/api/share/decide', { request: s.id, decision: 'approve' });
    await showSharing();
    showMessage($('sharing-saved'), `已同意申请 ${answer.id}（${answer.state_zh}）`, `Request ${answer.id} approved (${answer.state})`);
  } catch (e) {
    showMessage($('sharing-error'), e.body.message_zh || '审批失败', e.body.message_en || e.message);
  }
}

// The inputs of each action on a request: [id, label word, kind of input, the API's field].
const shareActions = {
  reject: { title: 'rejectTitle', submit: 'rejectRequest', path: '/app/api/share/decide', inputs: [['share-basis', 'basis', 'textarea', 'basis']] },
  revoke: { title: 'revokeTitle', submit: 'revoke', path: '/app/api/share/revoke', inputs: [['share-reason', 'revokeReason', 'textarea', 'reason']] },
  rate: { title: 'rateTitle', submit: 'rate', path: '/app/api/share/rate', inputs: [
    ['share-quality', 'quality', 'mark', 'quality'], ['share-responsiveness', 'responsiveness', 'mark', 'responsiveness'],
    ['share-comment', 'rateComment', 'textarea', 'comment']] },
};

function openShareAction(s, kind) {
  const a = shareActions[kind];
  const form = $('share-action-form');
  form.dataset.request = s.id;
  form.dataset.kind = kind;
  $('share-action-title').textContent = `${t(a.title)} ${s.id}`;
  $('share-action-detail').textContent = `${s.consumer} · ${s.resource_label} · ${s.items.join(',')} · ${s.jurisdiction} · ${s.purpose_zh} · ${s.until}`;
  $('share-action-fields').replaceChildren(...a.inputs.map(([id, word, kindOfInput]) => {
    let input;
    if (kindOfInput === 'mark') {
      input = el('select', { id }, [el('option', { value: '', text: '—' }), ...[5, 4, 3, 2, 1].map((n) => el('option', { value: String(n), text: `${n}` }))]);
    } else {
      input = el('textarea', { id, maxlength: 2000 });
    }
    input.setAttribute('aria-describedby', `${id}-error`);
    return el('div', { class: 'field' }, [el('label', { for: id, text: t(word) }), input, el('div', { class: 'error', id: `${id}-error`, role: 'alert' })]);
  }));
  $('share-action-submit').textContent = t(a.submit);
  form.hidden = false;
  a.inputs[0] && $(a.inputs[0][0]).focus();
}

$('share-action-cancel').addEventListener('click', () => { $('share-action-form').hidden = true; });

$('share-action-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = $('share-action-form'), kind = form.dataset.kind, a = shareActions[kind];
  for (const node of form.querySelectorAll('.error')) node.replaceChildren();
  $('sharing-error').replaceChildren();
  const body = { request: form.dataset.request };
  if (kind === 'reject') body.decision = 'reject';
  const ids = {};
  for (const [id, , , field] of a.inputs) { body[field] = $(id).value; ids[field] = id; }
  // A revocation's reason is checked as its basis.
  if (kind === 'revoke') ids.basis = 'share-reason';
  try {
    const answer = await api('POST', a.path, body);
    await showSharing();
    showMessage($('sharing-saved'), `${t(a.title)} ${answer.id}：${answer.state_zh}`, `${words[a.title][1]} ${answer.id}: ${answer.state}`);
  } catch (e) {
    showProblems('share', e.body, $('sharing-error'), ids);
  }
});

// 答复校核: the authoritative node corrects the group (checked like an entry) or rejects the check.
function openDisputeAnswer(d) {
  const r = resourceNamed(d.resource);
  const g = r.groups.find((x) => x.name === d.group);
  const form = $('dispute-answer-form');
  form.dataset.dispute = d.id;
  for (const node of form.querySelectorAll('.error')) node.replaceChildren();
  $('dispute-answer-title').textContent = `${t('answerTitle')} ${d.id} · ${d.resource_label} ${d.key} · ${d.group_label}`;
  $('dispute-answer-detail').textContent = `${t('disputeComment')}：${d.comment || ''}（${d.node} ${d.raised_by}）`;
  const names = (g ? g.fields.map((f) => f.name) : Object.keys(d.expected)).filter((name) => name !== r.key);
  form.dataset.fields = names.join(',');
  $('dispute-answer-fields').replaceChildren(...names.map((name) => {
    const id = `dispute-answer-${name}`, f = fieldOf(r, name);
    return el('div', { class: 'field' }, [el('label', { for: id, text: label(f.label, name) }),
      valueInput(r, name, id, d.expected[name], `${id}-error`), el('div', { class: 'error', id: `${id}-error`, role: 'alert' })]);
  }));
  $('dispute-reject-reason').value = '';
  form.hidden = false;
}

$('dispute-answer-cancel').addEventListener('click', () => { $('dispute-answer-form').hidden = true; });

async function answerDispute(body) {
  const form = $('dispute-answer-form');
  for (const node of form.querySelectorAll('.error')) node.replaceChildren();
  try {
    const d = await api('POST', '/app/api/disputes/answer', { dispute: form.dataset.dispute, ...body });
    await showSharing();
    showMessage($('sharing-saved'), `校核 ${d.id} 已答复：${d.state_zh}`, `Quality check ${d.id} answered: ${d.state}`);
  } catch (e) {
    showProblems('dispute-answer', e.body, $('dispute-answer-error'), { reject: 'dispute-reject-reason' });
  }
}

$('dispute-answer-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const correct = {};
  for (const name of $('dispute-answer-form').dataset.fields.split(',').filter(Boolean)) {
    const v = $(`dispute-answer-${name}`).value;
    if (v.trim() !== '') correct[name] = v;
  }
  answerDispute({ correct });
});

$('dispute-reject').addEventListener('click', () => answerDispute({ reject: $('dispute-reject-reason').value }));

// ---- 目录 The catalogue -------------------------------------------------------------------------

async function showCatalogue(resourceName) {
  showPage('catalogue');
  $('catalogue-error').replaceChildren();
  try {
    state.catalogue = await api('GET', '/app/api/catalogue');
    const c = state.catalogue;
    const select = $('catalogue-resource');
    select.replaceChildren(...c.resources.map((r) => el('option', { value: r.name, text: label(r.label, r.name) })));
    select.value = c.resources.some((r) => r.name === resourceName) ? resourceName : c.resources[0].name;
    showCatalogueResource();
    showDrafts();
  } catch (e) {
    showMessage($('catalogue-error'), e.body.message_zh || '无法读取目录', e.body.message_en || e.message);
  }
}

$('catalogue-resource').addEventListener('change', () => { location.hash = `#/catalogue/${$('catalogue-resource').value}`; });

function showCatalogueResource() {
  const c = state.catalogue;
  const r = c.resources.find((x) => x.name === $('catalogue-resource').value);
  $('catalogue-meta').textContent = `${t('catalogueMeta', c.version)} · ${r.meta.identifier || ''} · ${r.meta.provider} · ${r.meta.abstract}`;
  const groupLabel = (name) => { const g = r.groups.find((x) => x.name === name); return g ? g.label : name; };
  $('catalogue-items').tBodies[0].replaceChildren(...r.items.map((f) => el('tr', { dataset: { item: f.name } }, [
    el('td', { text: f.name }), el('td', { text: f.label }), el('td', { text: f.format }), el('td', { text: groupLabel(f.group) }),
    el('td', { text: f.code_set || '' }), el('td', { text: f.required ? t('yes') : '' }),
  ])));
  const used = new Set(r.items.map((f) => f.code_set).filter(Boolean));
  $('catalogue-code-sets').replaceChildren(...c.code_sets.filter((s) => used.has(s.id)).map((s) => el('div', { class: 'card' }, [
    el('h3', { text: `${s.designation} ${s.title}` }),
    el('div', {}, s.entries.map((e) => el('div', { class: e.disabled ? 'disabled' : '', text: `${e.code} ${e.name}${e.short ? '（' + e.short + '）' : ''}` }))),
  ])));
  $('draft-group').replaceChildren(...r.groups.map((g) => el('option', { value: g.name, text: label(g.label, g.name) })));
  $('draft-label-item').replaceChildren(el('option', { value: '', text: `（${t('resourceName')}）${r.label}` }),
    ...r.items.map((f) => el('option', { value: f.name, text: `${f.label} · ${f.name}` })));
  $('draft-code-set').replaceChildren(...c.code_sets.map((x) => el('option', { value: x.id, text: `${x.id} ${x.title}` })));
  showDraftChanges();
}

// A change of a draft in words (the op's name, what it touches), as a reviewer needs to read it.
function describeChange(c) {
  const name = (words['op_' + c.op] || [c.op, c.op])[state.lang === 'en' ? 1 : 0];
  switch (c.op) {
    case 'add_item': return `${name}：${c.resource}.${c.item && c.item.name}（${c.item && c.item.label}，${c.item && c.item.format}）→ ${typeof c.group === 'string' ? c.group : JSON.stringify(c.group)}`;
    case 'add_code': return `${name}：${c.code_set} ${c.code} ${c.name}`;
    case 'disable_code': case 'enable_code': return `${name}：${c.code_set} ${c.code}`;
    case 'set_label': return `${name}：${c.resource}${c.item ? '.' + c.item : ''} → ${c.label}`;
    case 'set_share': return `${name}：${c.resource} → ${c.share}${c.share_condition ? '（' + c.share_condition + '）' : ''}`;
    case 'set_meta': return `${name}：${c.resource} ${Object.entries(c.meta || {}).map(([k, v]) => `${k} → ${v}`).join('；')}`;
    case 'add_group': return `${name}：${c.resource}.${c.group && c.group.name}（${c.group && c.group.label}）`;
    default: return `${name}：${JSON.stringify(c)}`;
  }
}

function showDrafts() {
  const c = state.catalogue;
  $('catalogue-roles').textContent = c.my_roles.length ? t('myRoles', c.my_roles.join('、')) : t('noRoles');
  $('review-box').hidden = c.reviewable.length === 0;
  $('catalogue-drafts').tBodies[0].replaceChildren(...c.drafts.map((d) => {
    const actions = el('td');
    if (c.reviewable.includes(d.id)) {
      for (const [decision, word] of [['approve', 'approve'], ['reject', 'reject']]) {
        const b = el('button', { type: 'button', class: decision === 'approve' ? 'primary' : '', text: t(word), dataset: { draft: d.id, decision } });
        b.addEventListener('click', () => reviewDraft(d.id, decision));
        actions.appendChild(b);
      }
    }
    return el('tr', { dataset: { draft: d.id } }, [
      el('td', { text: d.id }), el('td', { text: d.title }),
      el('td', { class: 'changes', title: (d.changes || []).map(describeChange).join('\n') }, (d.changes || []).map((x) => el('div', { text: describeChange(x) }))),
      el('td', { text: d.author }), el('td', { text: d.status_zh + (d.comment ? `（${d.comment}）` : '') }),
      el('td', { text: d.next_step_zh ? `${d.next_step_zh}（${d.reviewer_node}）` : '' }), actions,
    ]);
  }));
}

async function reviewDraft(id, decision) {
  $('catalogue-error').replaceChildren();
  try {
    const d = await api('POST', '/app/api/catalogue/review', { draft: id, decision, comment: $('review-comment').value });
    $('review-comment').value = '';
    await showCatalogue($('catalogue-resource').value);
    showMessage($('catalogue-saved'), `已审核：${d.title}（${d.status_zh}）`, `Reviewed: ${d.title} (${d.status})`);
  } catch (e) {
    showMessage($('catalogue-error'), e.body.message_zh || '审核失败', e.body.message_en || e.message);
  }
}

// The draft being written: changes added with 加入草案; the one in the editor counts too.
state.draftChanges = [];

function showDraftOp() {
  const op = $('draft-op').value;
  for (const box of document.querySelectorAll('#draft-form [data-op]')) box.hidden = !box.dataset.op.split(' ').includes(op);
}
$('draft-op').addEventListener('change', showDraftOp);

// The change the editor holds, as the draft JSON of `rootsync catalogue draft` has it.
function editorChange() {
  const resource = $('catalogue-resource').value, op = $('draft-op').value, v = (id) => $(id).value.trim();
  switch (op) {
    case 'add_item': return { op, resource, group: $('draft-group').value, item: { name: v('draft-name'), label: v('draft-label'), format: v('draft-format') } };
    case 'add_code': return { op, code_set: $('draft-code-set').value, code: v('draft-code'), name: v('draft-code-name') };
    case 'disable_code': case 'enable_code': return { op, code_set: $('draft-code-set').value, code: v('draft-code') };
    case 'set_label': return $('draft-label-item').value ? { op, resource, item: $('draft-label-item').value, label: v('draft-new-label') } : { op, resource, label: v('draft-new-label') };
    case 'set_share': return v('draft-share-condition') ? { op, resource, share: $('draft-share').value, share_condition: v('draft-share-condition') } : { op, resource, share: $('draft-share').value };
    case 'set_meta': return { op, resource, meta: { [$('draft-meta-key').value]: v('draft-meta-value') } };
    case 'add_group': return { op, resource, group: { name: v('draft-group-name'), label: v('draft-group-label'), authority: $('draft-group-authority').value, fields: [] } };
    default: {
      const text = v('draft-json');
      try { return JSON.parse(text); } catch (e) { throw new Error('json'); }
    }
  }
}

// Whether the editor holds anything (an empty editor adds no change).
function editorFilled() {
  const op = $('draft-op').value;
  const ids = { add_item: ['draft-name'], add_code: ['draft-code'], disable_code: ['draft-code'], enable_code: ['draft-code'], set_label: ['draft-new-label'],
                set_share: [], set_meta: ['draft-meta-value'], add_group: ['draft-group-name'], json: ['draft-json'] }[op];
  return ids.length === 0 || ids.some((id) => $(id).value.trim() !== '');
}

function clearEditor() {
  for (const id of ['draft-name', 'draft-label', 'draft-code', 'draft-code-name', 'draft-new-label', 'draft-share-condition', 'draft-meta-value',
                    'draft-group-name', 'draft-group-label', 'draft-json']) $(id).value = '';
}

function showDraftChanges() {
  const table = $('draft-changes');
  table.hidden = state.draftChanges.length === 0;
  table.tBodies[0].replaceChildren(...state.draftChanges.map((c, i) => {
    const remove = el('button', { type: 'button', class: 'plain', text: t('remove') });
    remove.addEventListener('click', () => { state.draftChanges.splice(i, 1); showDraftChanges(); });
    return el('tr', { dataset: { change: c.op } }, [el('td', { text: describeChange(c) }), el('td', {}, [remove])]);
  }));
}

function draftBody() {
  const changes = [...state.draftChanges];
  if (editorFilled() || changes.length === 0) changes.push(editorChange());
  return { title: $('draft-title').value, reason: $('draft-reason').value, changes };
}

// Shown above the page and beside the draft's buttons.
function draftFailed(e, zh) {
  for (const box of ['catalogue-error', 'draft-error']) {
    if (e.message === 'json') showMessage($(box), '修改不是有效的 JSON', 'the change is not valid JSON');
    else showMessage($(box), (e.body && e.body.message_zh) || zh, (e.body && e.body.message_en) || e.message);
  }
}

function clearDraftMessages() {
  for (const box of ['catalogue-error', 'catalogue-saved', 'draft-checked', 'draft-error']) $(box).replaceChildren();
}

$('draft-add').addEventListener('click', () => {
  clearDraftMessages();
  try { state.draftChanges.push(editorChange()); } catch (e) { draftFailed(e, ''); return; }
  clearEditor();
  showDraftChanges();
});

$('draft-check').addEventListener('click', async () => {
  clearDraftMessages();
  try {
    const answer = await api('POST', '/app/api/catalogue/drafts/check', { draft: draftBody() });
    for (const box of ['catalogue-saved', 'draft-checked']) {
      showMessage($(box), `检查通过：${answer.changes} 项修改可以应用（将成为目录第 ${answer.version} 版）`,
                  `Check passed: ${answer.changes} change(s) apply (catalogue version ${answer.version})`);
    }
  } catch (e) { draftFailed(e, '检查未通过'); }
});

$('draft-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  clearDraftMessages();
  const resource = $('catalogue-resource').value;
  let draft;
  try { draft = draftBody(); } catch (e) { draftFailed(e, ''); return; }
  try {
    const answer = await api('POST', '/app/api/catalogue/drafts', { draft });
    state.draftChanges = [];
    clearEditor();
    await showCatalogue(resource);
    showMessage($('catalogue-saved'), `草案已提交：${answer.id}`, `Draft submitted: ${answer.id}`);
    for (const id of ['draft-title', 'draft-reason']) $(id).value = '';
  } catch (e) { draftFailed(e, '提交失败'); }
});

// ---- 运行状态 Status ----------------------------------------------------------------------------

// A time the node formatted in its zone (RFC 3339 with its offset), shown without the milliseconds.
const nodeTime = (text) => (text ? String(text).replace('T', ' ').replace(/\.\d+/, ' ').replace(/ (?=[+-]\d\d:\d\d$)/, ' ') : '—');

async function showStatus() {
  showPage('status');
  $('status-error').replaceChildren();
  try {
    const answer = await api('GET', '/app/api/status');
    const s = answer.status;
    const counts = Object.entries(s.records).map(([name, n]) => `${label(resourceNamed(name).label, name)} ${n}`).join('、');
    $('status-summary').textContent = state.lang === 'en'
      ? `${s.name} ${s.node} (${s.level}) · catalogue v${s.catalogue_version} · ${counts} · ${s.open_conflicts} conflicts · ${s.invalid_writes} invalid · now ${answer.now} (${answer.time_zone})`
      : `${s.name} ${s.node}（${s.level}）· 目录第 ${s.catalogue_version} 版 · ${counts} · 冲突 ${s.open_conflicts} · 无效 ${s.invalid_writes} · 现在 ${answer.now}（${answer.time_zone}）`;
    $('status-links').tBodies[0].replaceChildren(...s.links.map((l) => el('tr', { dataset: { node: l.node } }, [
      el('td', { text: l.node }), el('td', { text: l.role === 'parent' ? t('parentLink') : t('childLink') }),
      el('td', { text: nodeTime(l.last_push) }), el('td', { text: nodeTime(l.last_pull) }),
      el('td', { text: String(l.role === 'child' ? l.versions_behind : l.versions_waiting_to_push) }),
      el('td', { class: l.last_error ? 'stale' : '', text: l.last_error || '' }),
    ])));
    $('status-tree').tBodies[0].replaceChildren(...answer.tree.nodes.map((n) => el('tr', { dataset: { node: n.node } }, [
      el('td', { text: `${n.name || ''} ${n.node}` }), el('td', { text: n.level || '' }),
      el('td', { class: n.stale ? 'stale' : '', text: nodeTime(n.heard) + (n.stale ? t('stale') : '') }),
      el('td', { text: n.records === undefined ? '' : String(n.records) }), el('td', { text: n.open_conflicts === undefined ? '' : String(n.open_conflicts) }),
      el('td', { text: n.invalid_writes === undefined ? '' : String(n.invalid_writes) }), el('td', { text: n.catalogue_version === undefined ? '' : String(n.catalogue_version) }),
    ])));
  } catch (e) {
    showMessage($('status-error'), e.body.message_zh || '无法读取状态', e.body.message_en || e.message);
  }
}

$('status-reload').addEventListener('click', showStatus);
