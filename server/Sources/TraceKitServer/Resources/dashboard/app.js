// TraceKit dashboard: one page, plain DOM. Every value from the server is put
// into the page with textContent / attributes via el(), never as HTML, so a
// label like <img src=x onerror=alert(1)> is shown as text.
"use strict";

// ---- DOM helpers -------------------------------------------------------------

/** el("td", {class: "x", onclick: fn}, child, "text", …): children are nodes or text. */
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "text") node.textContent = String(value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function toast(message, isError) {
  const box = el("div", { class: isError ? "error" : "" }, message);
  document.getElementById("toast").append(box);
  setTimeout(() => box.remove(), isError ? 8000 : 4000);
}

function fmtTime(text) {
  if (!text) return "";
  const date = new Date(text);
  return isNaN(date) ? String(text) : date.toLocaleString();
}

// ---- API ---------------------------------------------------------------------

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-Requested-With": "tracekit-dashboard" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401) { location.href = "/login"; throw new Error("signed out"); }
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new Error((data && data.message) || response.statusText);
  return data;
}

const enc = encodeURIComponent;

// ---- shared state, kept current by the event stream ----------------------------

const state = { services: [], breakpoints: [], codeVersion: null, latestSnapshot: null };

function breakpointStatus(bp) {
  const service = state.services.find((s) => s.name === bp.service_name);
  if (service && service.kill_switch) return ["killed", "kill switch on"];
  if (bp.expire_at && new Date(bp.expire_at) <= new Date()) return ["expired", "expired"];
  if (bp.max_captures > 0 && bp.capture_count >= bp.max_captures) return ["done", "max captures reached"];
  return bp.enabled ? ["active", "active"] : ["disabled", "disabled"];
}

function locationText(item) {
  const parts = [];
  if (item.file_path) parts.push(item.line_number ? `${item.file_path}:${item.line_number}` : item.file_path);
  if (item.function_name) parts.push(item.function_name);
  if (item.label) parts.push(`[${item.label}]`);
  return parts.join("  ");
}

// ---- routing -------------------------------------------------------------------

const views = {
  "/": servicesView,
  "/services": servicesView,
  "/breakpoints": breakpointsView,
  "/code": codeView,
  "/snapshots": snapshotsView,
};
let current = null; // { refresh(kind) } of the view on screen
let renderCount = 0; // async work of a view that is no longer on screen is dropped

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

function navigate(url, replace) {
  if (replace) history.replaceState(null, "", url); else history.pushState(null, "", url);
  render();
}

function render() {
  const path = location.pathname;
  renderCount += 1;
  const main = document.getElementById("main");
  main.replaceChildren();
  for (const link of document.querySelectorAll("a[data-nav]")) {
    const target = link.getAttribute("href");
    const active = target === "/" ? path === "/" || path === "/services" : path.startsWith(target);
    if (active) link.setAttribute("aria-current", "page"); else link.removeAttribute("aria-current");
  }
  const detail = path.match(/^\/snapshots\/([^/]+)$/);
  const view = detail ? () => snapshotDetailView(decodeURIComponent(detail[1])) : views[path] || servicesView;
  current = view(main) || null;
}

document.addEventListener("click", (event) => {
  const link = event.target.closest("a[href^='/']");
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey || link.target) return;
  event.preventDefault();
  navigate(link.getAttribute("href"));
  document.getElementById("main").focus();
});
window.addEventListener("popstate", render);

// ---- live updates (SSE) ----------------------------------------------------------

function connectEvents() {
  const live = document.getElementById("live");
  const source = new EventSource("/dashboard/events");
  source.onopen = () => { live.textContent = "live"; live.classList.add("on"); };
  source.onerror = () => { live.textContent = "reconnecting…"; live.classList.remove("on"); };
  source.addEventListener("services", (e) => { state.services = JSON.parse(e.data).services; refresh("services"); });
  source.addEventListener("breakpoints", (e) => { state.breakpoints = JSON.parse(e.data).breakpoints; refresh("breakpoints"); });
  source.addEventListener("snapshots", (e) => {
    const seq = JSON.parse(e.data).latest_seq;
    const first = state.latestSnapshot === null;
    state.latestSnapshot = seq;
    if (!first) refresh("snapshots");
  });
  source.addEventListener("code", (e) => {
    const first = state.codeVersion === null;
    state.codeVersion = e.data;
    if (!first) refresh("code");
  });
}

