// The jetstrand dashboard: polls GET /v1/instances and drives the backup calls of the REST
// API. Nothing else is loaded; the token, when the server asks for one, stays in this tab
// (sessionStorage) and goes with every call as "Authorization: Bearer …".
"use strict";

const JET_NAMES = {
  "-505": "JET_errBackupInProgress", "-520": "JET_errNoBackup", "-521": "JET_errInvalidBackupSequence",
  "-523": "JET_errBackupNotAllowedYet", "-560": "JET_errMissingFullBackup", "-616": "JET_errLogFileNotCopied",
  "-801": "JET_errBackupAbortByServer", "-1003": "JET_errInvalidParameter", "-1018": "JET_errReadVerifyFailure",
  "-1020": "JET_errOutOfFileHandles", "-1022": "JET_errDiskIO", "-1811": "JET_errFileNotFound",
};
const POLL_IDLE_MS = 2000;
const POLL_BUSY_MS = 500;

const state = {
  token: sessionStorage.getItem("jetstrand-token") || "",
  cards: new Map(),      // instance name -> card element
  samples: new Map(),    // instance name -> [{t, bytes}] for the rate
  errors: new Map(),     // instance name -> last error of a button
  timer: null,
};

class ApiError extends Error {
  constructor(status, body) {
    const e = body && body.error;
    super(e ? e.message : `HTTP ${status}`);
    this.status = status;
    this.code = e ? e.code : null;
    this.jetName = e ? e.name : null;
  }
}

async function api(method, path, body) {
  const headers = {};
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  let data = null;
  try { data = await res.json(); } catch (_) { /* not JSON */ }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

function bytes(n) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; ++i; }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

