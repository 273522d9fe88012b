/** The login form. The password goes to POST /api/login once; the page keeps nothing. */
import { api } from '../api.ts';
import { h } from '../dom.ts';

export function loginView(onLoggedIn: () => void): HTMLElement {
  const user = h('input', { id: 'login-user', name: 'username', autocomplete: 'username', required: true, maxlength: 64 });
  const pass = h('input', { id: 'login-pass', name: 'password', type: 'password', autocomplete: 'current-password', required: true, maxlength: 256 });
  const error = h('p', { class: 'login-error', role: 'alert', 'data-testid': 'login-error' });
  const button = h('button', { type: 'submit', class: 'btn primary' }, 'SIGN IN');
  const form = h(
    'form',
    {
      class: 'login-form',
      onsubmit: (e: Event) => {
        e.preventDefault();
        button.setAttribute('disabled', '');
        error.textContent = '';
        api
          .login(user.value, pass.value)
          .then(() => {
            pass.value = '';
            onLoggedIn();
          })
          .catch((err: Error) => {
            error.textContent = err.message === 'not logged in' ? 'Wrong user name or password.' : err.message;
          })
          .finally(() => button.removeAttribute('disabled'));
      },
    },
    h('div', { class: 'logo big' }, '⬡ NETSENTINEL'),
    h('label', { for: 'login-user' }, 'USER'),
    user,
    h('label', { for: 'login-pass' }, 'PASSWORD'),
    pass,
    button,
    error,
  );
  return h('main', { class: 'login', 'data-view': 'login' }, form);
}
