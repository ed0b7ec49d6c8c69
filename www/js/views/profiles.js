import { h, enc } from '../dom.js';
import { api } from '../api.js';
import { notify } from '../messages.js';
import { PROFILE_LABELS } from '../session.js';
import { field, pinInput, checker, showError, withBusy } from '../forms.js';
import { badge, dataTable, pageHead, loading } from '../widgets.js';
import { newPukPanel, pukChoice } from '../auth.js';

function stateBadge(p) {
	if (p.locked)
		return badge('warn', 'Locked');
	return badge('ok', 'Active');
}

// The seed's PUK is public, and unlocks nothing once the default PIN has gone.
function pukBadge(p) {
	if (!p.default_puk)
		return 'Own PUK';
	return p.must_change_pin ? badge('warn', 'Default PUK') : badge('bad', 'No working PUK');
}

export const profilesView = {
	title: 'Profiles',
	right: 'admin',
	render(root, ctx) {
		const formSlot = h('div');
		const listSlot = h('div', null, loading());
		root.append(pageHead('Profiles'),
		    h('p', { class: 'muted' }, 'Three profiles share the box, each with one PIN and one PUK. Setting a PIN here also unlocks a locked profile; the PUK lets the people of a profile unlock it themselves.'),
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
			const label = (p) => PROFILE_LABELS[p.profile] || p.profile;
			listSlot.replaceChildren(dataTable([
				{ label: 'Profile', cell: label },
				{ label: 'PIN', cell: (p) => (p.must_change_pin ? badge('warn', 'Default PIN') : 'Own PIN') },
				{ label: 'PUK', cell: pukBadge },
				{ label: 'State', cell: (p) => stateBadge(p) },
				{ label: 'Wrong PINs', num: true, cell: (p) => String(p.pin_failures) },
				{ label: 'Wrong PUKs', num: true, cell: (p) => String(p.puk_failures) },
				{ label: 'Action', actions: true, cell: (p) => h('div', { class: 'actions' },
				    h('button', { type: 'button', class: 'button secondary',
					'aria-label': `Set the PIN of ${label(p)}`,
					onclick: (ev) => openPinForm(p, ev.currentTarget) }, 'Set PIN'),
				    h('button', { type: 'button', class: 'button secondary',
					'aria-label': `Set the PUK of ${label(p)}`,
					onclick: (ev) => openPukForm(p, ev.currentTarget) }, 'Set PUK')) },
			], profiles));
		}

		function closer(opener) {
			return () => {
				formSlot.replaceChildren();
				if (opener.isConnected)
					opener.focus();
			};
		}

		// Sent; a PUK mewsd made is shown once, in place of the form.
		async function send(p, body, form, close) {
			let answer;
			try {
				answer = await api.post('profiles/' + enc(p.profile), body);
			} catch (e) {
				showError(e, form);
				return;
			}
			if (answer.new_puk) {
				const shown = newPukPanel(answer.new_puk, { heading: 'h2',
				    whose: `the ${PROFILE_LABELS[p.profile] || p.profile} profile`, done: close });
				formSlot.replaceChildren(shown);
				shown.querySelector('h2').focus();
			} else {
				close();
				notify('Saved');
			}
			await load();
		}

		function openPinForm(p, opener) {
			const label = PROFILE_LABELS[p.profile] || p.profile;
			const pin1 = pinInput({ name: 'new_pin', autocomplete: 'new-password' });
			const pin2 = pinInput({ name: 'new_pin2', autocomplete: 'new-password' });
			const save = h('button', { type: 'submit', class: 'button primary' }, 'Set PIN');
			const close = closer(opener);
			const form = h('form', { class: 'panel', novalidate: true, 'aria-labelledby': 'set-pin-title' },
			    h('h2', { id: 'set-pin-title' }, `New PIN for ${label}`),
			    p.must_change_pin && p.default_puk ? h('p', null,
				'Its default PUK goes with its default PIN: mews makes it a new one, shown once.') : null,
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
				await withBusy(save, () => send(p, { new_pin: pin }, form, close));
			});
			formSlot.replaceChildren(form);
			pin1.focus();
		}

		function openPukForm(p, opener) {
			const label = PROFILE_LABELS[p.profile] || p.profile;
			const puk = pukChoice('set-puk-');
			const save = h('button', { type: 'submit', class: 'button primary', id: 'set-puk-submit' }, 'Set PUK');
			const close = closer(opener);
			const form = h('form', { class: 'panel', id: 'set-puk-form', novalidate: true, 'aria-labelledby': 'set-puk-title' },
			    h('h2', { id: 'set-puk-title' }, `New PUK for ${label}`),
			    h('p', null, 'The PUK it has now stops working. Give the new one only to the people of this profile.'),
			    puk.nodes,
			    h('div', { class: 'actions' }, save,
				h('button', { type: 'button', class: 'button secondary', onclick: close }, 'Cancel')));
			form.addEventListener('submit', async (ev) => {
				ev.preventDefault();
				const c = checker(form);
				puk.check(c);
				if (!c.ok())
					return;
				await withBusy(save, () => send(p, { new_puk: puk.value() }, form, close));
			});
			formSlot.replaceChildren(form);
			form.querySelector('input[type=radio]:checked').focus();
		}
		load();
	},
};