function refresh(kind) {
  if (current && current.refresh) current.refresh(kind);
}

// ---- Services ----------------------------------------------------------------------

function servicesView(main) {
  const body = el("tbody");
  main.append(
    el("h1", {}, "Services"),
    el("table", { "aria-label": "Services" },
      el("thead", {}, el("tr", {}, el("th", {}, "Service"), el("th", {}, "Connected SDKs"), el("th", {}, "Kill switch"), el("th", {}, ""))),
      body));
  function draw() {
    body.replaceChildren();
    if (!state.services.length) body.append(el("tr", {}, el("td", { colspan: 4, class: "muted" }, "No services yet: an SDK polling or a trace export makes one known.")));
    for (const service of state.services) {
      const on = !!service.kill_switch;
      body.append(el("tr", { "data-service": service.name },
        el("td", {}, el("strong", {}, service.name)),
        el("td", {}, el("span", { class: "count sdk-count" }, service.connected_sdks ?? 0)),
        el("td", {}, el("button", {
          class: "kill", "aria-pressed": on ? "true" : "false", "data-kill": service.name,
          onclick: async () => {
            try {
              await api("POST", `/api/services/${enc(service.name)}/kill-switch`, { enabled: !on });
              toast(`Kill switch ${!on ? "on" : "off"} for ${service.name}`);
            } catch (err) { toast(err.message, true); }
          },
        }, on ? "ON — captures stopped" : "off")),
        el("td", {}, el("a", { href: `/code?service=${enc(service.name)}` }, "Browse code"), " · ",
          el("a", { href: `/snapshots?service=${enc(service.name)}` }, "Snapshots"))));
    }
  }
  api("GET", "/api/services").then((data) => { state.services = data.services; draw(); }).catch((e) => toast(e.message, true));
  draw();
  return { refresh: (kind) => { if (kind === "services") draw(); } };
}

// ---- Breakpoints -------------------------------------------------------------------

function breakpointForm(initial, onSubmit, submitText) {
  const isNew = !initial.id;
  const field = (name, label, attrs) => el("label", {}, label, el("input", { name, ...attrs }));
  const expire = initial.expire_at ? new Date(initial.expire_at) : null;
  const localExpire = expire ? new Date(expire.getTime() - expire.getTimezoneOffset() * 60000).toISOString().slice(0, 16) : "";
  const form = el("form", { class: "grid", "aria-label": isNew ? "New breakpoint" : "Edit breakpoint" },
    isNew ? field("service_name", "Service", { required: true, value: initial.service_name || "" }) : null,
    isNew ? field("file_path", "File", { value: initial.file_path || "" }) : null,
    isNew ? field("line_number", "Line", { type: "number", min: 0, value: initial.line_number || "" }) : null,
    isNew ? field("function_name", "Function", { value: initial.function_name || "" }) : null,
    isNew ? field("label", "Label", { value: initial.label || "" }) : null,
    field("condition", "Condition", { value: initial.condition || "", placeholder: "e.g. amount > 100", class: "mono" }),
    field("max_captures", "Max captures (0 = unlimited)", { type: "number", min: 0, value: initial.max_captures ?? 10 }),
    field("capture_frequency", "Min seconds between captures", { type: "number", min: 0, value: initial.capture_frequency ?? 0 }),
    field("expire_at", "Expires (local time)", { type: "datetime-local", value: localExpire }),
    field("idle_timeout_hours", "Disable after hours without a capture (empty = never)", { type: "number", min: 1, value: initial.idle_timeout_hours ?? "" }),
    el("label", {}, "Enabled", el("input", { type: "checkbox", name: "enabled", checked: initial.enabled !== false })),
    el("div", { class: "actions" },
      el("button", { type: "submit", class: "primary" }, submitText),
      el("button", { type: "button", onclick: () => form.remove() }, "Cancel")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = {};
    for (const name of ["service_name", "file_path", "function_name", "label"]) if (data.has(name)) body[name] = data.get(name).trim();
    if (data.has("line_number")) body.line_number = Number(data.get("line_number") || 0);
    const condition = data.get("condition").trim();
    body.condition = condition === "" ? null : condition;
    body.max_captures = Number(data.get("max_captures") || 0);
    body.capture_frequency = Number(data.get("capture_frequency") || 0);
    const expireText = data.get("expire_at");
    body.expire_at = expireText ? new Date(expireText).toISOString() : null;
    const idleText = data.get("idle_timeout_hours");
    body.idle_timeout_hours = idleText ? Number(idleText) : null;
    body.enabled = data.get("enabled") !== null;
    if (isNew && body.condition === null) delete body.condition;
    if (isNew && body.expire_at === null) delete body.expire_at;
    if (isNew && body.idle_timeout_hours === null) delete body.idle_timeout_hours;
    try { await onSubmit(body); form.remove(); } catch (err) { toast(err.message, true); }
  });
  return form;
}

