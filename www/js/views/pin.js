import { h } from '../dom.js';
import { api } from '../api.js';
import { go } from '../router.js';
import { session, setSession, updateSession } from '../session.js';
import { field, pinInput, checker, setFieldError, showError, withBusy } from '../forms.js';
import { settle } from './auth-help.js';

export const pinView = {
	title: 'Change PIN',
	render(root) {
		const old = pinInput({ id: 'old-pin', name: 'pin', autocomplete: 'current-password' });
		const pin1 = pinInput({ id: 'new-pin', name: 'new_pin', autocomplete: 'new-password' });
		const pin2 = pinInput({ id: 'new-pin2', name: 'new_pin2', autocomplete: 'new-password' });
		const submit = h('button', { type: 'submit', class: 'button primary', id: 'pin-submit' }, 'Change PIN');
		const form = h('form', { id: 'pin-form', novalidate: true },
		    field('Current PIN', old),
		    field('New PIN', pin1, '5 digits'),
		    field('New PIN again', pin2),
		    h('div', { class: 'actions' }, submit));
		root.append(h('section', { class: 'panel auth' },
		    h('h1', { tabindex: '-1' }, 'Change your PIN'),
		    session().must_change_pin ?
			h('p', null, 'This profile still has the PIN it was delivered with, which anyone can look up. Choose your own 5-digit PIN.') :
			h('p', null, 'The new PIN applies to everyone who uses this profile.'),
		    form));

		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			const c = checker(form);
			const oldPin = c.pin(old);
			const newPin = c.pin(pin1);
			if (pin2.value.trim() !== newPin)
				c.fail(pin2, 'The two new PINs differ.');
			else if (newPin === oldPin && /^[0-9]{5}$/.test(newPin))
				c.fail(pin1, 'The new PIN must differ from the current one.');
			if (!c.ok())
				return;
			const { value, error } = await withBusy(submit, () => settle(api.post('pin',
			    { pin: oldPin, new_pin: newPin }, { expired: false })));
			if (value) {
				updateSession({ must_change_pin: false, ...value });
				go('#/home', { flash: { notice: 'Your PIN has been changed.' } });
				return;
			}
			const body = error.body;
			if (error.status === 401 && typeof body.attempts_left === 'number') {
				old.value = '';
				setFieldError(old, `Wrong PIN: ${body.attempts_left} ${body.attempts_left === 1 ? 'attempt' : 'attempts'} left before the profile is locked.`);
				old.focus();
			} else if (error.status === 401 || error.status === 423) {
				// Session over (idle, or locked by the wrong PINs): log in again.
				setSession(null);
				go('#/login', { flash: { alert: error.message } });
			} else {
				showError(error, form);
			}
		});
	},
};
