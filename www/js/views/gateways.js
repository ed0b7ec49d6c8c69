import { h } from '../dom.js';
import { api } from '../api.js';
import { field, input, numberInput } from '../forms.js';
import { upBadge } from '../widgets.js';
import { mountCrud } from '../crud.js';
import { NAME_PATTERN, NAME_RULE } from '../names.js';

export const gatewaysView = {
	title: 'Gateways',
	right: 'configure',
	render(root, ctx) {
		const crud = mountCrud(root, ctx, {
			title: 'Gateways',
			noun: 'gateway',
			path: 'gateways',
			key: (g) => g.name,
			intro: 'Other Modbus TCP gateways this box reads devices through, as if they were wired to it.',
			empty: 'No gateways: devices are read over this box’s own buses only.',
			load: () => api.get('gateways'),
			columns: [
				{ label: 'Name', cell: (g) => g.name },
				{ label: 'Host', cell: (g) => g.host },
				{ label: 'Port', num: true, cell: (g) => String(g.port) },
				{ label: 'Timeout', num: true, cell: (g) => `${g.timeout_ms} ms` },
				{ label: 'State', cell: (g) => upBadge(g.up) },
			],
			deleteText: (g) => `Devices read through ${g.name} are no longer polled.`,
			form: gatewayForm,
		});
		crud.load().then(() => {
			const row = crud.rows().find((r) => r.name === ctx.query.get('edit'));
			if (row && ctx.alive)
				crud.openForm(row, {});
		});
	},
};

async function gatewayForm(row) {
	const g = row || { port: 502, timeout_ms: 1000 };
	const name = input({ name: 'name', maxlength: 32, autocomplete: 'off', spellcheck: 'false',
	    value: g.name ?? '', readonly: Boolean(row) });
	const host = input({ name: 'host', spellcheck: 'false', autocomplete: 'off', value: g.host ?? '' });
	const port = numberInput({ name: 'port', min: 1, max: 65535, value: g.port });
	const timeout = numberInput({ name: 'timeout_ms', min: 10, max: 10000, value: g.timeout_ms });
	return {
		nodes: [h('div', { class: 'form-grid' },
		    field('Name', name, row ? 'The name cannot change: devices refer to it' : 'a–z, 0–9, _ and -, e.g. gw1'),
		    field('Host', host, 'IP address or host name'),
		    field('TCP port', port, 'Modbus TCP is 502'),
		    field('Reply timeout (ms)', timeout, '10 to 10000'))],
		read(c) {
			return {
				name: c.text(name, { pattern: NAME_PATTERN, message: NAME_RULE }),
				host: c.text(host, { pattern: /^[A-Za-z0-9.:\-[\]]+$/, message: 'Give an IP address or a host name.' }),
				port: c.int(port, 1, 65535),
				timeout_ms: c.int(timeout, 10, 10000),
			};
		},
	};
}
