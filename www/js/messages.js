// The page-wide alert (errors that belong to no form field) and the short
// notice toast ("Saved").

import { h } from './dom.js';

const NOTICE_MS = 5000;
let alertSource = null;
let noticeTimer = null;

export function initMessages() {
	document.getElementById('alert-close').addEventListener('click', () => clearAlert());
}

// source: who raised it, so a refresh that works again can take back its own
// "not answering" without hiding someone else's error.
export function showAlert(content, source = null) {
	const box = document.getElementById('alert-box');
	document.getElementById('alert').replaceChildren(h('p', null, content));
	box.hidden = false;
	alertSource = source;
	if (box.getBoundingClientRect().top < 0)
		box.scrollIntoView({ block: 'nearest' });
}

export function clearAlert(source) {
	if (source !== undefined && source !== alertSource)
		return;
	document.getElementById('alert-box').hidden = true;
	document.getElementById('alert').replaceChildren();
	alertSource = null;
}

export function notify(text) {
	const el = document.getElementById('notice');
	el.textContent = text;
	el.classList.add('shown');
	clearTimeout(noticeTimer);
	noticeTimer = setTimeout(() => {
		el.classList.remove('shown');
		// Emptied once it has slid away, so it does not shrink in view.
		noticeTimer = setTimeout(() => { el.textContent = ''; }, 300);
	}, NOTICE_MS);
}
