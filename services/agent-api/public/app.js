// The page at / of the Agent API: ask, browse datasets, upload a CSV. Plain
// DOM code, no build step; everything the server sends is shown with
// textContent, never parsed as HTML.

const strings = {
  zh: {
    "ask.title": "提问", "ask.button": "提问", "ask.new": "新对话", "ask.asking": "正在回答…",
    "ask.placeholder": "在数据集 sales_data_v1.0 中，哪些客户是大客户？列出每个大客户的订单总金额。",
    "answer.sql": "生成数字的 SQL", "answer.chunks": "引用的文档片段", "answer.route": "路由", "answer.model": "模型",
    "answer.total": "总耗时", "answer.modelTime": "模型", "answer.dataTime": "Data API", "answer.degraded": "降级",
    "answer.rows": "行", "answer.score": "相关度",
    "datasets.title": "数据集", "datasets.refresh": "刷新", "datasets.schema": "表结构", "datasets.preview": "预览（前 10 行）",
    "datasets.loading": "加载中…", "datasets.count": "共 {n} 个", "datasets.none": "还没有数据集",
    "datasets.matching": "{m} / 共 {n} 个", "datasets.page": "{from}–{to} / {n}", "datasets.filter": "按 ID、名称或格式查找",
    "col.id": "ID", "col.name": "名称", "col.version": "版本", "col.rows": "行数", "col.format": "格式", "col.status": "状态", "col.created": "创建时间",
    "col.column": "列", "col.type": "类型", "col.nullable": "可空", "col.comment": "原列名", "col.sqlType": "SQL 类型",
    "upload.title": "上传 CSV 注册数据集", "upload.name": "数据集名称", "upload.file": "CSV 文件", "upload.button": "上传并注册",
    "upload.sending": "上传中 {p}%", "upload.registering": "已上传，正在注册（建表、载入行）…", "upload.done": "已注册 {id}（{rows} 行）",
    "upload.status": "状态：{s}",
    "health.ok": "运行正常", "health.bad": "异常", "lang": "English",
  },
  en: {
    "ask.title": "Ask", "ask.button": "Ask", "ask.new": "New conversation", "ask.asking": "Answering…",
    "ask.placeholder": "In dataset sales_data_v1.0, which customers are key customers? List each key customer's order total.",
    "answer.sql": "SQL behind the figures", "answer.chunks": "Cited document chunks", "answer.route": "route", "answer.model": "model",
    "answer.total": "total", "answer.modelTime": "model", "answer.dataTime": "Data API", "answer.degraded": "degraded",
    "answer.rows": "rows", "answer.score": "score",
    "datasets.title": "Datasets", "datasets.refresh": "Refresh", "datasets.schema": "Schema", "datasets.preview": "Preview (first 10 rows)",
    "datasets.loading": "Loading…", "datasets.count": "{n} datasets", "datasets.none": "No datasets yet",
    "datasets.matching": "{m} of {n} datasets", "datasets.page": "{from}–{to} of {n}", "datasets.filter": "Find by id, name or format",
    "col.id": "ID", "col.name": "Name", "col.version": "Version", "col.rows": "Rows", "col.format": "Format", "col.status": "Status", "col.created": "Created",
    "col.column": "Column", "col.type": "Type", "col.nullable": "Nullable", "col.comment": "Original name", "col.sqlType": "SQL type",
    "upload.title": "Register a CSV by upload", "upload.name": "Dataset name", "upload.file": "CSV file", "upload.button": "Upload and register",
    "upload.sending": "Uploading {p}%", "upload.registering": "Uploaded; registering (creating the table, loading rows)…", "upload.done": "Registered {id} ({rows} rows)",
    "upload.status": "status: {s}",
    "health.ok": "healthy", "health.bad": "unavailable", "lang": "中文",
  },
};

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
let lang = params.get("lang") ?? localStorage.getItem("lang") ?? (navigator.language.startsWith("zh") ? "zh" : "en");
if (!strings[lang]) lang = "en";
let conversationId;
let datasets = [];
let datasetFilter = "";
let datasetPage = 0;
/** Rows the table shows at once; the list itself is read whole, so the count is the true total. */
const datasetsPerPage = 100;
/** The Data API's largest page (its `limit` maximum). */
const listPageSize = 1000;
let selected;

