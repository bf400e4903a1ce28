/* FileDrop login page: after a failed sign-in the user name is already filled in, so the
 * cursor belongs in the password field. (Autofocus covers the first visit, also without
 * JavaScript; focusing here first makes the browser skip it.) */
const username = document.getElementById('username');
const password = document.getElementById('password');
if (username && password && username.value) password.focus();
