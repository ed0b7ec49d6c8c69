// Groups: the trees of panels and uses with each group's live power
// (#/groups), and their editing for installers (#/settings/groups, the
// same list editing as buses and gateways).

import { h, enc, setText } from '../dom.js';
import { api } from '../api.js';
import { can } from '../session.js';
import { clearAlert } from '../messages.js';
import { checkbox, field, input, showError } from '../forms.js';
import { linkButton, pageHead } from '../widgets.js';
import { mountCrud } from '../crud.js';
import { NAME_PATTERN, NAME_RULE } from '../names.js';
import { sumBadge, sumText } from '../sums.js';

const REFRESH_MS = 2000;

export const groupsView = {
	title: 'Groups',
	right: 'read',
	render(root, ctx) {
		root.append(pageHead('Groups', can('configure') ?
		    linkButton('#/settings/groups', 'Edit groups') : null));
		root.append(h('p', { class: 'muted' }, 'Devices arranged by panel or by use. A group adds up its own devices and those of the groups under it, each once.'));
		const tree = h('div');
		root.append(tree);
		const cells = new Map();

		function branch(groups, parent) {
			const kids = groups.filter((g) => g.parent === parent);
			if (!kids.length)
				return null;
			return h('ul', { class: 'group-tree' }, kids.map((g) => {
				const power = h('span', { class: 'num' });
				const note = h('span');
				cells.set(g.id, { power, note });
				return h('li', null,
				    h('a', { href: '#/group/' + enc(g.id) }, g.name),
				    ' · ', power, ' ', note,
				    h('span', { class: 'muted' }, ` · ${g.members.length} ${g.members.length === 1 ? 'device' : 'devices'}`),
				    branch(groups, g.id));
			}));
		}

		let shape = null;
		ctx.poll(async () => {
			let groups;
			try {
				groups = await api.get('groups');
			} catch (e) {
				showError(e, null, 'groups');
				return;
			}
			if (!ctx.alive)
				return;
			clearAlert('groups');
			const next = JSON.stringify(groups.map((g) => [g.id, g.name, g.parent, g.members]));
			if (next !== shape) {
				shape = next;
				cells.clear();
				tree.replaceChildren(groups.length ? branch(groups, null) :
				    h('div', { class: 'panel empty' }, can('configure') ?
					'No groups yet: add one with “Edit groups”.' : 'No groups have been set up.'));
			}
			for (const g of groups) {
				const c = cells.get(g.id);
				setText(c.power, sumText(g.sums.power));
				c.note.replaceChildren(sumBadge(g.sums.power) || '');
			}
		}, REFRESH_MS);
	},
};

export const groupSettingsView = {
	title: 'Groups',
	right: 'configure',
	render(root, ctx) {
		const crud = mountCrud(root, ctx, {
			title: 'Groups',
			noun: 'group',
			path: 'groups',
			key: (g) => g.id,
			intro: 'A group is a panel, a feeder or a use (lighting, HVAC, IT). Put a group under another to make a tree; a device may be in several groups.',
			empty: 'No groups yet.',
			load: () => api.get('groups'),
			columns: [
				{ label: 'ID', cell: (g) => g.id },
				{ label: 'Name', cell: (g) => h('a', { href: '#/group/' + enc(g.id) }, g.name) },
				{ label: 'Under', cell: (g) => g.parent || '—' },
				{ label: 'Devices', cell: (g) => g.devices.join(', ') || '—' },
			],
			deleteText: (g) => `${g.name} is removed; its devices stay.`,
			form: groupForm,
		});
		crud.load().then(() => {
			const row = crud.rows().find((r) => r.id === ctx.query.get('edit'));
			if (row && ctx.alive)
				crud.openForm(row, {});
		});
	},
};

async function groupForm(row) {
	const [groups, devices] = await Promise.all([api.get('groups'), api.get('devices')]);
	const g = row || { devices: [] };
	const id = input({ name: 'id', maxlength: 32, autocomplete: 'off', spellcheck: 'false',
	    value: g.id ?? '', readonly: Boolean(row) });
	const name = input({ name: 'name', maxlength: 64, value: g.name ?? '' });
	const parent = h('select', { name: 'parent', id: 'group-parent' },
	    h('option', { value: '' }, '— none: a tree of its own —'),
	    groups.filter((o) => !row || o.id !== row.id).map((o) =>
		h('option', { value: o.id }, `${o.name} (${o.id})`)));
	parent.value = g.parent ?? '';
	const boxes = devices.map((d) => checkbox(`${d.name || d.id} (${d.id})`,
	    { name: 'devices', value: d.id, checked: g.devices.includes(d.id) }));
	const list = h('fieldset', { class: 'group', id: 'group-devices' },
	    h('legend', null, 'Devices'), boxes.length ? h('div', { class: 'device-picks' }, boxes) :
		h('p', { class: 'muted' }, 'No devices yet.'));
	return {
		nodes: [h('div', { class: 'form-grid' },
		    field('ID', id, row ? 'The ID cannot change' : 'a–z, 0–9, _ and -, e.g. panel-a'),
		    field('Name', name, 'Shown in the pages, e.g. “Panel A”'),
		    field('Under', parent, 'The group it belongs to, if any')), list],
		read(c) {
			return {
				id: c.text(id, { pattern: NAME_PATTERN, message: NAME_RULE }),
				name: c.text(name, { optional: true }) || null,
				parent: parent.value,
				devices: [...list.querySelectorAll('input:checked')].map((b) => b.value),
			};
		},
	};
}