function t(key, vars = {}) {
  return (strings[lang][key] ?? key).replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

function applyLanguage() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  $("lang").textContent = t("lang");
  $("question").placeholder = t("ask.placeholder");
  $("datasets-filter").placeholder = t("datasets.filter");
  renderDatasets();
}

function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function cell(value) {
  if (value === null || value === undefined) return "∅";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** A table of rows (objects) under the given columns: [key, header]. */
function table(columns, rows, onSelect) {
  const head = el("tr", {}, columns.map(([, header]) => el("th", { text: header })));
  const body = rows.map((row) => {
    const tr = el("tr", onSelect ? { class: "selectable" } : {}, columns.map(([key]) => el("td", { text: cell(row[key]) })));
    if (onSelect) tr.addEventListener("click", () => onSelect(row, tr));
    return tr;
  });
  return el("table", {}, [el("thead", {}, [head]), el("tbody", {}, body)]);
}

async function api(path, init) {
  const response = await fetch(path, init);
  const body = await response.json().catch(() => ({ code: response.status, message: response.statusText }));
  if (!response.ok || body.code !== 0) throw new Error(`${body.message ?? "error"} (${body.code ?? response.status})`);
  return body.data;
}

function showError(target, error) {
  target.textContent = error.message;
  target.classList.add("error");
}

function clearState(target, text = "") {
  target.textContent = text;
  target.classList.remove("error");
}

const ms = (value) => (typeof value === "number" ? `${value < 10 ? value.toFixed(1) : Math.round(value)} ms` : "–");

function renderAnswer(data) {
  $("answer").hidden = false;
  $("reply").textContent = data.reply;
  const meta = [
    [t("answer.route"), data.route],
    [t("answer.model"), data.model ?? "–"],
    [t("answer.total"), ms(data.timings?.total_ms)],
    [t("answer.modelTime"), ms(data.timings?.model_ms)],
    [t("answer.dataTime"), ms(data.timings?.data_api_ms)],
  ];
  if (data.degraded?.length) meta.push([t("answer.degraded"), data.degraded.join(", ")]);
  $("answer-meta").replaceChildren(...meta.map(([k, v]) => el("div", { "data-field": k }, [el("dt", { text: k }), el("dd", { text: String(v) })])));

  const sql = data.sources?.sql;
  $("sql-block").hidden = !sql;
  if (sql) {
    $("sql").textContent = sql.sql;
    $("sql-dataset").textContent = `${sql.dataset_name} v${sql.version} · ${sql.table} · ${sql.row_count} ${t("answer.rows")}`;
    $("sql-rows").replaceChildren(table(sql.columns.map((c) => [c.name, c.name]), sql.rows));
  }
  const documents = data.sources?.documents ?? [];
  $("chunks-block").hidden = documents.length === 0;
  $("chunks").replaceChildren(
    ...documents.map((d) =>
      el("li", { value: String(d.n) }, [
        el("div", { class: "muted", text: `[${d.n}] ${d.document_name} · #${d.position} · ${t("answer.score")} ${Number(d.score).toFixed(3)}` }),
        el("div", { class: "text", text: d.text }),
      ]),
    ),
  );
}

async function ask(event) {
  event.preventDefault();
  const message = $("question").value.trim() || t("ask.placeholder");
  $("question").value = message;
  $("ask").disabled = true;
  clearState($("ask-state"), t("ask.asking"));
  try {
    const data = await api("/api/v1/chat", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(conversationId ? { message, conversation_id: conversationId } : { message }),
    });
    conversationId = data.conversation_id;
    renderAnswer(data);
    clearState($("ask-state"));
  } catch (error) {
    showError($("ask-state"), error);
  } finally {
    $("ask").disabled = false;
  }
}

