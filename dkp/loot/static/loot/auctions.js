// Auction pages: time left counts down between polls (each poll brings the server's seconds_left,
// which is the truth), and picking a character picks its tag in the bid form (the tag follows it).
(function () {
  "use strict";

  function format(total) {
    var hours = Math.floor(total / 3600);
    var minutes = Math.floor((total % 3600) / 60);
    var seconds = total % 60;
    // From an hour up, seconds are noise and would not fit a phone's card: "23h 59m".
    if (hours) return hours + "h " + String(minutes).padStart(2, "0") + "m";
    return minutes + ":" + String(seconds).padStart(2, "0");
  }

  function start(root) {
    var counters = root.querySelectorAll ? root.querySelectorAll("[data-seconds-left]") : [];
    if (root.matches && root.matches("[data-seconds-left]")) counters = [root].concat(Array.from(counters));
    Array.prototype.forEach.call(counters, function (el) {
      el.dataset.deadline = String(Date.now() + Number(el.dataset.secondsLeft) * 1000);
    });
  }

  var reloading = false;
  function tick() {
    document.querySelectorAll("[data-deadline]").forEach(function (el) {
      var left = Math.max(0, Math.round((Number(el.dataset.deadline) - Date.now()) / 1000));
      el.textContent = left > 0 ? format(left) : "closing…";
      // The list does not poll: once something there is due, read it again (that closes it).
      if (left === 0 && el.closest(".auction-list") && !reloading) {
        reloading = true;
        setTimeout(function () { window.location.reload(); }, 2500);
      }
    });
  }

  if (window.htmx) window.htmx.onLoad(start); else start(document);
  setInterval(tick, 1000);

  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.matches || !select.matches('.bid-form select[name="character_name"]')) return;
    var tag = select.selectedOptions[0] && select.selectedOptions[0].dataset.tag;
    var tagSelect = select.form && select.form.querySelector('select[name="tag"]');
    if (!tag || !tagSelect) return;
    // The tag follows the character; where the pool lets alts bid as main, main stays on offer too.
    var mainAllowed = !tagSelect.hasAttribute("data-follows-character");
    Array.prototype.forEach.call(tagSelect.options, function (option) {
      option.disabled = option.value !== tag && !(mainAllowed && option.value === "main");
    });
    tagSelect.value = tag;
  });
})();
