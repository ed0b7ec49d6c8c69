import { h } from '../dom.js';
import { api } from '../api.js';
import { go, routeAfterLogin } from '../router.js';
import { setSession, PROFILES, PROFILE_LABELS } from '../session.js';
import { showAlert } from '../messages.js';
import { field, pinInput, radios, checker, setFieldError, showError, withBusy } from '../forms.js';
import { holdOff, lockedAlert, settle, unlockHref, waitText } from '../auth.js';

const HINTS = {
	administrator: 'Everything, including profiles and system settings',
	installer: 'Commissioning: buses, devices, tests and control',
	user: 'Reading the meters',
};
const REMEMBERED = 'mews.profile';

// Which profile logged in last on this browser: not a secret, saves a tap.
function remembered() {
	try {
		const p = localStorage.getItem(REMEMBERED);
		return PROFILES.includes(p) ? p : 'user';
	} catch {
		return 'user';
	}
}

function remember(profile) {
	try {
		localStorage.setItem(REMEMBERED, profile);
	} catch {
		// Storage refused (private mode): the choice is only a convenience.
	}
}

export const loginView = {
	title: 'Log in',
	guest: true,
	render(root, ctx) {
		const profiles = radios('Profile', 'profile',
		    PROFILES.map((p) => ({ value: p, label: PROFILE_LABELS[p], hint: HINTS[p] })),
		    remembered(), 'profile-');
		const pin = pinInput({ id: 'pin', name: 'pin', autocomplete: 'current-password' });
		const submit = h('button', { type: 'submit', class: 'button primary', id: 'login-submit' }, 'Log in');
		const form = h('form', { id: 'login-form', novalidate: true }, profiles,
		    field('PIN', pin, '5 digits'), h('div', { class: 'actions' }, submit));
		// The unlock page opens on the profile chosen here.
		const unlock = h('a', { href: unlockHref(form.elements.profile.value) }, 'Unlock it with its PUK');
		profiles.addEventListener('change', () => { unlock.href = unlockHref(form.elements.profile.value); });
		root.append(h('section', { class: 'panel auth' },
		    h('h1', { tabindex: '-1' }, 'Log in to mews'), form,
		    h('p', { class: 'auth-more' }, 'Profile locked after wrong PINs? ', unlock, '.')));
		ctx.focus = pin;

		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			const c = checker(form);
			const profile = form.elements.profile.value;
			if (!profile)
				c.fail(form.elements.profile[0], 'Choose a profile.');
			c.pin(pin);
			if (!c.ok())
				return;
			const { value, error } = await withBusy(submit, () =>
			    settle(api.post('login', { profile, pin: pin.value.trim() }, { expired: false })));
			if (value) {
				remember(profile);
				setSession(value);
				go(routeAfterLogin());
				return;
			}
			pin.value = '';
			const body = error.body;
			if (error.status === 401 && body.attempts_left > 0) {
				setFieldError(pin, `Wrong PIN: ${body.attempts_left} ${body.attempts_left === 1 ? 'attempt' : 'attempts'} left before the profile is locked.`);
				pin.focus();
			} else if (error.status === 423 || (error.status === 401 && body.attempts_left === 0)) {
				showAlert(lockedAlert(profile));
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