function breakpointsView(main) {
  const params = new URLSearchParams(location.search);
  const formSlot = el("div");
  const body = el("tbody");
  main.append(
    el("h1", {}, "Breakpoints"),
    el("p", {}, el("button", { class: "primary", onclick: () => openCreate({}) }, "New breakpoint")),
    formSlot,
    el("table", { "aria-label": "Breakpoints" },
      el("thead", {}, el("tr", {}, ...["Service", "Location", "Condition", "Captures", "Every", "Expires", "Status", ""].map((h) => el("th", {}, h)))),
      body));
  function openCreate(initial) {
    formSlot.replaceChildren(breakpointForm(initial, async (bp) => {
      const created = await api("POST", "/api/breakpoints", bp);
      toast(`Breakpoint set at ${locationText(created)}`);
      await reload();
    }, "Create breakpoint"));
    formSlot.querySelector("input:not([type=hidden])").focus();
  }
  // Rows are updated in place on live events, so an open edit form and the
  // keyboard focus (usually on an action button) survive the counters ticking.
  function infoCells(bp) {
    const [statusClass, statusText] = breakpointStatus(bp);
    return [
      el("td", {}, bp.service_name),
      el("td", { class: "mono" }, locationText(bp)),
      el("td", { class: "mono" }, bp.condition || el("span", { class: "muted" }, "—")),
      el("td", {}, el("span", { class: "count capture-count" }, bp.capture_count), bp.max_captures ? ` / ${bp.max_captures}` : ""),
      el("td", {}, bp.capture_frequency ? `${bp.capture_frequency}s` : "—"),
      el("td", {}, bp.expire_at ? fmtTime(bp.expire_at) : "—"),
      el("td", {}, el("span", { class: `status ${statusClass}` }, statusText)),
    ];
  }
  function actionCell(bp, row) {
    return el("td", { class: "actions" },
      el("button", { onclick: () => {
        const open = row.nextSibling && row.nextSibling.classList.contains("edit-row") ? row.nextSibling : null;
        if (open && open.querySelector("form")) { open.querySelector("input").focus(); return; }
        if (open) open.remove();
        const editRow = el("tr", { class: "edit-row" });
        editRow.append(el("td", { colspan: 8 }, breakpointForm(current_bp(bp.id) || bp, async (patch) => {
          await api("PATCH", `/api/breakpoints/${enc(bp.id)}`, patch);
          toast("Breakpoint updated");
          editRow.remove();
          await reload();
        }, "Save")));
        row.after(editRow);
        editRow.querySelector("input").focus();
      } }, "Edit"), " ",
      el("button", { class: "toggle", onclick: async () => {
        const now = current_bp(bp.id) || bp;
        try { await api("PATCH", `/api/breakpoints/${enc(bp.id)}`, { enabled: !now.enabled }); await reload(); } catch (err) { toast(err.message, true); }
      } }, bp.enabled ? "Disable" : "Enable"), " ",
      el("a", { href: `/snapshots?breakpoint_id=${enc(bp.id)}` }, "Snapshots"), " ",
      el("button", { class: "danger", onclick: async () => {
        if (!confirm(`Delete the breakpoint at ${locationText(bp)}?`)) return;
        try { await api("DELETE", `/api/breakpoints/${enc(bp.id)}`); toast("Breakpoint deleted"); await reload(); } catch (err) { toast(err.message, true); }
      } }, "Delete"));
  }
  const current_bp = (id) => state.breakpoints.find((b) => b.id === id);
  function draw() {
    const rows = new Map([...body.querySelectorAll("tr[data-breakpoint]")].map((r) => [r.getAttribute("data-breakpoint"), r]));
    const wanted = new Set(state.breakpoints.map((bp) => bp.id));
    for (const [id, row] of rows) {
      if (wanted.has(id)) continue;
      if (row.nextSibling && row.nextSibling.classList.contains("edit-row")) row.nextSibling.remove();
      row.remove();
    }
    const empty = body.querySelector("tr.empty");
    if (empty) empty.remove();
    if (!state.breakpoints.length) body.append(el("tr", { class: "empty" }, el("td", { colspan: 8, class: "muted" }, "No breakpoints. Set one from Browse Code.")));
    let previous = null;
    for (const bp of state.breakpoints) {
      let row = rows.get(bp.id);
      if (row && row.isConnected) {
        const actions = row.querySelector("td.actions");
        row.replaceChildren(...infoCells(bp), actions);
        actions.querySelector("button.toggle").textContent = bp.enabled ? "Disable" : "Enable";
      } else {
        row = el("tr", { "data-breakpoint": bp.id });
        row.append(...infoCells(bp), actionCell(bp, row));
        if (previous) (previous.nextSibling && previous.nextSibling.classList.contains("edit-row") ? previous.nextSibling : previous).after(row);
        else body.prepend(row);
      }
      previous = row;
    }
  }
  async function reload() {
    try { state.breakpoints = (await api("GET", "/api/breakpoints")).breakpoints; draw(); } catch (err) { toast(err.message, true); }
  }
  if (params.get("new")) openCreate(JSON.parse(params.get("new")));
  draw();
  reload();
  return { refresh: (kind) => { if (kind === "breakpoints" || kind === "services") draw(); } };
}

