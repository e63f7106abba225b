// The roll call's print button (a separate file: the page's CSP forbids inline scripts).
"use strict";
document.getElementById("print")?.addEventListener("click", () => window.print());
