// The shape the device, bus and gateway settings share: a table, an add
// button, one form for adding or editing, deletion behind a confirmation.
//
// spec: { title, intro, noun, path (under /api/), key(row), columns (as
// dataTable's), load(), form(row, prefill) -> Promise<{ nodes, read(checker)
// -> body }>, empty (text when there are no rows), deleteText(row) }.

import { h, enc } from './dom.js';
import { api } from './api.js';
import { notify } from './messages.js';
import { confirmDialog } from './dialog.js';
import { checker, showError, withBusy } from './forms.js';
import { dataTable, loading } from './widgets.js';

export function mountCrud(root, ctx, spec) {
	const addButton = h('button', { type: 'button', class: 'button primary' }, `Add ${spec.noun}`);
	const formSlot = h('div');
	const listSlot = h('div', null, loading());
	root.append(h('div', { class: 'page-head' },
	    h('h1', { tabindex: '-1' }, spec.title),
	    h('div', { class: 'actions' }, addButton)),
	    spec.intro ? h('p', { class: 'muted' }, spec.intro) : null,
	    formSlot, listSlot);
	addButton.addEventListener('click', () => openForm(null, {}));
	let rows = [];

	async function load() {
		try {
			rows = await spec.load();
		} catch (e) {
			showError(e);
			return;
		}
		if (!ctx.alive)
			return;
		const actions = {
			label: 'Actions',
			actions: true,
			cell: (row) => h('div', { class: 'actions' },
			    h('button', { type: 'button', class: 'button secondary', 'aria-label': `Edit ${spec.key(row)}`,
				onclick: () => openForm(row, {}) }, 'Edit'),
			    h('button', { type: 'button', class: 'button danger', 'aria-label': `Delete ${spec.key(row)}`,
				onclick: () => remove(row) }, 'Delete')),
		};
		listSlot.replaceChildren(rows.length ?
		    dataTable([...spec.columns, actions], rows) :
		    h('div', { class: 'panel empty' }, spec.empty));
	}

	function closeForm() {
		formSlot.replaceChildren();
		addButton.focus();
	}

	async function openForm(row, prefill) {
		formSlot.replaceChildren(loading());
		let built;
		try {
			built = await spec.form(row, prefill);
		} catch (e) {
			formSlot.replaceChildren();
			showError(e);
			return;
		}
		if (!ctx.alive)
			return;
		const titleId = `form-title-${spec.noun.replace(/\W/g, '')}`;
		const save = h('button', { type: 'submit', class: 'button primary' }, 'Save');
		const cancel = h('button', { type: 'button', class: 'button secondary', onclick: closeForm }, 'Cancel');
		const form = h('form', { class: 'panel', novalidate: true, 'aria-labelledby': titleId },
		    h('h2', { id: titleId }, row ? `Edit ${spec.noun} ${spec.key(row)}` : `Add a ${spec.noun}`),
		    built.nodes,
		    h('div', { class: 'actions' }, save, cancel));
		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			const c = checker(form);
			const body = built.read(c);
			if (!c.ok())
				return;
			await withBusy(save, async () => {
				try {
					if (row)
						await api.put(`${spec.path}/${enc(spec.key(row))}`, body);
					else
						await api.post(spec.path, body);
				} catch (e) {
					showError(e, form);
					return;
				}
				closeForm();
				notify('Saved');
				await load();
			});
		});
		formSlot.replaceChildren(form);
		form.scrollIntoView({ block: 'start' });
		const first = form.querySelector('input:not([readonly]):not([type=hidden]), select');
		if (first)
			first.focus();
	}

	async function remove(row) {
		const key = spec.key(row);
		const yes = await confirmDialog({
			title: `Delete ${spec.noun} ${key}?`,
			message: spec.deleteText ? spec.deleteText(row) : 'This cannot be undone.',
			confirm: 'Delete',
			danger: true,
		});
		if (!yes)
			return;
		try {
			await api.del(`${spec.path}/${enc(key)}`);
		} catch (e) {
			showError(e);
			return;
		}
		formSlot.replaceChildren();
		notify('Deleted');
		await load();
	}

	return { load, openForm, rows: () => rows };
}
