// What login, unlock, the PIN change and the profiles page share: what
// they say when the server asks to wait, and the PUK mewsd made, shown
// once.

import { h } from './dom.js';
import { field, input, radios } from './forms.js';
import { PROFILE_LABELS } from './session.js';

// The unlock page for this profile, chosen there already.
export const unlockHref = (profile) => `#/unlock?profile=${encodeURIComponent(profile)}`;

// What the alert says once a profile is locked, wherever its PIN was wrong.
export function lockedAlert(profile) {
	return [`The ${PROFILE_LABELS[profile] || profile} profile is locked after too many wrong PINs. `,
	    h('a', { href: unlockHref(profile) }, 'Unlock it with its PUK'), '.'];
}

export function waitText(seconds) {
	const s = Math.max(1, Math.ceil(seconds));
	return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

// Keep the submit button off, with the time left on it, until the server's
// retry_after has passed.
export function holdOff(button, seconds, ctx) {
	const label = button.textContent;
	let left = Math.max(1, Math.ceil(seconds));
	button.disabled = true;
	const timer = setInterval(tick, 1000);
	function tick() {
		if (left <= 0) {
			clearInterval(timer);
			button.disabled = false;
			button.textContent = label;
			return;
		}
		button.textContent = `${label} (wait ${waitText(left)})`;
		left--;
	}
	tick();
	ctx.onLeave(() => clearInterval(timer));
}

// The outcome of a call as a value, so the caller can act after the busy
// state of its button is over.
export function settle(promise) {
	return promise.then((value) => ({ value }), (error) => ({ error }));
}

// A PUK mewsd made, as a SIM card's letter shows it: this once, with the
// advice to write it down (mews keeps only its hash). heading: 'h1' on a
// page of its own, 'h2' within one; done: when the person has it.
export function newPukPanel(puk, { heading = 'h1', whose = 'your profile', done }) {
	const ok = h('button', { type: 'button', class: 'button primary', id: 'puk-done' },
	    'I have written it down');
	ok.addEventListener('click', done);
	return h('section', { class: 'panel auth', id: 'new-puk-panel', 'aria-labelledby': 'new-puk-title' },
	    h(heading, { id: 'new-puk-title', tabindex: '-1' }, 'The new PUK'),
	    h('p', null, `This PUK unlocks ${whose} after 3 wrong PINs:`),
	    h('p', { class: 'new-puk', id: 'new-puk' }, puk),
	    h('p', null, 'Write it down now and keep it somewhere safe, away from the box, as you would ' +
		'a SIM card\'s PUK letter. It is shown only this once: mews keeps no copy it could show again.'),
	    h('div', { class: 'actions' }, ok));
}

// How a new PUK is chosen: made by mews (the default) or typed. value()
// is what the API takes as new_puk: "generate" or the digits.
export function pukChoice(idPrefix) {
	const own = input({ id: idPrefix + 'own', name: 'new_puk', inputmode: 'numeric',
	    autocomplete: 'off', spellcheck: 'false', maxlength: 20 });
	const ownField = field('Your PUK', own, '14 digits; spaces are ignored');
	const choice = radios('New PUK', idPrefix + 'how', [
		{ value: 'generate', label: 'Have mews make one', hint: 'Shown once, to write down' },
		{ value: 'own', label: 'Type my own' },
	], 'generate', idPrefix + 'how-');
	const typed = () => choice.querySelector('input:checked').value === 'own';
	ownField.hidden = true;
	choice.addEventListener('change', () => {
		ownField.hidden = !typed();
		if (typed())
			own.focus();
	});
	return {
		nodes: [choice, ownField],
		own,
		// The check of a typed PUK; false when it is not 14 digits.
		check(c) {
			if (typed() && !/^[0-9]{14}$/.test(own.value.replace(/\s+/g, ''))) {
				c.fail(own, 'A PUK is exactly 14 digits.');
				return false;
			}
			return true;
		},
		value: () => (typed() ? own.value.replace(/\s+/g, '') : 'generate'),
	};
}
