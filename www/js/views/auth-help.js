// What login and unlock both say when a profile is blocked or the server
// asks to wait.

import { h } from '../dom.js';
import { PROFILE_LABELS } from '../session.js';

export function blockedMessage(profile) {
	return [
		`The ${PROFILE_LABELS[profile] || profile} profile is blocked after too many wrong PUKs. `,
		'Only root can reset it, on the box itself: ',
		h('code', null, `mewsd --reset-profile ${profile}`),
	];
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
