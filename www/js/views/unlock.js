import { h } from '../dom.js';
import { api } from '../api.js';
import { go } from '../router.js';
import { setSession, PROFILES, PROFILE_LABELS } from '../session.js';
import { showAlert } from '../messages.js';
import { field, input, pinInput, select, checker, setFieldError, showError, withBusy } from '../forms.js';
import { holdOff, newPukPanel, settle, waitText } from '../auth.js';

export const unlockView = {
	title: 'Unlock a profile',
	guest: true,
	render(root, ctx) {
		const asked = ctx.query.get('profile');
		const profile = select({ id: 'unlock-profile', name: 'profile' },
		    PROFILES.map((p) => [p, PROFILE_LABELS[p]]));
		if (PROFILES.includes(asked))
			profile.value = asked;
		const puk = input({ id: 'puk', name: 'puk', inputmode: 'numeric', autocomplete: 'off',
		    spellcheck: 'false', maxlength: 20 });
		const pin1 = pinInput({ id: 'unlock-new-pin', name: 'new_pin', autocomplete: 'new-password' });
		const pin2 = pinInput({ id: 'unlock-new-pin2', name: 'new_pin2', autocomplete: 'new-password' });
		const submit = h('button', { type: 'submit', class: 'button primary', id: 'unlock-submit' }, 'Unlock and log in');
		const form = h('form', { id: 'unlock-form', novalidate: true },
		    field('Profile', profile),
		    field('PUK', puk, '14 digits, as given at installation; spaces are ignored'),
		    field('New PIN', pin1, '5 digits'),
		    field('New PIN again', pin2),
		    h('div', { class: 'actions' }, submit));
		const panel = h('section', { class: 'panel auth' },
		    h('h1', { tabindex: '-1' }, 'Unlock a profile'),
		    h('p', null, 'After too many wrong PINs a profile is locked. Its PUK unlocks it and sets a new PIN.'),
		    form,
		    h('p', { class: 'auth-more' }, h('a', { href: '#/login' }, 'Back to the login')));
		root.append(panel);
		if (PROFILES.includes(asked))
			ctx.focus = puk;

		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			const c = checker(form);
			const pukDigits = puk.value.replace(/\s+/g, '');
			if (!/^[0-9]{14}$/.test(pukDigits))
				c.fail(puk, 'A PUK is exactly 14 digits.');
			const newPin = c.pin(pin1);
			if (pin2.value.trim() !== newPin)
				c.fail(pin2, 'The two new PINs differ.');
			if (!c.ok())
				return;
			const { value, error } = await withBusy(submit, () => settle(api.post('unlock',
			    { profile: profile.value, puk: pukDigits, new_pin: newPin }, { expired: false })));
			if (value) {
				setSession(value);
				const home = () => go('#/home', { flash: { notice: 'Profile unlocked: your new PIN is set.' } });
				// A delivery PUK goes with the delivery PIN: mews made another.
				if (value.new_puk) {
					const shown = newPukPanel(value.new_puk, { done: home });
					panel.replaceWith(shown);
					shown.querySelector('h1').focus();
				} else {
					home();
				}
				return;
			}
			const body = error.body;
			if (error.status === 401) {
				// Wrong PUKs make this address wait, longer each time.
				const wait = Number(body.retry_after) || 0;
				puk.value = '';
				setFieldError(puk, wait > 0 ?
				    `Wrong PUK. Too many wrong PUKs from here: wait ${waitText(wait)} before the next one.` :
				    'Wrong PUK.');
				if (wait > 0)
					holdOff(submit, wait, ctx);
				puk.focus();
			} else if (error.status === 429) {
				const wait = Number(body.retry_after) || 60;
				showAlert(`Too many attempts: wait ${waitText(wait)} before trying again.`);
				holdOff(submit, wait, ctx);
			} else {
				showError(error, form);
			}
		});
	},
};
