import { h } from '../dom.js';
import { api } from '../api.js';
import { notify } from '../messages.js';
import { field, input, numberInput, select, checkbox, checker, showError, withBusy } from '../forms.js';
import { definitions, pageHead, section, loading } from '../widgets.js';
import { formatDate, formatDuration, formatInt, formatTime } from '../format.js';

const LOG_LEVELS = [['warning', 'Warnings only'], ['info', 'Information'], ['debug', 'Debug (verbose)']];

export const systemView = {
	title: 'System',
	right: 'admin',
	render(root, ctx) {
		const statusSlot = h('div', null, loading());
		const formSlot = h('div');
		root.append(pageHead('System'), statusSlot, formSlot);

		async function load() {
			let status, system;
			try {
				[status, system] = await Promise.all([api.get('status'), api.get('system')]);
			} catch (e) {
				showError(e);
				return;
			}
			if (!ctx.alive)
				return;
			statusSlot.replaceChildren(statusSection(status));
			formSlot.replaceChildren(systemForm(system, load));
		}
		load();
	},
};

function statusSection(st) {
	const cert = st.certificate || {};
	const http = (st.counters && st.counters.http) || {};
	const gw = (st.counters && st.counters.gateway) || {};
	const devices = st.devices || {};
	return section('Status', definitions([
		['Version', st.version],
		['Host name', st.hostname],
		['Box time', formatTime(st.time)],
		['Running for', formatDuration(st.uptime_s)],
		['Devices online', `${formatInt(devices.online)} of ${formatInt(devices.total)}`],
		['Certificate', `${cert.subject || '—'}${cert.self_signed ? ' (self-signed)' : ''}`],
		['Valid until', formatDate(cert.not_after)],
		['Fingerprint', h('code', { class: 'fingerprint' }, st.fingerprint || '—')],
		['HTTP requests', formatInt(http.requests)],
		['Gateway clients', formatInt(gw.clients)],
		['Gateway requests', `${formatInt(gw.requests)} (${formatInt(gw.responses)} answered, ${formatInt(gw.exceptions)} exceptions)`],
	]));
}

