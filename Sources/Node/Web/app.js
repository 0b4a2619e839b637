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
  for (const page of ['entry', 'search', 'import', 'invalid', 'conflicts', 'catalogue', 'status']) {
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
}

function route() {
  if (!state.session || !state.forms) return;
  const [, page, resource, ...rest] = (location.hash || '#/entry').split('/');
  if (page === 'search') { showSearch(); return; }
  if (page === 'conflicts') { showConflicts(); return; }
  if (page === 'import') { showImport(); return; }
  if (page === 'invalid') { showInvalid(); return; }
  if (page === 'record') { showRecord(resource, decodeURIComponent(rest.join('/'))); return; }
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
  const keyField = fieldOf(r, r.key);
  const linked = !answer.masked || !['citizen_id', 'phone'].includes(keyField.check);
  table.tBodies[0].replaceChildren(...answer.records.map((record) => el('tr', { dataset: { key: String(record[r.key]) } },
    columns.map((f) => {
      const text = display(f, record[f.name]);
      if (f.name !== r.key || !linked) return el('td', { text, title: text });
      return el('td', { title: text }, [el('a', { href: `#/record/${r.name}/${encodeURIComponent(String(record[r.key]))}`, class: 'record-link', text })]);
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

async function showRecord(resourceName, key) {
  const r = resourceNamed(resourceName);
  showPage('record');
  $('record-error').replaceChildren();
  $('record-title').textContent = `${label(r.label, r.name)} ${key}`;
  $('record-groups').replaceChildren();
  $('record-history').tBodies[0].replaceChildren();
  try {
    const answer = await api('GET', `/app/api/record?${new URLSearchParams({ resource: r.name, key })}`);
    $('record-title').textContent = `${label(r.label, r.name)} ${answer.key}` + (answer.deleted ? t('deletedRecord') : '');
    $('record-groups').replaceChildren(...answer.groups.map((g) => {
      const fields = el('dl', {}, g.fields.flatMap((name) => {
        const f = fieldOf(r, name);
        return [el('dt', { text: label(f.label, name) }), el('dd', { dataset: { field: name }, text: display(f, answer.values[name]) })];
      }));
      const last = g.last
        ? `${t('lastChange')}：${g.last.writer}（${g.last.writer_level_zh}）${g.last.time} · ${g.last.received_from ? '← ' + g.last.received_from : t('here')}`
        : t('neverWritten');
      return el('div', { class: 'card', id: `record-group-${g.name}` }, [el('h2', { text: label(g.label, g.name) }), fields, el('p', { class: 'muted last-change', text: last })]);
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
}

function showDrafts() {
  const c = state.catalogue;
  $('catalogue-roles').textContent = c.my_roles.length ? t('myRoles', c.my_roles.join('、')) : t('noRoles');
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
      el('td', { text: d.id }), el('td', { text: d.title }), el('td', { text: d.author }), el('td', { text: d.status_zh }),
      el('td', { text: d.next_step_zh ? `${d.next_step_zh}（${d.reviewer_node}）` : '' }), actions,
    ]);
  }));
}

async function reviewDraft(id, decision) {
  $('catalogue-error').replaceChildren();
  try {
    const d = await api('POST', '/app/api/catalogue/review', { draft: id, decision, comment: '' });
    await showCatalogue($('catalogue-resource').value);
    showMessage($('catalogue-saved'), `已审核：${d.title}（${d.status_zh}）`, `Reviewed: ${d.title} (${d.status})`);
  } catch (e) {
    showMessage($('catalogue-error'), e.body.message_zh || '审核失败', e.body.message_en || e.message);
  }
}

$('draft-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('catalogue-error').replaceChildren();
  $('catalogue-saved').replaceChildren();
  const resource = $('catalogue-resource').value;
  const draft = {
    title: $('draft-title').value, reason: $('draft-reason').value,
    changes: [{ op: 'add_item', resource, group: $('draft-group').value,
                item: { name: $('draft-name').value.trim(), label: $('draft-label').value.trim(), format: $('draft-format').value.trim() } }],
  };
  try {
    const answer = await api('POST', '/app/api/catalogue/drafts', { draft });
    await showCatalogue(resource);
    showMessage($('catalogue-saved'), `草案已提交：${answer.id}`, `Draft submitted: ${answer.id}`);
    for (const id of ['draft-title', 'draft-reason', 'draft-name', 'draft-label']) $(id).value = '';
  } catch (e) {
    showMessage($('catalogue-error'), e.body.message_zh || '提交失败', e.body.message_en || e.message);
  }
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
