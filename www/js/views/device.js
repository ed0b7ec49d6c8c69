import { h, enc, setText } from '../dom.js';
import { api } from '../api.js';
import { can } from '../session.js';
import { clearAlert } from '../messages.js';
import { confirmDialog } from '../dialog.js';
import { field, numberInput, checker, showError } from '../forms.js';
import { badge, onlineBadge, liveTable, definitions, section, linkButton } from '../widgets.js';
import { deviceKind, formatInt, formatReading, formatTime, metricLabel, qualityLabel, unitLabel } from '../format.js';

const REFRESH_MS = 2000;

const COMMANDS = {
	open: { label: 'Open', text: 'The breaker opens: everything it feeds loses power.', danger: true },
	close: { label: 'Close', text: 'The breaker closes: everything it feeds is powered again.' },
	reset: { label: 'Reset', text: 'The breaker is reset after a trip.' },
	on: { label: 'Switch on', text: 'The output switches on.' },
	off: { label: 'Switch off', text: 'The output switches off.', danger: true },
	pulse: { label: 'Pulse', text: 'The output switches on for the pulse length, then off.' },
};

const STATE_TONES = { Closed: 'ok', On: 'ok', Tripped: 'bad', Open: 'warn', Off: 'neutral' };

export const deviceView = {
	title: 'Device',
	right: 'read',
	render(root, ctx) {
		const id = ctx.params.id;
		const title = h('h1', { tabindex: '-1' }, id);
		const badgeSlot = h('span');
		const meta = h('p', { class: 'muted' });
		const stateSlot = h('div');
		const controlSlot = h('div');
		const values = liveTable([
			{ label: 'Reading', cell: (m) => metricLabel(m) },
			{ label: 'Value', num: true, metric: true,
			    cell: (m, d) => formatReading(m, d.values[m], d.kind),
			    cls: (m, d) => d.values[m].quality === 'stale' ? 'stale' : '' },
			{ label: 'Unit', cell: (m, d) => m === 'state' ? '' : unitLabel(d.values[m].unit) },
			{ label: 'Quality', cell: (m, d) => qualityLabel(d.values[m].quality) },
			{ label: 'Time', cell: (m, d) => formatTime(d.values[m].ts) },
		]);
		const stats = liveTable([
			{ label: 'Counter', cell: (k) => metricLabel(k) },
			{ label: 'Count', num: true, cell: (k, d) => formatInt(d[k]) },
		]);
		const configSlot = h('div');
		const head = h('div', { class: 'page-head' }, h('div', { class: 'title-row' }, title, badgeSlot));
		root.append(head, meta, stateSlot, controlSlot,
		    section('Live readings', values.el),
		    section('Communication counters', stats.el),
		    configSlot);
		let controlsFor = null;
		let configShown = null;

		async function refresh() {
			let dev;
			try {
				dev = await api.get('devices/' + enc(id));
			} catch (e) {
				if (e.status === 404) {
					stop();
					root.replaceChildren(h('h1', { tabindex: '-1' }, 'No such device'),
					    h('p', null, `No device has the id “${id}”. `, h('a', { href: '#/dashboard' }, 'Back to the dashboard'), '.'));
					return;
				}
				showError(e, null, 'device');
				return;
			}
			if (!ctx.alive)
				return;
			clearAlert('device');
			const name = dev.name || dev.id;
			setText(title, name);
			ctx.setTitle(name);
			badgeSlot.replaceChildren(onlineBadge(dev.online));
			const via = dev.gateway ? `gateway ${dev.gateway}` : `bus ${dev.bus}`;
			setText(meta, `${dev.id} · ${via} · address ${dev.address} · profile ${dev.profile} · ` +
			    (dev.last_ok ? `last reading ${formatTime(dev.last_ok)}` : 'no answer yet'));
			const kind = deviceKind(dev);
			const readings = dev.values || {};
			renderState(stateSlot, readings.state, kind);
			values.update(Object.keys(readings), { values: readings, kind });
			stats.update(Object.keys(dev.stats || {}), dev.stats || {});
			const commands = can('control') ? dev.commands || [] : [];
			if (commands.join() !== controlsFor) {
				controlsFor = commands.join();
				controlSlot.replaceChildren(commands.length ? controls(dev, kind, commands) : '');
			}
			const config = JSON.stringify(dev.config || {});
			if (config !== configShown) {
				configShown = config;
				configSlot.replaceChildren(configSection(dev.config || {}));
			}
		}
		const stop = ctx.poll(refresh, REFRESH_MS);
	},
};

