// Ask before an action that cannot be undone (a breaker that opens, a device
// deleted). Built per question so nothing stays in the page.

import { h } from './dom.js';

let seq = 0;

export function confirmDialog({ title, message, confirm = 'Confirm', danger = false }) {
	const id = `dialog-title-${++seq}`;
	const cancel = h('button', { type: 'button', class: 'button secondary', autofocus: true }, 'Cancel');
	const ok = h('button', { type: 'button', class: `button ${danger ? 'danger' : 'primary'}` }, confirm);
	const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': id },
	    h('h2', { id }, title),
	    message ? h('p', null, message) : null,
	    h('div', { class: 'actions' }, cancel, ok));
	document.body.append(dialog);
	return new Promise((resolve) => {
		const opener = document.activeElement;
		cancel.addEventListener('click', () => dialog.close('cancel'));
		ok.addEventListener('click', () => dialog.close('ok'));
		dialog.addEventListener('close', () => {
			resolve(dialog.returnValue === 'ok');
			dialog.remove();
			if (opener && opener.isConnected)
				opener.focus();
		});
		dialog.showModal();
	});
}