// ---- Browse Code -------------------------------------------------------------------------

function codeView(main) {
  const params = new URLSearchParams(location.search);
  const picker = el("select", { id: "code-service", "aria-label": "Service" });
  const tree = el("div", { id: "code-tree" });
  const formSlot = el("div");
  const open = new Set(); // file paths the user expanded, kept across live refreshes
  main.append(el("h1", {}, "Browse Code"),
    el("div", { class: "filters" }, el("label", { for: "code-service" }, "Service", picker)),
    el("p", { class: "muted" }, "Files, functions and lines your traces revealed (span code.* attributes and exception stack traces)."),
    formSlot, tree);
  picker.addEventListener("change", () => { history.replaceState(null, "", `/code?service=${enc(picker.value)}`); loadTree(); });

  function setBreakpoint(service, file, fn, line) {
    const initial = { service_name: service, file_path: file, function_name: fn.function_name, line_number: line || 0, max_captures: 10 };
    if (!line) { initial.label = fn.function_name; if (!file) initial.file_path = ""; }
    formSlot.replaceChildren(el("h2", {}, `Set breakpoint at ${file}${line ? ":" + line : ""} (${fn.function_name || "?"})`),
      breakpointForm(initial, async (bp) => {
        const created = await api("POST", "/api/breakpoints", bp);
        toast(`Breakpoint set at ${locationText(created)}`);
        formSlot.replaceChildren();
        loadTree();
      }, "Create breakpoint"));
    formSlot.querySelector("input[name=condition]").focus();
  }

  async function loadServices() {
    const data = await api("GET", "/api/code");
    picker.replaceChildren(...data.services.map((s) => el("option", { value: s.service_name }, `${s.service_name} (${plural(s.files, "file")})`)));
    if (!data.services.length) { tree.replaceChildren(el("p", { class: "muted" }, "No code discovered yet. Point an OpenTelemetry exporter at /v1/traces.")); return false; }
    const wanted = params.get("service");
    if (wanted && data.services.some((s) => s.service_name === wanted)) picker.value = wanted;
    return true;
  }

  async function loadTree() {
    const service = picker.value;
    if (!service) return;
    const [code, bps] = await Promise.all([api("GET", `/api/code/${enc(service)}`), api("GET", `/api/breakpoints?service=${enc(service)}`)]);
    // Lines carry the breakpoints an SDK there matches (the server applies the
    // library's path-suffix rule); a function without lines, its label breakpoint.
    const lineHasBreakpoint = (line) => (line.breakpoint_ids || []).length > 0;
    const fnHasBreakpoint = (fn) => fn.lines.length ? lineHasBreakpoint(fn.lines[0])
      : bps.breakpoints.some((b) => b.function_name === fn.function_name && b.label === fn.function_name);
    const files = code.files.map((file) => {
      const details = el("details", { class: "code-file", "data-file": file.file_path, open: open.has(file.file_path) },
        el("summary", {}, file.file_path || "(unknown file)", " ", el("span", { class: "hits" }, `${plural(file.hit_count, "hit")} · last ${fmtTime(file.last_seen_at)}`)));
      details.addEventListener("toggle", () => { if (details.open) open.add(file.file_path); else open.delete(file.file_path); });
      for (const fn of file.functions) {
        const name = (fn.namespace ? fn.namespace + "." : "") + (fn.function_name || "(unknown function)");
        const firstLine = fn.lines.length ? fn.lines[0].line_number : 0;
        const fnBox = el("div", { class: "code-fn", "data-function": fn.function_name },
          el("div", { class: "fn-head" }, el("code", {}, name), el("span", { class: "hits" }, plural(fn.hit_count, "hit")),
            el("button", { "data-set-breakpoint": "function", onclick: () => setBreakpoint(service, file.file_path, fn, firstLine) },
              "Set Breakpoint"),
            fnHasBreakpoint(fn) ? el("span", { class: "status active" }, "breakpoint") : null));
        for (const line of fn.lines) {
          fnBox.append(el("div", { class: "code-line", "data-line": line.line_number },
            el("span", { class: "ln mono" }, `line ${line.line_number}`),
            el("span", { class: "hits" }, `${plural(line.hit_count, "hit")} · first ${fmtTime(line.first_seen_at)} · last ${fmtTime(line.last_seen_at)}`),
            el("button", { "data-set-breakpoint": "line", "aria-label": `Set Breakpoint at line ${line.line_number}`,
              onclick: () => setBreakpoint(service, file.file_path, fn, line.line_number) }, "Set Breakpoint"),
            lineHasBreakpoint(line) ? el("span", { class: "status active" }, "breakpoint") : null));
        }
        details.append(fnBox);
      }
      return details;
    });
    tree.replaceChildren(...files);
  }

  loadServices().then((any) => any && loadTree()).catch((e) => toast(e.message, true));
  return { refresh: (kind) => {
    if (kind === "code" || kind === "breakpoints") (picker.value ? loadTree() : loadServices().then((any) => any && loadTree())).catch(() => {});
  } };
}

