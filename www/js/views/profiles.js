import { h, enc } from '../dom.js';
import { api } from '../api.js';
import { notify } from '../messages.js';
import { PROFILE_LABELS } from '../session.js';
import { field, pinInput, checker, showError, withBusy } from '../forms.js';
import { badge, dataTable, pageHead, loading } from '../widgets.js';

function stateBadge(p) {
	if (p.blocked)
		return badge('bad', 'Blocked');
	if (p.locked)
		return badge('warn', 'Locked');
	return badge('ok', 'Active');
}

export const profilesView = {
	title: 'Profiles',
	right: 'admin',
	render(root, ctx) {
		const formSlot = h('div');
		const listSlot = h('div', null, loading());
		root.append(pageHead('Profiles'),
		    h('p', { class: 'muted' }, 'Three profiles share the box, each with one PIN. Setting a PIN here also unlocks a locked profile.'),
		    formSlot, listSlot);

		async function load() {
			let profiles;
			try {
				profiles = await api.get('profiles');
			} catch (e) {
				showError(e);
				return;
			}
			if (!ctx.alive)
				return;
			listSlot.replaceChildren(dataTable([
				{ label: 'Profile', cell: (p) => PROFILE_LABELS[p.profile] || p.profile },
				{ label: 'PIN', cell: (p) => (p.must_change_pin ? badge('warn', 'Default PIN') : 'Own PIN') },
				{ label: 'State', cell: (p) => stateBadge(p) },
				{ label: 'Wrong PINs', num: true, cell: (p) => String(p.pin_failures) },
				{ label: 'Wrong PUKs', num: true, cell: (p) => String(p.puk_failures) },
				{ label: 'Action', cell: (p) => h('button', { type: 'button', class: 'button secondary',
				    'aria-label': `Set the PIN of ${PROFILE_LABELS[p.profile] || p.profile}`,
				    onclick: (ev) => openForm(p, ev.currentTarget) }, 'Set PIN') },
			], profiles),
			profiles.some((p) => p.blocked) ? h('p', { class: 'hint' },
			    'A blocked profile is reset only on the box, by root: ',
			    h('code', null, 'mewsd --reset-profile NAME'), '.') : null);
		}

		function openForm(p, opener) {
			const label = PROFILE_LABELS[p.profile] || p.profile;
			const pin1 = pinInput({ name: 'new_pin', autocomplete: 'new-password' });
			const pin2 = pinInput({ name: 'new_pin2', autocomplete: 'new-password' });
			const save = h('button', { type: 'submit', class: 'button primary' }, 'Set PIN');
			const close = () => {
				formSlot.replaceChildren();
				if (opener.isConnected)
					opener.focus();
			};
			const form = h('form', { class: 'panel', novalidate: true, 'aria-labelledby': 'set-pin-title' },
			    h('h2', { id: 'set-pin-title' }, `New PIN for ${label}`),
			    p.blocked ? h('p', { class: 'error-text' },
				'This profile is blocked: a new PIN does not unblock it. On the box, as root: ',
				h('code', null, `mewsd --reset-profile ${p.profile}`)) : null,
			    h('div', { class: 'form-grid' }, field('New PIN', pin1, '5 digits'), field('New PIN again', pin2)),
			    h('div', { class: 'actions' }, save,
				h('button', { type: 'button', class: 'button secondary', onclick: close }, 'Cancel')));
			form.addEventListener('submit', async (ev) => {
				ev.preventDefault();
				const c = checker(form);
				const pin = c.pin(pin1);
				if (pin2.value.trim() !== pin)
					c.fail(pin2, 'The two PINs differ.');
				if (!c.ok())
					return;
				await withBusy(save, async () => {
					try {
						await api.post('profiles/' + enc(p.profile), { new_pin: pin });
					} catch (e) {
						showError(e, form);
						return;
					}
					close();
					notify('Saved');
					await load();
				});
			});
			formSlot.replaceChildren(form);
			pin1.focus();
		}
		load();
	},
};
