// The story form keeps what is typed (issue 9, "Typed work is never lost").
//
// While someone types in the title lines or the body, the typed fields are posted to the
// server every few seconds (articles/admin/views/editing.py, AutosaveView); the next time
// the story is opened, the page offers them back. If the server cannot be reached or the
// session has expired, they are kept in this browser (localStorage) and sent to the server
// the next time the story's form is open and logged in. Leaving the page with changes not
// saved asks first. The form works without this script; it only adds the safety net.
//
// The script is on every admin page: a page that says a save succeeded (Django's success
// message) drops the copies kept while that save was sent, and logging out drops them all,
// so that nothing typed stays in a shared browser.
const PREFIX = "unionnews-draft:";

function keptCopies() {
  const keys = [];
  for (let i = 0; i < window.localStorage.length; i += 1) {
    const key = window.localStorage.key(i);
    if (key && key.startsWith(PREFIX)) {
      keys.push(key);
    }
  }
  return keys;
}

function readCopy(key) {
  try {
    return JSON.parse(window.localStorage.getItem(key) || "null");
  } catch (error) {
    return null;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  "use strict";
  try {
    if (window.location.pathname.endsWith("/logout/")) {
      keptCopies().forEach((key) => window.localStorage.removeItem(key));
    } else if (document.querySelector(".messagelist .success")) {
      keptCopies().forEach((key) => {
        const copy = readCopy(key);
        if (copy && copy.submitted) {
          window.localStorage.removeItem(key);
        }
      });
    }
  } catch (error) {
    // No storage in this browser: the server's copy is all there is.
  }
  // A button that throws typed work away asks first (without the script, it just does).
  document.querySelectorAll("[data-confirm]").forEach((button) => {
    button.addEventListener("click", (event) => {
      if (!window.confirm(button.dataset.confirm)) {
        event.preventDefault();
      }
    });
  });
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

  // A copy left in this browser (the server could not be reached, or the save was sent as
  // the session expired): when the form does not already hold it, it is handed to the server
  // and offered back, like any kept draft. The page is never reloaded: a form shown again
  // with its errors keeps what was typed into it.
  const kept = readCopy(storageKey);
  if (kept && kept.data) {
    const restoring = new URLSearchParams(window.location.search).has("restore_draft");
    const current = typed();
    const held = Object.keys(kept.data).every((name) => current[name] === kept.data[name]);
    if (restoring || held || document.querySelector(".unionnews-draft-offer")) {
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
          notice.append("本机浏览器里有你上次未能保存的内容，已交给服务器保存。", link);
          form.prepend(notice);
        })
        .catch(() => {});
    }
  }
});
