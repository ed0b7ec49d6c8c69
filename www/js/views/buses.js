import { h, enc } from '../dom.js';
import { api } from '../api.js';
import { field, input, numberInput, select } from '../forms.js';
import { upBadge } from '../widgets.js';
import { mountCrud } from '../crud.js';
import { frameText } from '../serial.js';
import { NAME_PATTERN, NAME_RULE } from '../names.js';

const BAUDS = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200];

export const busesView = {
	title: 'Buses',
	right: 'configure',
	render(root, ctx) {
		const crud = mountCrud(root, ctx, {
			title: 'Buses',
			noun: 'bus',
			path: 'buses',
			key: (b) => b.name,
			intro: 'Each bus is one serial port and the devices wired to it. Open a bus for its live counters, a scan and test transactions.',
			empty: 'No buses yet: add the serial port the RS485 line is on.',
			load: () => api.get('buses'),
			columns: [
				{ label: 'Name', cell: (b) => h('a', { href: '#/bus/' + enc(b.name) }, b.name) },
				{ label: 'Port', cell: (b) => b.port },
				{ label: 'Frame', cell: (b) => frameText(b) },
				{ label: 'Timeout', num: true, cell: (b) => `${b.timeout_ms} ms` },
				{ label: 'State', cell: (b) => upBadge(b.up) },
				{ label: 'Queue', num: true, cell: (b) => String(b.queue ?? '—') },
			],
			deleteText: (b) => `The port ${b.port} is released; devices on ${b.name} are no longer polled.`,
			form: busForm,
		});
		crud.load().then(() => {
			const row = crud.rows().find((r) => r.name === ctx.query.get('edit'));
			if (row && ctx.alive)
				crud.openForm(row, {});
		});
	},
};

async function busForm(row) {
	const b = row || { baud: 9600, parity: 'even', stop_bits: 1, timeout_ms: 300 };
	const name = input({ name: 'name', maxlength: 32, autocomplete: 'off', spellcheck: 'false',
	    value: b.name ?? '', readonly: Boolean(row) });
	const port = input({ name: 'port', placeholder: '/dev/ttyUSB0', spellcheck: 'false', value: b.port ?? '' });
	const baud = select({ name: 'baud' }, BAUDS.map((v) => [v, `${v} baud`]));
	baud.value = String(b.baud);
	const parity = select({ name: 'parity' }, [['none', 'None'], ['even', 'Even'], ['odd', 'Odd']]);
	parity.value = b.parity;
	const stop = select({ name: 'stop_bits' }, [['1', '1'], ['2', '2']]);
	stop.value = String(b.stop_bits);
	const timeout = numberInput({ name: 'timeout_ms', min: 10, max: 10000, value: b.timeout_ms });
	return {
		nodes: [h('div', { class: 'form-grid' },
		    field('Name', name, row ? 'The name cannot change: devices refer to it' : 'a–z, 0–9, _ and -, e.g. rs485'),
		    field('Serial port', port, 'The device file, e.g. /dev/ttyUSB0 or /dev/ttyS1'),
		    field('Speed', baud, 'The same on every device of the line'),
		    field('Parity', parity, 'Modbus devices default to even'),
		    field('Stop bits', stop),
		    field('Reply timeout (ms)', timeout, '10 to 10000'))],
		read(c) {
			return {
				name: c.text(name, { pattern: NAME_PATTERN, message: NAME_RULE }),
				port: c.text(port, { pattern: /^\//, message: 'Give the full path, starting with /dev/.' }),
				baud: Number(baud.value),
				parity: parity.value,
				stop_bits: Number(stop.value),
				timeout_ms: c.int(timeout, 10, 10000),
			};
		},
	};
}