// ---- Snapshots ------------------------------------------------------------------------------

function snapshotsView(main) {
  // The service and breakpoint filters come from the URL (a direct load or a
  // reload) and are written back to it on change. The dropdowns are filled
  // from the event stream, which may arrive after this view: they are refilled
  // then, keeping the wanted values selected.
  const params = new URLSearchParams(location.search);
  const wanted = { service: params.get("service") || "", breakpoint: params.get("breakpoint_id") || params.get("breakpoint") || "" };
  const service = el("select", { name: "service" });
  const breakpoint = el("select", { name: "breakpoint_id" });
  const since = el("input", { type: "datetime-local", name: "since" });
  const until = el("input", { type: "datetime-local", name: "until" });
  const body = el("tbody");
  const more = el("button", { hidden: true }, "Load older");
  const deleteMatching = el("button", { class: "danger", hidden: true, onclick: deleteFiltered }, "Delete these snapshots");
  let cursor = null;
  main.append(el("h1", {}, "Snapshots"),
    el("form", { class: "filters", "aria-label": "Filters" },
      el("label", {}, "Service", service), el("label", {}, "Breakpoint", breakpoint),
      el("label", {}, "Since", since), el("label", {}, "Until", until)),
    el("table", { "aria-label": "Snapshots" },
      el("thead", {}, el("tr", {}, ...["Captured", "Service", "Location", "Label", "Breakpoint"].map((h) => el("th", {}, h)))), body),
    el("p", {}, more, " ", deleteMatching));

  // Options for what is known, plus the wanted value if it is not (yet) known.
  function setOptions(select, allText, options, value) {
    const extra = value && !options.some(([v]) => v === value) ? [[value, value]] : [];
    select.replaceChildren(el("option", { value: "" }, allText),
      ...[...options, ...extra].map(([v, text]) => el("option", { value: v }, text)));
    select.value = value;
  }
  function fillFilters() {
    setOptions(service, "all services", state.services.map((s) => [s.name, s.name]), wanted.service);
    setOptions(breakpoint, "all breakpoints",
      state.breakpoints.map((bp) => [bp.id, `${bp.service_name}: ${locationText(bp)}`]), wanted.breakpoint);
  }
  fillFilters();
  for (const input of [service, breakpoint]) {
    input.addEventListener("change", () => {
      wanted.service = service.value;
      wanted.breakpoint = breakpoint.value;
      const q = new URLSearchParams();
      if (wanted.service) q.set("service", wanted.service);
      if (wanted.breakpoint) q.set("breakpoint_id", wanted.breakpoint);
      history.replaceState(null, "", q.toString() ? `/snapshots?${q}` : "/snapshots");
      load(false);
    });
  }
  for (const input of [since, until]) input.addEventListener("change", () => load(false));
  more.addEventListener("click", () => load(true));

  function query(append) {
    const q = new URLSearchParams();
    if (wanted.service) q.set("service", wanted.service);
    if (wanted.breakpoint) q.set("breakpoint_id", wanted.breakpoint);
    if (since.value) q.set("since", new Date(since.value).toISOString());
    if (until.value) q.set("until", new Date(until.value).toISOString());
    q.set("limit", "50");
    if (append && cursor) q.set("cursor", cursor);
    return q;
  }

  async function load(append) {
    try {
      const page = await api("GET", `/api/snapshots?${query(append)}`);
      if (!append) body.replaceChildren();
      for (const snap of page.snapshots) {
        const open = () => navigate(`/snapshots/${enc(snap.id)}`);
        body.append(el("tr", { class: "clickable", tabindex: 0, "data-snapshot": snap.id,
          onclick: (e) => { if (!e.target.closest("a")) open(); },
          onkeydown: (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); open(); } } },
          el("td", {}, el("a", { href: `/snapshots/${enc(snap.id)}` }, fmtTime(snap.captured_at))),
          el("td", {}, snap.service_name), el("td", { class: "mono" }, locationText({ ...snap, label: "" })),
          el("td", { class: "snapshot-label" }, snap.label || ""), el("td", { class: "mono muted" }, String(snap.breakpoint_id).slice(0, 8))));
      }
      if (!append && !page.snapshots.length) body.append(el("tr", {}, el("td", { colspan: 5, class: "muted" }, "No snapshots match.")));
      cursor = page.next_cursor;
      more.hidden = !cursor;
      // Deleting needs a service or breakpoint filter (the API refuses a bare delete).
      deleteMatching.hidden = !(service.value || breakpoint.value) || !page.snapshots.length;
    } catch (err) { toast(err.message, true); }
  }

  async function deleteFiltered() {
    const q = new URLSearchParams();
    if (service.value) q.set("service", service.value);
    if (breakpoint.value) q.set("breakpoint_id", breakpoint.value);
    const what = [service.value && `service ${service.value}`, breakpoint.value && `breakpoint ${breakpoint.value.slice(0, 8)}`].filter(Boolean).join(" and ");
    if (!confirm(`Delete every snapshot of ${what}?`)) return;
    try {
      const result = await api("DELETE", `/api/snapshots?${q}`);
      toast(`${result.deleted} snapshots deleted`);
      load(false);
    } catch (err) { toast(err.message, true); }
  }
  load(false);
  return { refresh: (kind) => {
    if (kind === "snapshots") load(false);
    if (kind === "services" || kind === "breakpoints") fillFilters();
  } };
}

