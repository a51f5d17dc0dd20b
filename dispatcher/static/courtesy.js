// The length of a courtesy text in SMS as the manager types it (the server counts the
// same: routing/courtesy.py sms_segments). GSM-7: 160 alone, 153 per part; the
// extension characters count twice. Anything else: UCS-2, 70 alone, 67 per part.
(function () {
  "use strict";
  var BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var EXTENDED = "^{}\\[~]|€\f";

  function segments(text) {
    var gsm = true, units = 0, i, ch;
    for (i = 0; i < text.length; i++) {
      ch = text.charAt(i);
      if (EXTENDED.indexOf(ch) >= 0) { units += 2; }
      else if (BASIC.indexOf(ch) >= 0) { units += 1; }
      else { gsm = false; break; }
    }
    var single = 160, part = 153, encoding = "GSM-7";
    if (!gsm) {
      units = text.length; // UTF-16 code units, as the server counts
      single = 70; part = 67; encoding = "UCS-2";
    }
    var count = units === 0 ? 0 : (units <= single ? 1 : Math.ceil(units / part));
    return { units: units, segments: count, encoding: encoding };
  }

  document.querySelectorAll("textarea[data-segments]").forEach(function (area) {
    var out = document.getElementById(area.getAttribute("data-segments"));
    if (!out) { return; }
    function show() {
      var s = segments(area.value.replace(/\r\n/g, "\n"));
      out.textContent = s.units + (s.encoding === "GSM-7" ? " characters, " : " UCS-2 characters, ") +
        s.segments + " SMS (" + s.encoding + ")";
    }
    area.addEventListener("input", show);
    show();
  });
})();