function renderState(slot, reading, kind) {
	if (!reading) {
		slot.replaceChildren();
		return;
	}
	const text = formatReading('state', reading, kind);
	if (slot.dataset.state === text)
		return;
	slot.dataset.state = text;
	slot.replaceChildren(h('p', { class: 'state-line' }, 'State: ',
	    badge(STATE_TONES[text] || 'neutral', text)));
}

function controls(dev, kind, commands) {
	const result = h('p', { class: 'command-result', role: 'status' });
	const pulse = commands.includes('pulse') ?
	    numberInput({ name: 'arg', min: 1, max: 65535, value: 500 }) : null;
	const buttons = commands.map((cmd) => h('button', {
		type: 'button',
		class: `button ${COMMANDS[cmd] && COMMANDS[cmd].danger ? 'danger' : 'secondary'}`,
		onclick: () => send(cmd),
	}, COMMANDS[cmd] ? COMMANDS[cmd].label : cmd));
	const box = section('Control',
	    pulse ? field('Pulse length (ms)', pulse, '1 to 65535 ms, timed by the device') : null,
	    h('div', { class: 'actions' }, buttons), result);

	async function send(cmd) {
		const known = COMMANDS[cmd] || { label: cmd, text: '' };
		let arg;
		if (cmd === 'pulse') {
			const c = checker(box);
			arg = c.int(pulse, 1, 65535);
			if (!c.ok())
				return;
		}
		const name = dev.name || dev.id;
		const yes = await confirmDialog({
			title: `${known.label}: ${name}?`,
			message: `${known.text} The command is sent to the device at once.`,
			confirm: known.label,
			danger: Boolean(known.danger),
		});
		if (!yes)
			return;
		for (const b of buttons)
			b.disabled = true;
		result.className = 'command-result';
		result.textContent = `Sending “${known.label}”…`;
		try {
			const body = arg === undefined ? { command: cmd } : { command: cmd, arg };
			const answer = await api.post(`devices/${enc(dev.id)}/command`, body);
			result.classList.add('ok-text');
			result.textContent = `${known.label}: the device confirmed (${answer.result || 'ok'}) at ${formatTime(Date.now() / 1000)}.`;
		} catch (e) {
			if (e.handled)
				return;
			result.classList.add('error-text');
			result.textContent = `${known.label} failed: ${e.message}`;
		} finally {
			for (const b of buttons)
				b.disabled = false;
		}
	}
	return box;
}

const CONFIG_LABELS = {
	id: 'ID', name: 'Name', bus: 'Bus', gateway: 'Gateway', address: 'Modbus address',
	profile: 'Profile', poll_ms: 'Poll interval', channel: 'Channel', medium: 'Medium',
	weight: 'Pulses per unit', offset: 'Index at zero pulses',
};

function configSection(config) {
	const pairs = Object.entries(config).map(([k, v]) => {
		let shown = typeof v === 'object' ? JSON.stringify(v) : String(v);
		if (k === 'poll_ms')
			shown = `${v} ms`;
		if (k === 'bus' && can('configure'))
			shown = h('a', { href: '#/bus/' + enc(v) }, v);
		return [CONFIG_LABELS[k] || metricLabel(k), shown];
	});
	return section('Configuration', definitions(pairs),
	    can('configure') && config.id ? h('div', { class: 'actions' },
		linkButton(`#/settings/devices?edit=${enc(config.id)}`, 'Edit this device')) : null);
}