// Field names are the API's dotted paths, so a 400 naming "modbus_tcp.port"
// lands next to its input.
function systemForm(sys, reload) {
	const controls = {};
	const text = (path, props = {}) => (controls[path] = input({ name: path, spellcheck: 'false', ...props }));
	const port = (path, props = {}) => (controls[path] = numberInput({ name: path, min: 1, max: 65535, ...props }));
	const level = select({ name: 'log_level' }, LOG_LEVELS.some(([v]) => v === sys.log_level) ?
	    LOG_LEVELS : [...LOG_LEVELS, [sys.log_level, sys.log_level]]);
	level.value = sys.log_level;
	const fill = (prefix, obj) => {
		for (const [k, v] of Object.entries(obj || {})) {
			const el = controls[`${prefix}.${k}`];
			if (el && el.type === 'checkbox')
				el.checked = Boolean(v);
			else if (el)
				el.value = v ?? '';
		}
	};
	// Files on the box are the machine owner's, set in mews.conf: shown,
	// never sent changed (the section goes back with them as they came).
	const fixed = (path, value, placeholder) => h('input', { type: 'text', name: path, value: value || '',
	    placeholder, readonly: true, spellcheck: 'false' });
	const box = (path, label) => {
		const wrap = checkbox(label, { name: path });
		controls[path] = wrap.querySelector('input');
		return wrap;
	};
	const group = (legend, hint, ...fields) => h('fieldset', { class: 'group' },
	    h('legend', null, legend), hint ? h('p', { class: 'hint' }, hint) : null,
	    h('div', { class: 'form-grid' }, fields));

	const parts = [
		group('General', null,
		    field('Log level', level),
		    field('State folder', h('input', { type: 'text', id: 'state-dir', value: sys.state_dir || '', readonly: true }),
			'Set in mews.conf only')),
	];
	if (sys.http)
		parts.push(group('Web pages (HTTPS)', 'After changing the HTTPS port, open the pages again at the new address.',
		    field('Listen address', text('http.listen'), '0.0.0.0 for every interface, :: for IPv6 too'),
		    field('HTTPS port', port('http.https_port')),
		    field('HTTP port', port('http.http_port'), 'Only redirects to HTTPS'),
		    field('Certificate file', fixed('http.cert', sys.http.cert, 'self-signed'),
			'PEM chain; set in mews.conf only'),
		    field('Key file', fixed('http.key', sys.http.key, 'self-signed'), 'PEM key of that certificate; set in mews.conf only')));
	if (sys.modbus_tcp)
		parts.push(group('Modbus TCP gateway', 'For SCADA and building management software.',
		    box('modbus_tcp.enabled', 'Gateway enabled'),
		    field('Listen address', text('modbus_tcp.listen')),
		    field('Port', port('modbus_tcp.port'), 'Modbus TCP is 502'),
		    field('Most clients', (controls['modbus_tcp.max_clients'] = numberInput({ name: 'modbus_tcp.max_clients', min: 1, max: 1024 })), '1 to 1024'),
		    field('Idle timeout (s)', (controls['modbus_tcp.idle_timeout_s'] = numberInput({ name: 'modbus_tcp.idle_timeout_s', min: 0 })), '0: never close a silent client'),
		    field('Unit id of the box', (controls['modbus_tcp.unit_id'] = numberInput({ name: 'modbus_tcp.unit_id', min: 0, max: 247 })), '1 to 247 answers with every live value; 0: none')));
	if (sys.ftp)
		parts.push(group('FTP (history files)', 'Read-only access to the CSV history.',
		    box('ftp.enabled', 'FTP enabled'),
		    field('Listen address', text('ftp.listen')),
		    field('Port', port('ftp.port'), 'FTP is 21; passive ports are set in mews.conf'),
		    box('ftp.require_tls', 'Require TLS (FTPS) for logins and transfers'),
		    field('Most sessions', (controls['ftp.max_sessions'] = numberInput({ name: 'ftp.max_sessions', min: 1, max: 256 })), '1 to 256'),
		    field('Most sessions from one address', (controls['ftp.max_sessions_per_address'] = numberInput({ name: 'ftp.max_sessions_per_address', min: 1, max: 256 })), '1 to 256, so that one client cannot take them all'),
		    field('Idle timeout (s)', (controls['ftp.idle_timeout_s'] = numberInput({ name: 'ftp.idle_timeout_s', min: 1, max: 86400 })), 'Close a silent session')));
	fill('http', sys.http);
	fill('modbus_tcp', sys.modbus_tcp);
	fill('ftp', sys.ftp);

	const save = h('button', { type: 'submit', class: 'button primary' }, 'Save');
	const form = h('form', { class: 'panel', novalidate: true, 'aria-labelledby': 'settings-title' },
	    h('h2', { id: 'settings-title' }, 'Settings'), parts, h('div', { class: 'actions' }, save));

	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const c = checker(form);
		const body = { log_level: level.value };
		for (const sectionName of ['http', 'modbus_tcp', 'ftp']) {
			if (!sys[sectionName])
				continue;
			// Keys the form does not show go back as they came.
			const out = { ...sys[sectionName] };
			for (const [path, el] of Object.entries(controls)) {
				const [s, key] = path.split('.');
				if (s !== sectionName)
					continue;
				if (el.type === 'checkbox')
					out[key] = el.checked;
				else if (el.type === 'number')
					out[key] = c.int(el, Number(el.min || 0), Number(el.max || 2147483647));
				else
					out[key] = el.value.trim();
			}
			body[sectionName] = out;
		}
		if (!c.ok())
			return;
		await withBusy(save, async () => {
			try {
				await api.put('system', body);
			} catch (e) {
				showError(e, form);
				return;
			}
			notify('Saved');
			await reload();
		});
	});
	return form;
}