// Markers: redactions ([REDACTED:kind]) and truncations ({_truncated: true, …}) are shown as badges.
const redactionPattern = /\[REDACTED(?::[a-z_]+)?\]/g;

function renderString(text) {
  const span = el("span", { class: "str" });
  let last = 0;
  for (const match of text.matchAll(redactionPattern)) {
    span.append(JSON.stringify(text.slice(last, match.index)).slice(1, -1));
    span.append(el("span", { class: "marker redacted", title: "redacted by the SDK" }, match[0]));
    last = match.index + match[0].length;
  }
  span.append(JSON.stringify(text.slice(last)).slice(1, -1));
  return el("span", {}, '"', span, '"');
}

function isTruncation(value) {
  return value && typeof value === "object" && !Array.isArray(value) && value._truncated === true;
}

function truncationText(value) {
  if (value._truncated_by === "payload_limit") return `truncated: payload ${value._payload_size} bytes > limit ${value._max_payload}`;
  const length = value._length !== undefined ? `, ${value._length} items` : "";
  return `truncated at depth ${value._depth}${length}`;
}

/** A JSON value as a keyboard-usable tree of <details>. */
function valueTree(name, value, depth) {
  const key = name === null ? null : el("span", { class: "key" }, name);
  const sep = name === null ? "" : ": ";
  if (isTruncation(value)) return el("li", {}, key, sep, el("span", { class: "marker truncated", title: "cut by the SDK's limits" }, truncationText(value)));
  if (value === null || typeof value !== "object") {
    let shown;
    if (typeof value === "string") shown = renderString(value);
    else if (typeof value === "number") shown = el("span", { class: "num" }, String(value));
    else shown = el("span", { class: "lit" }, String(value));
    return el("li", {}, key, sep, shown);
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  const summary = Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`;
  return el("li", {}, el("details", { class: "tree", open: depth < 2 },
    el("summary", {}, key, sep, el("span", { class: "muted" }, summary)),
    el("ul", { class: "tree" }, entries.map(([k, v]) => valueTree(k, v, depth + 1)))));
}

function snapshotDetailView(id) {
  const main = document.getElementById("main");
  main.append(el("p", {}, el("a", { href: "/snapshots" }, "← Snapshots")), el("h1", {}, "Snapshot"));
  const renderedAs = renderCount;
  api("GET", `/api/snapshots/${enc(id)}`).then((snap) => {
    if (renderedAs !== renderCount) return;
    const meta = el("dl", { class: "meta" });
    const add = (label, value) => { if (value !== undefined && value !== null && value !== "") meta.append(el("dt", {}, label), el("dd", {}, value)); };
    add("Service", snap.service_name);
    add("Location", locationText({ ...snap, label: "" }));
    add("Label", snap.label);
    add("Captured", fmtTime(snap.captured_at));
    add("Received", fmtTime(snap.received_at));
    add("Breakpoint", snap.breakpoint_id);
    add("Trace", snap.trace_id && `${snap.trace_id} / ${snap.span_id || ""}`);
    main.append(el("p", {}, el("button", { class: "danger", onclick: async () => {
      if (!confirm("Delete this snapshot?")) return;
      try { await api("DELETE", `/api/snapshots/${enc(id)}`); toast("Snapshot deleted"); navigate("/snapshots"); } catch (err) { toast(err.message, true); }
    } }, "Delete snapshot")));
    const flags = Array.isArray(snap.security_flags) ? snap.security_flags : [];
    const asTree = (value) => el("ul", { class: "tree", role: "tree" }, isTruncation(value) || typeof value !== "object" || value === null
      ? valueTree(null, value, 0) : Object.entries(value).map(([k, v]) => valueTree(k, v, 0)));
    main.append(meta,
      el("div", { class: "split" },
        el("section", { "aria-label": "Variables" }, el("h2", {}, "Variables"), el("div", { id: "variables" }, asTree(snap.variables ?? {}))),
        el("section", {},
          el("h2", {}, "Stack trace"), snap.stack_trace ? el("pre", { id: "stack" }, snap.stack_trace) : el("p", { class: "muted" }, "none"),
          el("h2", {}, "Request context"), snap.request_context ? el("div", {}, asTree(snap.request_context)) : el("p", { class: "muted" }, "none"),
          snap.expression_results ? el("h2", {}, "Expressions") : null, snap.expression_results ? asTree(snap.expression_results) : null,
          el("h2", {}, "Security flags"),
          flags.length ? el("ul", {}, flags.map((f) => el("li", {}, el("span", { class: "marker redacted" }, f.type || f.kind || "flag"), " ",
            el("code", {}, JSON.stringify(f))))) : el("p", { class: "muted" }, "none"))));
  }).catch((err) => main.append(el("p", { class: "error" }, err.message)));
  return null;
}

// ---- start ------------------------------------------------------------------------------------

document.addEventListener("DOMContentLoaded", () => {
  connectEvents();
  render();
});