function matchingDatasets() {
  const needle = datasetFilter.trim().toLowerCase();
  if (!needle) return datasets;
  return datasets.filter((d) => [d.dataset_id, d.name, d.format].some((field) => String(field ?? "").toLowerCase().includes(needle)));
}

function renderDatasets() {
  const target = $("datasets");
  const matching = matchingDatasets();
  const pages = Math.max(1, Math.ceil(matching.length / datasetsPerPage));
  datasetPage = Math.min(Math.max(datasetPage, 0), pages - 1);
  const from = datasetPage * datasetsPerPage;
  const shown = matching.slice(from, from + datasetsPerPage);
  $("datasets-prev").disabled = datasetPage === 0;
  $("datasets-next").disabled = datasetPage >= pages - 1;
  $("datasets-page").textContent = matching.length === 0 ? "" : t("datasets.page", { from: from + 1, to: from + shown.length, n: matching.length });
  if (datasets.length === 0) {
    target.replaceChildren(el("p", { class: "muted", text: t("datasets.none") }));
    return;
  }
  const columns = [["dataset_id", t("col.id")], ["name", t("col.name")], ["version", t("col.version")], ["row_count", t("col.rows")], ["format", t("col.format")], ["status", t("col.status")]];
  target.replaceChildren(table(columns, shown, (row, tr) => showDataset(row, tr)));
  const count = matching.length === datasets.length ? t("datasets.count", { n: datasets.length }) : t("datasets.matching", { m: matching.length, n: datasets.length });
  clearState($("datasets-state"), count);
}

/** Every registered dataset, read page by page from the Data API's list until a short page. */
async function loadDatasets() {
  clearState($("datasets-state"), t("datasets.loading"));
  try {
    const all = [];
    for (;;) {
      const page = await api(`/api/v1/datasets?limit=${listPageSize}&offset=${all.length}`);
      all.push(...page);
      if (page.length < listPageSize) break;
    }
    datasets = all;
    renderDatasets();
  } catch (error) {
    showError($("datasets-state"), error);
  }
}

/** Turns to the page that shows `datasetId` (clearing a filter that hides it) and returns its row. */
function revealDataset(datasetId) {
  if (!matchingDatasets().some((d) => d.dataset_id === datasetId)) {
    datasetFilter = "";
    $("datasets-filter").value = "";
  }
  datasetPage = Math.floor(matchingDatasets().findIndex((d) => d.dataset_id === datasetId) / datasetsPerPage);
  renderDatasets();
  return [...document.querySelectorAll("#datasets tbody tr")].find((tr) => tr.firstChild?.textContent === datasetId);
}

async function showDataset(dataset, row) {
  selected = dataset.dataset_id;
  for (const tr of document.querySelectorAll("#datasets tr.selected")) tr.classList.remove("selected");
  row?.classList.add("selected");
  $("dataset-detail").hidden = false;
  $("detail-title").textContent = `${dataset.dataset_id} · ${dataset.name} v${dataset.version}`;
  $("schema").replaceChildren();
  $("preview").replaceChildren();
  const id = encodeURIComponent(dataset.dataset_id);
  try {
    const [schema, preview] = await Promise.all([api(`/api/v1/datasets/${id}/schema`), api(`/api/v1/datasets/${id}/preview?limit=10`)]);
    if (selected !== dataset.dataset_id) return;
    const columns = [["name", t("col.column")], ["type", t("col.type")], ["sql_type", t("col.sqlType")], ["nullable", t("col.nullable")], ["comment", t("col.comment")]];
    $("schema").replaceChildren(table(columns, schema.columns));
    $("preview").replaceChildren(table(preview.columns.map((c) => [c.name, c.name]), preview.rows));
  } catch (error) {
    $("schema").replaceChildren(el("p", { class: "error", text: error.message }));
  }
}

