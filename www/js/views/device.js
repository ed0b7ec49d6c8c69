import { h, enc, setText } from '../dom.js';
import { api } from '../api.js';
import { can } from '../session.js';
import { clearAlert } from '../messages.js';
import { confirmDialog } from '../dialog.js';
import { field, numberInput, checker, showError } from '../forms.js';
import { badge, onlineBadge, liveTable, definitions, section, linkButton } from '../widgets.js';
import { deviceVia, formatInt, formatReading, formatTime, metricLabel, qualityLabel, unitLabel } from '../format.js';
import { PERIODS, periodOf, periodRange } from '../periods.js';
import { theme, onThemeChange, graphUrl, csvUrl } from '../graphs.js';
import { isTotal, consumptionPath, consumptionTable } from '../consumption.js';
import { retentionNote } from '../retention.js';

const REFRESH_MS = 2000;

// A device's commands and the names of its states come from its module,
// through the API (dev.controls, dev.states): no table here per kind.

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
			    cell: (m, d) => formatReading(m, d.values[m], d.states),
			    cls: (m, d) => ['stale', 'suspect'].includes(d.values[m].quality) ? 'stale' : '' },
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
		const historyBox = historyPanel(ctx, id);
		root.append(head, meta, stateSlot, controlSlot,
		    section('Live readings', values.el),
		    historyBox.el,
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
			setText(meta, `${dev.id} · ${deviceVia(dev)} · ` +
			    (dev.last_ok ? `last reading ${formatTime(dev.last_ok)}` : 'no answer yet'));
			const states = dev.states || [];
			const readings = dev.values || {};
			renderState(stateSlot, readings.state, states);
			values.update(Object.keys(readings), { values: readings, states });
			historyBox.setMetrics(Object.keys(readings), name);
			stats.update(Object.keys(dev.stats || {}), dev.stats || {});
			// The commands its state offers (a tripped breaker: reset).
			const now = readings.state && readings.state.quality === 'ok' ?
			    states[readings.state.value] : null;
			const all = can('control') ? dev.controls || [] : [];
			const commands = now && now.commands ?
			    all.filter((c) => now.commands.includes(c.name)) : all;
			const shown = JSON.stringify([commands, now && now.note]);
			if (shown !== controlsFor) {
				controlsFor = shown;
				controlSlot.replaceChildren(commands.length ?
				    controls(dev, commands, now && now.note) : '');
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

function renderState(slot, reading, states) {
	if (!reading) {
		slot.replaceChildren();
		return;
	}
	const text = formatReading('state', reading, states);
	if (slot.dataset.state === text)
		return;
	slot.dataset.state = text;
	const known = states.find((s) => s.name === text);
	slot.replaceChildren(h('p', { class: 'state-line' }, 'State: ',
	    badge(known ? known.tone : 'neutral', text)));
}

// commands: the device's controls, [{name, label, text, dangerous, arg}];
// one with an argument gets its field (the output's pulse length).
// note: why the state offers fewer commands than the device has.
function controls(dev, commands, note) {
	const result = h('p', { class: 'command-result', role: 'status' });
	const withArg = commands.find((c) => c.arg);
	const argInput = withArg ? numberInput({ name: 'arg', min: withArg.arg.min,
	    max: withArg.arg.max, value: withArg.arg.default }) : null;
	const buttons = commands.map((cmd) => h('button', {
		type: 'button',
		class: `button ${cmd.dangerous ? 'danger' : 'secondary'}`,
		onclick: () => send(cmd),
	}, cmd.label));
	const box = section('Control',
	    note ? h('p', { class: 'state-note' }, note) : null,
	    argInput ? field(withArg.arg.label, argInput,
		`${withArg.arg.min} to ${withArg.arg.max}, for “${withArg.label}”`) : null,
	    h('div', { class: 'actions' }, buttons), result);

	async function send(cmd) {
		let arg;
		if (cmd.arg) {
			const c = checker(box);
			arg = c.int(argInput, cmd.arg.min, cmd.arg.max);
			if (!c.ok())
				return;
		}
		const name = dev.name || dev.id;
		const yes = await confirmDialog({
			title: `${cmd.label}: ${name}?`,
			message: `${cmd.text} The command is sent to the device at once.`,
			confirm: cmd.label,
			danger: Boolean(cmd.dangerous),
		});
		if (!yes)
			return;
		for (const b of buttons)
			b.disabled = true;
		result.className = 'command-result';
		result.textContent = `Sending “${cmd.label}”…`;
		try {
			const body = arg === undefined ? { command: cmd.name } : { command: cmd.name, arg };
			const answer = await api.post(`devices/${enc(dev.id)}/command`, body);
			result.classList.add('ok-text');
			result.textContent = `${cmd.label}: the device confirmed (${answer.result || 'ok'}) at ${formatTime(Date.now() / 1000)}.`;
		} catch (e) {
			if (e.handled)
				return;
			result.classList.add('error-text');
			result.textContent = `${cmd.label} failed: ${e.message}`;
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

// The metrics a graph is offered for, totals first, as the profile lists them.
function graphMetrics(metrics) {
	return [...metrics.filter(isTotal), ...metrics.filter((m) => !isTotal(m))];
}

const GRAPH_RETRIES = 3;
const GRAPH_REFRESH_MS = 60000;

// The history of one device: a graph per period of the chosen reading, its
// downloads, and for totals the consumption per period as a table.
function historyPanel(ctx, id) {
	const state = {
		metric: ctx.query.get('metric'),
		period: periodOf(ctx.query.get('period') || 'day').key,
		metrics: null,
		name: id,
		shown: null,	// the graph's URL without the refresh counter
		retries: 0,
		table: 0,	// the table being loaded, so late answers are dropped
	};
	const buttons = new Map(PERIODS.map((p) => [p.key, h('button', {
		type: 'button', class: 'segment', 'aria-pressed': 'false',
		onclick: () => { state.period = p.key; show(); },
	}, p.label)]));
	const choice = h('select', { id: 'history-metric', onchange: () => { state.metric = choice.value; show(); } });
	const img = h('img', { class: 'graph-img', alt: '' });
	const status = h('p', { class: 'graph-status', role: 'status' });
	const figure = h('figure', { class: 'graph' }, img, status);
	// The server names a CSV by its start's date (main-energy_import-2026-12-07.csv).
	const csv = h('a', { class: 'button secondary', download: '' }, 'Download CSV');
	const svg = h('a', { class: 'button secondary', download: '' }, 'Download graph (SVG)');
	const png = h('a', { class: 'button secondary', download: '' }, 'Download graph (PNG)');
	const tableSlot = h('div', { class: 'consumption' });
	const retention = h('div');
	const el = section('History',
	    h('div', { class: 'history-controls' },
		h('div', { class: 'segments', role: 'group', 'aria-label': 'Period' }, [...buttons.values()]),
		h('div', { class: 'field inline-field' }, h('label', { for: choice.id }, 'Reading'), choice)),
	    figure,
	    h('div', { class: 'actions' }, csv, svg, png),
	    tableSlot, retention);
	el.hidden = true;
	el.classList.add('history');

	img.addEventListener('load', () => {
		status.hidden = true;
		img.classList.remove('loading');
		state.retries = 0;
	});
	img.addEventListener('error', graphFailed);

	async function graphFailed() {
		const url = img.getAttribute('src');
		if (!url)
			return;
		img.classList.add('loading');
		try {
			await api.get(url.replace(/^\/api\//, ''));
			status.textContent = 'The graph could not be shown.';
		} catch (e) {
			if (!ctx.alive || img.getAttribute('src') !== url)
				return;
			if (e.status === 503 && state.retries++ < GRAPH_RETRIES) {
				status.textContent = 'Busy drawing other graphs: trying again…';
				setTimeout(() => {
					if (ctx.alive && img.getAttribute('src') === url)
						img.src = `${url.replace(/&retry=\d+$/, '')}&retry=${state.retries}`;
				}, 2000);
				return;
			}
			status.textContent = e.status === 404 ?
			    'No graph yet: nothing of this reading has been recorded.' : `No graph: ${e.message}`;
		}
		status.hidden = false;
	}

	// The graph's size: the figure's width in steps of 100 pixels.
	function size() {
		const w = Math.round((figure.clientWidth || 800) / 100) * 100;
		const width = Math.min(2000, Math.max(400, w));
		return { width, height: width < 700 ? 300 : 340 };
	}

	function show() {
		if (!state.metrics)
			return;
		const metric = state.metric;
		const total = isTotal(metric);
		const p = periodOf(state.period);
		const range = periodRange(p.key, total);
		const { width, height } = size();
		for (const [key, b] of buttons)
			b.setAttribute('aria-pressed', String(key === p.key));
		const base = graphUrl(id, metric, { period: p.key, theme: theme(), width, height });
		// A new image each minute: the archives change that often.
		const url = `${base}&at=${Math.floor(Date.now() / GRAPH_REFRESH_MS)}`;
		if (base !== state.shown || !(img.getAttribute('src') || '').startsWith(url)) {
			if (base !== state.shown) {
				status.textContent = 'Drawing the graph…';
				status.hidden = false;
				img.classList.add('loading');
			}
			state.shown = base;
			img.setAttribute('width', String(width));
			img.setAttribute('height', String(height));
			img.alt = `${metricLabel(metric)} of ${state.name}, ${total ? `consumption per ${p.per}, ` : ''}${p.words}`;
			img.src = url;
		}
		const file = `${id}-${metric}-${p.key}`;
		csv.href = csvUrl(id, metric, range);
		svg.href = graphUrl(id, metric, { period: p.key, theme: 'light', width: 1200, height: 450 });
		svg.setAttribute('download', `${file}.svg`);
		png.href = graphUrl(id, metric, { period: p.key, theme: 'light', format: 'png', width: 1200, height: 450 });
		png.setAttribute('download', `${file}.png`);
		// The choice survives a reload, without a new view.
		const q = new URLSearchParams({ metric, period: p.key });
		history.replaceState(history.state, '', `#/device/${enc(id)}?${q}`);
		loadTable(metric, p, range, total);
	}

	async function loadTable(metric, p, range, total) {
		const seq = ++state.table;
		if (!total) {
			tableSlot.replaceChildren();
			return;
		}
		let answer;
		try {
			answer = await api.get(consumptionPath(id, metric, p.key, range));
		} catch (e) {
			if (seq === state.table && ctx.alive)
				tableSlot.replaceChildren(h('p', { class: 'muted' }, e.status === 404 ?
				    'No consumption yet: nothing of this total has been recorded.' : `No consumption: ${e.message}`));
			return;
		}
		if (seq !== state.table || !ctx.alive)
			return;
		// Folded or not as the reader left it, across refreshes.
		const open = tableSlot.firstChild && tableSlot.firstChild.tagName === 'DETAILS' ?
		    tableSlot.firstChild.open : true;
		const download = h('a', { class: 'button secondary', download: '',
		    href: `/api/${consumptionPath(id, metric, p.key, range, 'csv')}` }, 'Download consumption (CSV)');
		tableSlot.replaceChildren(h('details', { class: 'more consumption-table', open },
		    h('summary', null, `Consumption per ${p.per}: table`), consumptionTable(answer, p),
		    h('div', { class: 'actions' }, download)));
	}

	async function loadRetention() {
		try {
			const info = await api.get('history');
			if (ctx.alive)
				retention.replaceChildren(retentionNote(info));
		} catch {
			// Only a note: the graphs say enough when history is off.
		}
	}

	let resizeTimer = null;
	const onResize = () => {
		clearTimeout(resizeTimer);
		resizeTimer = setTimeout(() => show(), 300);
	};
	window.addEventListener('resize', onResize);
	ctx.onLeave(() => {
		window.removeEventListener('resize', onResize);
		clearTimeout(resizeTimer);
	});
	onThemeChange(ctx, () => show());

	function setMetrics(metrics, name) {
		state.name = name;
		const list = graphMetrics(metrics);
		if (state.metrics && list.join() === state.metrics.join())
			return;
		state.metrics = list;
		el.hidden = list.length === 0;
		if (!list.length)
			return;
		if (!list.includes(state.metric))
			state.metric = ['energy_import', 'power'].find((m) => list.includes(m)) || list[0];
		choice.replaceChildren(...list.map((m) => h('option', { value: m },
		    isTotal(m) ? `${metricLabel(m)} (consumption)` : metricLabel(m))));
		choice.value = state.metric;
		const first = state.shown === null;
		show();
		if (first) {
			loadRetention();
			let now = true;	// poll() calls at once: show() just ran
			ctx.poll(() => { if (!now) show(); now = false; }, GRAPH_REFRESH_MS);
		}
	}

	return { el, setMetrics };
}
