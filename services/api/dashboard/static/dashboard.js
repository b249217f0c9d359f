// Slipway dashboard: confirmation dialogs and a live build log. Everything works without it.
(function () {
  "use strict";

  // Actions ask first; without JavaScript the server shows a confirmation page instead.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (!question) {
      return;
    }
    if (!window.confirm(question)) {
      event.preventDefault();
      return;
    }
    var confirmed = document.createElement("input");
    confirmed.type = "hidden";
    confirmed.name = "confirmed";
    confirmed.value = "1";
    form.appendChild(confirmed);
  });

  function nearBottom(element) {
    return element.scrollHeight - element.scrollTop - element.clientHeight < 40;
  }

  function watchStatus(url, badge) {
    var timer = window.setInterval(function () {
      window.fetch(url, { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (state) {
          badge.textContent = state.label;
          badge.className = "badge status-" + state.status;
          if (state.final) {
            window.clearInterval(timer);
          }
        })
        .catch(function () { /* the next tick tries again */ });
    }, 1500);
    return timer;
  }

  function followLog(log) {
    var badge = document.getElementById("status");
    var timer = badge ? watchStatus(log.getAttribute("data-status"), badge) : null;
    var decoder = new TextDecoder();
    var started = false;

    function finished() {
      if (timer !== null) {
        window.clearInterval(timer);
      }
      // The final page shows the outcome and the actions that now apply.
      window.location.replace(window.location.pathname);
    }

    window.fetch(log.getAttribute("data-follow"), { credentials: "same-origin" })
      .then(function (response) {
        // A redirect here means the session ended: reloading shows the sign-in page.
        if (!response.ok || response.redirected || !response.body) {
          throw new Error("log stream unavailable");
        }
        var reader = response.body.getReader();
        function pump() {
          return reader.read().then(function (chunk) {
            if (chunk.done) {
              finished();
              return undefined;
            }
            var stick = nearBottom(log);
            if (!started) {
              log.textContent = "";  // the stream starts again from the first line
              started = true;
            }
            log.textContent += decoder.decode(chunk.value, { stream: true });
            if (stick) {
              log.scrollTop = log.scrollHeight;
            }
            return pump();
          });
        }
        return pump();
      })
      .catch(function () {
        window.setTimeout(finished, 3000);
      });
  }

  var log = document.getElementById("log");
  if (log && log.getAttribute("data-follow")) {
    followLog(log);
  }
})();
