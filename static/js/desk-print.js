// The sign-off sheet's 打印 button. The page is complete without JavaScript (a <noscript>
// line says how to print with the browser); with it, the button is shown and prints.
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
