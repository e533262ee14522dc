// The story form keeps what is typed (issue 9, "Typed work is never lost").
//
// While someone types in the title lines or the body, the typed fields are posted to the
// server every few seconds (articles/admin/views/editing.py, AutosaveView); the next time
// the story is opened, the page offers them back. If the server cannot be reached or the
// session has expired, they are kept in this browser (localStorage) and sent to the server
// the next time the story's form is open and logged in. Leaving the page with changes not
// saved asks first. The form works without this script; it only adds the safety net.
document.addEventListener("DOMContentLoaded", () => {
  "use strict";
  const config = document.getElementById("unionnews-autosave");
  const form = document.getElementById("article_form");
  if (!config || !form) {
    return;
  }
  const url = config.dataset.url;
  const storageKey = "unionnews-draft:" + config.dataset.key;
  const names = config.dataset.fields.split(" ");
  const status = document.querySelector(".unionnews-autosave-status");
  const DELAY = 3000;
  let dirty = false;
  let submitting = false;
  let timer = null;

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function version() {
    const field = form.elements.namedItem("loaded_version");
    const value = field ? parseInt(field.value, 10) : NaN;
    return Number.isNaN(value) ? null : value;
  }

  function typed() {
    const data = {};
    names.forEach((name) => {
      const field = form.elements.namedItem(name);
      if (field && typeof field.value === "string") {
        data[name] = field.value;
      }
    });
    return data;
  }

  function csrfToken() {
    const field = form.elements.namedItem("csrfmiddlewaretoken");
    return field ? field.value : "";
  }

  function keepHere(payload) {
    try {
      window.localStorage.setItem(storageKey, JSON.stringify(payload));
    } catch (error) {
      // Storage full or disabled: the server copy is all there is.
    }
  }

  function send(payload) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(payload),
    }).then((response) => {
      const json = (response.headers.get("Content-Type") || "").includes("application/json");
      if (!response.ok || !json || response.redirected) {
        throw new Error("autosave refused: " + response.status);
      }
      return response.json();
    });
  }

  function save() {
    timer = null;
    const payload = { data: typed(), version: version(), savedAt: Date.now() };
    keepHere(payload);
    send(payload)
      .then((answer) => {
        window.localStorage.removeItem(storageKey);
        say("已自动保存未提交的内容（" + answer.saved_at + "）。点击“保存”后才会写入稿件。");
      })
      .catch(() => {
        say(
          "无法自动保存到服务器（可能登录已过期或网络中断），内容已暂存在本机浏览器；" +
            "重新登录后再打开这篇稿件即可恢复。",
        );
      });
  }

  form.addEventListener("input", (event) => {
    dirty = true;
    if (names.includes(event.target.name)) {
      if (timer) {
        window.clearTimeout(timer);
      }
      timer = window.setTimeout(save, DELAY);
    }
  });
  form.addEventListener("change", () => {
    dirty = true;
  });
  form.addEventListener("submit", () => {
    submitting = true;
    keepHere({ data: typed(), version: version(), savedAt: Date.now(), submitted: true });
  });
  window.addEventListener("beforeunload", (event) => {
    if (dirty && !submitting) {
      if (timer) {
        window.clearTimeout(timer);
        save();
      }
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // A copy left in this browser: sent to the server, then offered like any kept draft.
  let kept = null;
  try {
    kept = JSON.parse(window.localStorage.getItem(storageKey) || "null");
  } catch (error) {
    kept = null;
  }
  if (kept && kept.data) {
    const savedSince = kept.submitted && version() !== null && kept.version !== null && version() > kept.version;
    const restoring = new URLSearchParams(window.location.search).has("restore_draft");
    if (savedSince || restoring || document.querySelector(".unionnews-draft-offer")) {
      window.localStorage.removeItem(storageKey);
    } else {
      send({ data: kept.data, version: kept.version })
        .then(() => {
          window.localStorage.removeItem(storageKey);
          const notice = document.createElement("p");
          notice.className = "unionnews-draft-offer";
          notice.setAttribute("role", "alert");
          const link = document.createElement("a");
          link.href = "?restore_draft=1";
          link.textContent = "恢复这些内容";
          notice.append("本机浏览器里有你上次未能保存的内容。", link);
          form.prepend(notice);
        })
        .catch(() => {});
    }
  }
});