function ago(iso) {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

function describeError(err) {
  if (err instanceof ApiError && err.code !== null) return { name: err.jetName, code: err.code, message: err.message };
  return { name: null, code: null, message: String(err.message || err) };
}

function showError(box, err) {
  box.replaceChildren();
  if (!err) { box.hidden = true; return; }
  if (err.name) {
    const code = document.createElement("code");
    code.textContent = `${err.name} (${err.code})`;
    box.append(code, `: ${err.message}`);
  } else {
    box.append(err.message);
  }
  box.hidden = false;
}

function setPill(el, text) {
  el.textContent = text;
  el.dataset.state = text;
}

function rateOf(name, backup) {
  const now = performance.now();
  let list = state.samples.get(name) || [];
  if (!backup) { state.samples.delete(name); return null; }
  list.push({ t: now, bytes: backup.bytes_read });
  list = list.filter((s) => now - s.t <= 5000);  // a rate over the last 5 s
  state.samples.set(name, list);
  if (list.length < 2 || backup.state === "stopped") return null;
  const first = list[0], last = list[list.length - 1];
  return (last.bytes - first.bytes) / ((last.t - first.t) / 1000);
}

async function act(name, button, call) {
  const card = state.cards.get(name);
  button.disabled = true;
  try {
    const result = await call();
    state.errors.delete(name);
    if (result && (result.result === "completed" || result.result === "aborted")) card.dataset.lastResult = result.result;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return askToken();
    state.errors.set(name, describeError(err));
  }
  await refresh();
}

function makeCard(name) {
  const card = document.getElementById("instance-template").content.firstElementChild.cloneNode(true);
  card.dataset.instance = name;
  card.querySelector(".name").textContent = name;
  const base = `/v1/instances/${encodeURIComponent(name)}/backup`;
  const q = (sel) => card.querySelector(sel);
  q(".begin-full").addEventListener("click", (e) => act(name, e.target, () => api("POST", base, { incremental: false })));
  q(".begin-incremental").addEventListener("click", (e) => act(name, e.target, () => api("POST", base, { incremental: true })));
  q(".stop").addEventListener("click", (e) => act(name, e.target, () => api("POST", `${base}/stop`)));
  q(".end").addEventListener("click", (e) => act(name, e.target, () => api("DELETE", `${base}?mode=normal`)));
  return card;
}

function renderFiles(tbody, files) {
  const rows = files.map((f) => {
    const tr = document.createElement("tr");
    tr.dataset.file = f.name;
    tr.dataset.state = f.state;
    const name = document.createElement("td");
    name.className = "file-name";
    name.textContent = f.name;
    const progress = document.createElement("td");
    const bar = document.createElement("div");
    bar.className = "bar";
    bar.dataset.state = f.state;
    const fill = document.createElement("div");
    fill.className = "fill";
    fill.style.width = `${f.size ? Math.min(100, (100 * f.bytes_read) / f.size) : 0}%`;
    bar.append(fill);
    progress.append(bar);
    const done = document.createElement("td");
    done.className = "num file-bytes";
    done.textContent = `${bytes(f.bytes_read)} / ${bytes(f.size)}`;
    const st = document.createElement("td");
    const pill = document.createElement("span");
    pill.className = "pill file-state";
    setPill(pill, f.state);
    st.append(pill);
    if (f.error) {
      const err = document.createElement("span");
      err.className = "file-error error-text";
      err.textContent = `${JET_NAMES[f.error] || "error"} (${f.error})`;
      st.append(err);
    }
    tr.append(name, progress, done, st);
    return tr;
  });
  tbody.replaceChildren(...rows);
}

function renderInstance(inst) {
  let card = state.cards.get(inst.name);
  if (!card) {
    card = makeCard(inst.name);
    state.cards.set(inst.name, card);
  }
  const q = (sel) => card.querySelector(sel);
  setPill(q(".state"), inst.state);
  q(".databases").textContent = inst.databases.length ? inst.databases.join(", ") : "none";
  const last = inst.last_backup;
  q(".last-backup").textContent = last
    ? `${last.incremental ? "incremental" : "full"}, ${new Date(last.completed_at).toLocaleString()} (${ago(last.completed_at)})`
    : "never";
  if (card.dataset.lastResult) q(".last-backup").textContent += ` · last end: ${card.dataset.lastResult}`;

  const b = inst.backup;
  const running = inst.state === "running";
  q(".begin-full").disabled = !running || !!b;
  q(".begin-incremental").disabled = !running || !!b;
  q(".stop").disabled = !b || b.stop_requested;
  q(".end").disabled = !b;
  showError(q(".error"), state.errors.get(inst.name));

  const panel = q(".backup");
  const rate = rateOf(inst.name, b);
  card.dataset.backup = b ? b.state : "none";
  panel.hidden = !b;
  if (!b) return card;
  setPill(q(".backup-state"), b.state);
  q(".backup-kind").textContent = b.incremental ? "incremental" : "full";
  q(".stop-requested").hidden = !b.stop_requested;
  q(".rate").textContent = rate === null ? "" : `${bytes(rate)}/s`;
  const bar = q(".total-bar");
  bar.dataset.state = b.state;
  bar.firstElementChild.style.width = `${b.bytes_total ? Math.min(100, (100 * b.bytes_read) / b.bytes_total) : 0}%`;
  q(".totals").textContent = `${bytes(b.bytes_read)} of ${bytes(b.bytes_total)} read`;
  renderFiles(q(".files tbody"), b.files);
  return card;
}

function render(data) {
  document.getElementById("mode").textContent = `${data.mode}-instance mode`;
  const main = document.getElementById("instances");
  const names = new Set(data.instances.map((i) => i.name));
  for (const name of state.cards.keys()) if (!names.has(name)) state.cards.delete(name);
  const cards = data.instances.map(renderInstance);
  if (!cards.length) {
    const p = document.createElement("p");
    p.className = "empty";
    p.textContent = "No instances yet: create one with POST /v1/instances.";
    cards.push(p);
  }
  // Keep the cards in place when nothing moved (buttons keep their focus).
  const same = cards.length === main.children.length && cards.every((c, i) => main.children[i] === c);
  if (!same) main.replaceChildren(...cards);
  return data.instances.some((i) => i.backup);
}

function setConnection(text) {
  setPill(document.getElementById("connection"), text);
}

function askToken(message) {
  clearTimeout(state.timer);
  const form = document.getElementById("token-form");
  form.hidden = false;
  document.getElementById("token-error").textContent = message || (state.token ? "That token was refused." : "");
  document.getElementById("token-input").focus();
  setConnection("token needed");
}

async function refresh() {
  clearTimeout(state.timer);
  const banner = document.getElementById("banner");
  let busy = false;
  try {
    busy = render(await api("GET", "/v1/instances"));
    banner.hidden = true;
    setConnection("connected");
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return askToken();
    showError(banner, describeError(err));
    setConnection("offline");
  }
  state.timer = setTimeout(refresh, busy ? POLL_BUSY_MS : POLL_IDLE_MS);
}

document.getElementById("token-form").addEventListener("submit", (e) => {
  e.preventDefault();
  state.token = document.getElementById("token-input").value.trim();
  sessionStorage.setItem("jetstrand-token", state.token);
  document.getElementById("token-form").hidden = true;
  refresh();
});

refresh();