/** The upload goes by XMLHttpRequest, the one browser API that reports upload progress. */
function upload(event) {
  event.preventDefault();
  const file = $("upload-file").files[0];
  const name = $("upload-name").value.trim();
  if (!file || !name) return;
  const form = new FormData();
  // The Data API reads the text fields before the file part.
  form.append("name", name);
  form.append("format", "csv");
  form.append("file", file);
  const progress = $("upload-progress");
  const state = $("upload-state");
  progress.hidden = false;
  progress.value = 0;
  $("upload").disabled = true;
  const xhr = new XMLHttpRequest();
  xhr.open("POST", "/api/v1/datasets/upload");
  xhr.responseType = "json";
  xhr.upload.addEventListener("progress", (e) => {
    if (!e.lengthComputable) return;
    progress.value = Math.round((e.loaded / e.total) * 100);
    clearState(state, t("upload.sending", { p: progress.value }));
  });
  xhr.upload.addEventListener("load", () => {
    progress.value = 100;
    clearState(state, t("upload.registering"));
  });
  xhr.addEventListener("loadend", async () => {
    $("upload").disabled = false;
    const body = xhr.response ?? {};
    if (xhr.status !== 200 || body.code !== 0) {
      showError(state, new Error(`${body.message ?? (xhr.statusText || "upload failed")} (${body.code ?? xhr.status})`));
      return;
    }
    const dataset = await followStatus(body.data, state);
    clearState(state, t("upload.done", { id: dataset.dataset_id, rows: dataset.row_count ?? "?" }));
    await loadDatasets();
    await showDataset(dataset, revealDataset(dataset.dataset_id));
  });
  xhr.send(form);
}

/** Until the Data API reports the dataset active (registration may go on after the upload), show its status. */
async function followStatus(dataset, state) {
  let current = dataset;
  for (let i = 0; i < 600 && current.status && current.status !== "active"; i++) {
    if (/fail|error/i.test(current.status)) throw new Error(t("upload.status", { s: current.status }));
    const progress = current.progress === undefined ? "" : ` ${cell(current.progress)}`;
    clearState(state, t("upload.status", { s: current.status }) + progress);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    current = await api(`/api/v1/datasets/${encodeURIComponent(current.dataset_id)}`);
  }
  return current;
}

async function checkHealth() {
  const chip = $("health");
  try {
    const response = await fetch("/api/v1/health");
    const body = await response.json();
    const ok = response.ok && body.message === "healthy";
    chip.dataset.state = ok ? "ok" : "bad";
    chip.textContent = `Agent API · ${ok ? t("health.ok") : body.message}`;
  } catch {
    chip.dataset.state = "bad";
    chip.textContent = `Agent API · ${t("health.bad")}`;
  }
}

$("ask-form").addEventListener("submit", ask);
$("new-conversation").addEventListener("click", () => {
  conversationId = undefined;
  $("answer").hidden = true;
});
$("refresh").addEventListener("click", loadDatasets);
$("datasets-filter").addEventListener("input", (event) => {
  datasetFilter = event.target.value;
  datasetPage = 0;
  renderDatasets();
});
$("datasets-prev").addEventListener("click", () => {
  datasetPage -= 1;
  renderDatasets();
});
$("datasets-next").addEventListener("click", () => {
  datasetPage += 1;
  renderDatasets();
});
$("upload-form").addEventListener("submit", upload);
$("lang").addEventListener("click", () => {
  lang = lang === "zh" ? "en" : "zh";
  localStorage.setItem("lang", lang);
  applyLanguage();
  checkHealth();
});
$("question").addEventListener("keydown", (e) => {
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) $("ask-form").requestSubmit();
});

applyLanguage();
checkHealth();
loadDatasets();
