/*
 * Trợ lý DVC Giáo dục: chat widget for any page of the Sở's website.
 * Embed with one tag (all data-* settings are optional):
 *   <script src="https://.../widget/widget.js" data-title="Trợ lý DVC" data-color="#0b5cab"
 *           data-position="right" data-rasa-url="https://bot.example/rasa" data-api-url="https://api.example"></script>
 * Plain JavaScript, no build step. Text from the bot or the user is only ever set through textContent
 * (links are created as elements for http(s) URLs), never inserted as HTML.
 */
(function () {
  "use strict";

  var script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  if (!script || window.__dvcWidgetLoaded) return;
  window.__dvcWidgetLoaded = true;

  var data = script.dataset || {};
  var scriptUrl = new URL(script.src, location.href);
  var config = {
    title: data.title || "Trợ lý DVC Giáo dục",
    color: /^#[0-9a-fA-F]{3,8}$/.test(data.color || "") ? data.color : "#0b5cab",
    position: data.position === "left" ? "left" : "right",
    rasaUrl: (data.rasaUrl || location.protocol + "//" + location.hostname + ":5005").replace(/\/+$/, ""),
    apiUrl: (data.apiUrl || scriptUrl.origin).replace(/\/+$/, ""),
  };

  var TEXT = {
    open: "Mở trợ lý dịch vụ công",
    close: "Đóng cửa sổ trò chuyện",
    subtitle: "Hỏi đáp thủ tục hành chính ngành giáo dục",
    placeholder: "Nhập câu hỏi của anh/chị…",
    inputLabel: "Câu hỏi của anh/chị",
    send: "Gửi",
    typing: "Trợ lý đang trả lời",
    log: "Nội dung trò chuyện",
    unreachable: "Xin lỗi anh/chị, em chưa kết nối được tới hệ thống. Tin nhắn của anh/chị vẫn được giữ lại; em sẽ tự gửi lại khi có kết nối.",
    retry: "Gửi lại",
    offline: "Thiết bị đang mất kết nối mạng. Em sẽ gửi khi có mạng trở lại.",
    reconnected: "Đã kết nối lại.",
    notice: "Thông báo",
    reset: "Bắt đầu cuộc trò chuyện mới",
    privacy: "Vui lòng không gửi số CCCD, số điện thoại đầy đủ hay mật khẩu.",
  };
  var MAX_HISTORY = 120;
  var TIMEOUT_MS = 30000;
  var RETRY_DELAYS = [1000, 3000, 8000];
  var URL_RE = /https?:\/\/[^\s<>"'`]+/g;

  // --- storage (session id and history survive a reload) ---
  function store(kind) {
    try {
      var s = window[kind];
      s.setItem("dvcw:test", "1");
      s.removeItem("dvcw:test");
      return s;
    } catch (e) {
      var mem = {};
      return {
        getItem: function (k) { return Object.prototype.hasOwnProperty.call(mem, k) ? mem[k] : null; },
        setItem: function (k, v) { mem[k] = String(v); },
        removeItem: function (k) { delete mem[k]; },
      };
    }
  }
  var local = store("localStorage");
  var session = store("sessionStorage");

  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  var sessionId = local.getItem("dvcw:session");
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(sessionId || "")) {
    sessionId = uuid4();
    local.setItem("dvcw:session", sessionId);
  }
  var historyKey = "dvcw:history:" + sessionId;
  var pendingKey = "dvcw:pending:" + sessionId;

  function load(key) {
    try { return JSON.parse(local.getItem(key) || "[]"); } catch (e) { return []; }
  }
  var history = load(historyKey);
  var pending = load(pendingKey); // messages typed but not yet answered: nothing is lost
  function save() {
    history = history.slice(-MAX_HISTORY);
    local.setItem(historyKey, JSON.stringify(history));
    local.setItem(pendingKey, JSON.stringify(pending));
  }

  // --- DOM helpers (textContent only) ---
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text != null) node.textContent = text;
    return node;
  }

  function appendText(parent, text) {
    var last = 0;
    String(text).replace(URL_RE, function (match, offset) {
      var url = match.replace(/[.,;:!?)\]]+$/, "");
      if (offset > last) parent.appendChild(document.createTextNode(text.slice(last, offset)));
      var a = el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, url);
      parent.appendChild(a);
      last = offset + url.length;
      return match;
    });
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function chatIcon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("class", "dvcw-launcher-icon");
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z");
    path.setAttribute("fill", "currentColor");
    path.setAttribute("fill-rule", "evenodd");
    svg.appendChild(path);
    return svg;
  }

  var css = el("link", { rel: "stylesheet", href: new URL("widget.css", scriptUrl).href });
  document.head.appendChild(css);

  var root = el("div", { class: "dvcw dvcw-" + config.position, "data-dvcw": "" });
  root.style.setProperty("--dvcw-color", config.color);

  var launcher = el("button", {
    type: "button", class: "dvcw-launcher", "aria-label": TEXT.open,
    "aria-expanded": "false", "aria-controls": "dvcw-panel",
  });
  launcher.appendChild(chatIcon());
  launcher.appendChild(el("span", { class: "dvcw-launcher-label" }, "Hỏi đáp"));
  var badge = el("span", { class: "dvcw-badge", hidden: "" }, "");
  launcher.appendChild(badge);

  var panel = el("div", {
    id: "dvcw-panel", class: "dvcw-panel", role: "dialog", "aria-modal": "false",
    "aria-labelledby": "dvcw-title", "aria-describedby": "dvcw-subtitle", hidden: "",
  });
  var header = el("div", { class: "dvcw-header" });
  var heading = el("div", { class: "dvcw-heading" });
  heading.appendChild(el("h2", { id: "dvcw-title", class: "dvcw-title" }, config.title));
  heading.appendChild(el("p", { id: "dvcw-subtitle", class: "dvcw-subtitle" }, TEXT.subtitle));
  var resetBtn = el("button", { type: "button", class: "dvcw-icon-btn", "aria-label": TEXT.reset, title: TEXT.reset }, "↺");
  var closeBtn = el("button", { type: "button", class: "dvcw-icon-btn", "aria-label": TEXT.close, title: TEXT.close }, "✕");
  header.appendChild(heading);
  header.appendChild(resetBtn);
  header.appendChild(closeBtn);

  var log = el("div", { class: "dvcw-log", role: "log", "aria-live": "polite", "aria-relevant": "additions", "aria-label": TEXT.log, tabindex: "0" });
  var typing = el("div", { class: "dvcw-typing", role: "status", "aria-label": TEXT.typing, hidden: "" });
  for (var i = 0; i < 3; i++) typing.appendChild(el("span", { "aria-hidden": "true" }));
  var status = el("div", { class: "dvcw-status", role: "status", "aria-live": "assertive", hidden: "" });

  var form = el("form", { class: "dvcw-form", autocomplete: "off" });
  var input = el("textarea", {
    class: "dvcw-input", rows: "1", maxlength: "1000", placeholder: TEXT.placeholder,
    "aria-label": TEXT.inputLabel, enterkeyhint: "send",
  });
  var sendBtn = el("button", { type: "submit", class: "dvcw-send", "aria-label": TEXT.send }, "➤");
  form.appendChild(input);
  form.appendChild(sendBtn);
  var note = el("p", { class: "dvcw-note" }, TEXT.privacy);

  panel.appendChild(header);
  panel.appendChild(log);
  panel.appendChild(typing);
  panel.appendChild(status);
  panel.appendChild(form);
  panel.appendChild(note);
  root.appendChild(panel);
  root.appendChild(launcher);

  // --- rendering ---
  function render() {
    log.textContent = "";
    var lastUser = -1;
    history.forEach(function (m, i) { if (m.from === "user") lastUser = i; });
    history.forEach(function (m, i) {
      var row = el("div", { class: "dvcw-msg dvcw-" + m.from });
      if (m.kind === "notice") {
        row.classList.add("dvcw-notice");
        row.appendChild(el("strong", { class: "dvcw-notice-label" }, TEXT.notice + ": "));
      }
      var bubble = el("div", { class: "dvcw-bubble" });
      appendText(bubble, m.text || "");
      row.appendChild(bubble);
      if (m.buttons && m.buttons.length && i > lastUser) row.appendChild(buttonsFor(m.buttons));
      log.appendChild(row);
    });
    pending.forEach(function (p) {
      if (p.silent) return; // the widget's own payloads (/greet) are never shown as the user's words
      var row = el("div", { class: "dvcw-msg dvcw-user dvcw-unsent" });
      var bubble = el("div", { class: "dvcw-bubble" });
      appendText(bubble, p.shown);
      row.appendChild(bubble);
      log.appendChild(row);
    });
    log.scrollTop = log.scrollHeight;
  }

  function buttonsFor(buttons) {
    var isRate = function (b) { return /^\/rate\b/.test(b.payload || ""); };
    var rating = buttons.some(isRate);
    var box = el("div", { class: rating ? "dvcw-quick dvcw-rating" : "dvcw-quick", role: "group" });
    buttons.forEach(function (b) {
      if (!b || !b.title || !b.payload) return;
      if (/^https?:\/\//.test(b.payload)) {
        box.appendChild(el("a", { class: "dvcw-chip", href: b.payload, target: "_blank", rel: "noopener noreferrer" }, b.title));
        return;
      }
      var btn = el("button", { type: "button", class: isRate(b) ? "dvcw-chip dvcw-rate" : "dvcw-chip" }, b.title);
      btn.addEventListener("click", function () { send(b.payload, b.title); });
      box.appendChild(btn);
    });
    return box;
  }

  function showStatus(text) {
    status.textContent = text || "";
    if (text) status.removeAttribute("hidden"); else status.setAttribute("hidden", "");
  }

  function addBotMessages(messages) {
    messages.forEach(function (m) {
      var text = m.text || "";
      if (m.image) text = (text ? text + "\n" : "") + m.image;
      var buttons = (m.buttons || []).map(function (b) { return { title: String(b.title || ""), payload: String(b.payload || "") }; });
      if (text || buttons.length) history.push({ from: "bot", text: text, buttons: buttons });
    });
  }

  // --- talking to Rasa (REST) with retries; unsent messages stay queued ---
  var busy = false;
  var retryTimer = null;
  var attempt = 0;

  function post(message) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = setTimeout(function () { if (controller) controller.abort(); }, TIMEOUT_MS);
    return fetch(config.rasaUrl + "/webhooks/rest/webhook", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: "web:" + sessionId, message: message }),
      signal: controller ? controller.signal : undefined,
    }).then(function (r) {
      clearTimeout(timer);
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    }, function (e) { clearTimeout(timer); throw e; });
  }

  function flush() {
    if (busy || !pending.length) return;
    busy = true;
    clearTimeout(retryTimer);
    typing.removeAttribute("hidden");
    var item = pending[0];
    post(item.message).then(function (messages) {
      pending.shift();
      if (!item.silent) history.push({ from: "user", text: item.shown });
      addBotMessages(Array.isArray(messages) ? messages : []);
      showStatus("");
      attempt = 0;
      save();
      render();
      busy = false;
      typing.setAttribute("hidden", "");
      if (!pending.length) checkInbox(); // a status change the reply set off (a practice dossier) shows at once
      flush();
    }, function () {
      busy = false;
      typing.setAttribute("hidden", "");
      showStatus(navigator.onLine === false ? TEXT.offline : TEXT.unreachable);
      var delay = RETRY_DELAYS[Math.min(attempt, RETRY_DELAYS.length - 1)];
      attempt += 1;
      retryTimer = setTimeout(flush, delay);
    });
  }

  // shown: what the user's bubble says (a button's title, never its payload); silent: no bubble at all.
  function send(message, shown, silent) {
    message = String(message || "").trim();
    if (!message) return;
    pending.push({ message: message, shown: silent ? "" : shown || message, silent: !!silent });
    save();
    render();
    flush();
  }

  function checkInbox() {
    fetch(config.apiUrl + "/api/v1/inbox/" + sessionId).then(function (r) {
      return r.ok ? r.json() : [];
    }).then(function (items) {
      if (!Array.isArray(items) || !items.length) return;
      items.forEach(function (n) { history.push({ from: "bot", kind: "notice", text: String(n.text || "") }); });
      save();
      render();
      if (panel.hasAttribute("hidden")) {
        badge.textContent = String(items.length);
        badge.removeAttribute("hidden");
      }
    }, function () { /* the inbox is checked again next time */ });
  }

  // --- opening, closing, keyboard ---
  function open() {
    panel.removeAttribute("hidden");
    launcher.setAttribute("aria-expanded", "true");
    root.classList.add("dvcw-open");
    badge.setAttribute("hidden", "");
    session.setItem("dvcw:open", "1");
    render();
    checkInbox();
    if (!history.length && !pending.length) send("/greet", "", true);
    input.focus();
  }

  function close() {
    panel.setAttribute("hidden", "");
    launcher.setAttribute("aria-expanded", "false");
    root.classList.remove("dvcw-open");
    session.removeItem("dvcw:open");
    launcher.focus();
  }

  launcher.addEventListener("click", function () { if (panel.hasAttribute("hidden")) open(); else close(); });
  closeBtn.addEventListener("click", close);
  resetBtn.addEventListener("click", function () {
    local.removeItem(historyKey);
    local.removeItem(pendingKey);
    sessionId = uuid4();
    local.setItem("dvcw:session", sessionId);
    historyKey = "dvcw:history:" + sessionId;
    pendingKey = "dvcw:pending:" + sessionId;
    history = [];
    pending = [];
    showStatus("");
    send("/greet", "", true);
    input.focus();
  });
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") close(); });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value;
    input.value = "";
    send(text);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });
  window.addEventListener("online", function () { attempt = 0; showStatus(TEXT.reconnected); flush(); });
  window.addEventListener("offline", function () { showStatus(TEXT.offline); });

  function mount() {
    document.body.appendChild(root);
    if (session.getItem("dvcw:open") === "1") open();
    else checkInbox();
    if (pending.length) flush();
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
