import { h } from '../dom.js';
import { api } from '../api.js';
import { go } from '../router.js';
import { session, setSession, updateSession } from '../session.js';
import { field, pinInput, checker, setFieldError, showError, withBusy } from '../forms.js';
import { lockedAlert, newPukPanel, pukChoice, settle } from '../auth.js';

export const pinView = {
	title: 'Change PIN',
	render(root) {
		// The seed's PUK is as public as its PIN: it goes with it.
		const puk = session().must_change_pin && session().default_puk ? pukChoice('first-puk-') : null;
		const old = pinInput({ id: 'old-pin', name: 'pin', autocomplete: 'current-password' });
		const pin1 = pinInput({ id: 'new-pin', name: 'new_pin', autocomplete: 'new-password' });
		const pin2 = pinInput({ id: 'new-pin2', name: 'new_pin2', autocomplete: 'new-password' });
		const submit = h('button', { type: 'submit', class: 'button primary', id: 'pin-submit' }, 'Change PIN');
		const form = h('form', { id: 'pin-form', novalidate: true },
		    field('Current PIN', old),
		    field('New PIN', pin1, '5 digits'),
		    field('New PIN again', pin2),
		    puk ? puk.nodes : null,
		    h('div', { class: 'actions' }, submit));
		const panel = h('section', { class: 'panel auth' },
		    h('h1', { tabindex: '-1' }, 'Change your PIN'),
		    session().must_change_pin ?
			h('p', null, 'This profile still has the PIN it was delivered with, which anyone can look up. Choose your own 5-digit PIN.') :
			h('p', null, 'The new PIN applies to everyone who uses this profile.'),
		    puk ? h('p', null, 'Its delivery PUK, which unlocks it after 3 wrong PINs, is just as public: it is replaced too.') : null,
		    form);
		root.append(panel);

		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			const c = checker(form);
			const oldPin = c.pin(old);
			const newPin = c.pin(pin1);
			if (pin2.value.trim() !== newPin)
				c.fail(pin2, 'The two new PINs differ.');
			else if (newPin === oldPin && /^[0-9]{5}$/.test(newPin))
				c.fail(pin1, 'The new PIN must differ from the current one.');
			if (puk)
				puk.check(c);
			if (!c.ok())
				return;
			const body = { pin: oldPin, new_pin: newPin };
			if (puk)
				body.new_puk = puk.value();
			const { value, error } = await withBusy(submit, () => settle(api.post('pin',
			    body, { expired: false })));
			if (value) {
				updateSession({ must_change_pin: false, ...value });
				if (value.new_puk)
					showPuk(value.new_puk);
				else
					go('#/home', { flash: { notice: puk ? 'Your PIN and PUK have been changed.' : 'Your PIN has been changed.' } });
				return;
			}
			refused(error);
		});

		function showPuk(made) {
			const shown = newPukPanel(made, {
				done: () => go('#/home', { flash: { notice: 'Your PIN and PUK have been changed.' } }),
			});
			panel.replaceWith(shown);
			shown.querySelector('h1').focus();
		}

		function refused(error) {
			const body = error.body;
			if (error.status === 401 && body.attempts_left > 0) {
				old.value = '';
				setFieldError(old, `Wrong PIN: ${body.attempts_left} ${body.attempts_left === 1 ? 'attempt' : 'attempts'} left before the profile is locked.`);
				old.focus();
			} else if (error.status === 423 || (error.status === 401 && body.attempts_left === 0)) {
				// Locked by this wrong PIN: the way out, for this profile.
				const { profile } = session();
				setSession(null);
				go('#/login', { flash: { alert: lockedAlert(profile) } });
			} else if (error.status === 401) {
				// Session over (idle, or ended elsewhere): log in again.
				setSession(null);
				go('#/login', { flash: { alert: error.message } });
			} else {
				showError(error, form);
			}
		}
	},
};
