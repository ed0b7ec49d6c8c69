import { h, enc, setText } from '../dom.js';
import { api } from '../api.js';
import { field, numberInput, checker, showError, withBusy } from '../forms.js';
import { dataTable, linkButton } from '../widgets.js';

const POLL_MS = 1000;

const ID_ANSWERS = {
	ok: 'Identified', refused: 'Refused to identify', malformed: 'Malformed answer', 'no reply': 'No reply',
};

// The scan asks every address in a range and lists who answered, with the
// profiles that could fit; each can become a configured device.
export function mountScan(root, bus, ctx) {
	const first = numberInput({ name: 'first', min: 1, max: 247, value: 1 });
	const last = numberInput({ name: 'last', min: 1, max: 247, value: 247 });
	const timeout = numberInput({ name: 'timeout_ms', min: 10, max: 5000, value: 100 });
	const start = h('button', { type: 'submit', class: 'button primary' }, 'Start scan');
	const cancel = h('button', { type: 'button', class: 'button secondary', hidden: true }, 'Cancel scan');
	const form = h('form', { novalidate: true },
	    h('div', { class: 'form-grid' },
		field('First address', first), field('Last address', last),
		field('Wait per address (ms)', timeout, 'Short is fine: meters answer within 100 ms')),
	    h('div', { class: 'actions' }, start, cancel));
	const bar = h('progress', { max: 1, value: 0 });
	const progressText = h('span');
	const progress = h('div', { class: 'scan-progress', hidden: true },
	    h('label', null, progressText, bar));
	const outcome = h('p', { role: 'status' });
	const found = h('div');
	root.append(h('section', { class: 'panel' }, h('h2', null, 'Scan for devices'),
	    h('p', { class: 'muted' }, 'Asks each address in turn. Polling of this bus goes on between the questions.'),
	    form, progress, outcome, found));

	let configured = new Map();
	let stopPolling = null;
	let shownFound = null;

	async function loadConfigured() {
		try {
			const devices = await api.get('devices');
			configured = new Map(devices.filter((d) => d.bus === bus).map((d) => [d.address, d.id]));
		} catch (e) {
			showError(e);
		}
	}

	function show(s) {
		const total = s.last - s.first + 1;
		const done = Math.min(Math.max(s.address - s.first, 0), total);
		progress.hidden = !s.running;
		cancel.hidden = !s.running;
		start.disabled = s.running;
		if (s.running) {
			bar.max = total;
			bar.value = done;
			setText(progressText, `Address ${s.address} (${done} of ${total} asked) `);
			setText(outcome, '');
		} else if (s.error) {
			setText(outcome, `Scan stopped: ${s.error}`);
		} else {
			const n = (s.found || []).length;
			setText(outcome, `Scan of addresses ${s.first} to ${s.last} finished: ${n} ${n === 1 ? 'device' : 'devices'} found.`);
		}
		const list = JSON.stringify(s.found || []);
		if (list !== shownFound) {
			shownFound = list;
			found.replaceChildren((s.found || []).length ? foundTable(s.found) : '');
		}
	}

	function foundTable(devices) {
		return dataTable([
			{ label: 'Address', num: true, cell: (d) => String(d.address) },
			{ label: 'Identification', cell: (d) =>
			    [d.vendor, d.product, d.revision].filter(Boolean).join(' ') ||
			    ID_ANSWERS[d.device_id] || d.device_id || '—' },
			{ label: 'Possible profiles', cell: (d) => (d.candidates || []).join(', ') || 'none known' },
			{ label: 'Action', actions: true, cell: (d) => configured.has(d.address) ?
			    h('span', null, 'Configured as ', h('a', { href: '#/device/' + enc(configured.get(d.address)) }, configured.get(d.address))) :
			    h('div', { class: 'actions' }, ((d.candidates || []).length > 1 ? d.candidates : [d.candidates?.[0] || '']).map((p) =>
				linkButton(addHref(bus, d.address, p), p && d.candidates.length > 1 ? `Add as ${p}` : 'Add device'))) },
		], devices, { caption: 'Devices that answered' });
	}

	async function check() {
		let s;
		try {
			s = await api.get(`buses/${enc(bus)}/scan`);
		} catch (e) {
			if (e.status !== 404)	// 404: no such bus, as the page says already
				showError(e, null, 'scan');
			stopTracking();
			return;
		}
		if (!ctx.alive)
			return;
		if (s.first === undefined) {	// this bus was never scanned: nothing to tell
			stopTracking();
			return;
		}
		show(s);
		if (!s.running)
			stopTracking();
	}

	function track() {
		if (!stopPolling)
			stopPolling = ctx.poll(check, POLL_MS);
	}

	function stopTracking() {
		if (stopPolling)
			stopPolling();
		stopPolling = null;
	}

	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const c = checker(form);
		const a = c.int(first, 1, 247);
		const b = c.int(last, 1, 247);
		const t = c.int(timeout, 10, 5000);
		if (a !== undefined && b !== undefined && a > b)
			c.fail(last, 'The last address must not be below the first.');
		if (!c.ok())
			return;
		await withBusy(start, async () => {
			try {
				await api.post(`buses/${enc(bus)}/scan`, { first: a, last: b, timeout_ms: t });
				shownFound = null;
				await loadConfigured();
				track();
			} catch (e) {
				showError(e, form);
			}
		});
	});

	cancel.addEventListener('click', async () => {
		await withBusy(cancel, async () => {
			try {
				await api.del(`buses/${enc(bus)}/scan`);
			} catch (e) {
				showError(e);
			}
		});
		check();
	});

	loadConfigured().then(() => {
		if (ctx.alive)
			track();
	});
}

function addHref(bus, address, profile) {
	const q = new URLSearchParams({ add: '1', bus, address: String(address) });
	if (profile)
		q.set('profile', profile);
	return `#/settings/devices?${q}`;
}
