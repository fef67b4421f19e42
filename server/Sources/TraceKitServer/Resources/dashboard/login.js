// Shows the error line after a refused sign-in (/login?error=1).
"use strict";
if (new URLSearchParams(location.search).has("error")) {
  document.getElementById("login-error").hidden = false;
}
