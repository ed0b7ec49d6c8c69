import { h, enc, setText } from '../dom.js';
import { api } from '../api.js';
import { clearAlert } from '../messages.js';
import { showError } from '../forms.js';
import { upBadge, liveTable, definitions, section, linkButton } from '../widgets.js';
import { formatInt, metricLabel } from '../format.js';
import { frameText } from '../serial.js';
import { mountScan } from './bus-scan.js';
import { mountTest } from './bus-test.js';

const REFRESH_MS = 1000;	// often enough for the activity lights to mean something
const BLINK_MS = 350;

export const busView = {
	title: 'Bus',
	right: 'configure',
	render(root, ctx) {
		const name = ctx.params.name;
		ctx.setTitle(`Bus ${name}`);
		const stateSlot = h('span');
		const settings = h('div');
		const queue = h('span', { class: 'value' });
		const rx = light('RX');
		const tx = light('TX');
		const counters = liveTable([
			{ label: 'Counter', cell: (k) => metricLabel(k) },
			{ label: 'Count', num: true, cell: (k, d) => formatInt(d[k]) },
		]);
		root.append(
		    h('div', { class: 'page-head' },
			h('div', { class: 'title-row' }, h('h1', { tabindex: '-1' }, `Bus ${name}`), stateSlot),
			h('div', { class: 'actions' }, linkButton(`#/settings/buses?edit=${enc(name)}`, 'Edit settings'))),
		    h('section', { class: 'panel' }, h('h2', null, 'Line'),
			h('div', { class: 'activity' }, rx.el, tx.el,
			    h('p', null, 'Queue: ', queue, ' waiting')),
			settings),
		    section('Counters', counters.el));
		const scanSlot = h('div');
		const testSlot = h('div');
		root.append(scanSlot, testSlot);
		mountScan(scanSlot, name, ctx);
		mountTest(testSlot, name);
		let last = null;
		let shownSettings = null;

		async function refresh() {
			let bus;
			try {
				bus = (await api.get('buses')).find((b) => b.name === name);
			} catch (e) {
				showError(e, null, 'bus');
				return;
			}
			if (!ctx.alive)
				return;
			clearAlert('bus');
			if (!bus) {
				stop();
				root.replaceChildren(h('h1', { tabindex: '-1' }, 'No such bus'),
				    h('p', null, `No bus is named “${name}”. `, h('a', { href: '#/settings/buses' }, 'See the buses'), '.'));
				return;
			}
			const st = bus.stats || {};
			if (stateSlot.dataset.up !== String(bus.up)) {
				stateSlot.dataset.up = String(bus.up);
				stateSlot.replaceChildren(upBadge(bus.up));
			}
			setText(queue, formatInt(bus.queue));
			if (last) {
				rx.set(st.bytes_in, st.bytes_in > last.bytes_in);
				tx.set(st.bytes_out, st.bytes_out > last.bytes_out);
			} else {
				rx.set(st.bytes_in, false);
				tx.set(st.bytes_out, false);
			}
			last = st;
			counters.update(Object.keys(st), st);
			const shape = JSON.stringify([bus.port, bus.baud, bus.parity, bus.stop_bits, bus.timeout_ms]);
			if (shape !== shownSettings) {
				shownSettings = shape;
				settings.replaceChildren(definitions([
					['Serial port', bus.port],
					['Frame', frameText(bus)],
					['Reply timeout', `${bus.timeout_ms} ms`],
				]));
			}
		}
		const stop = ctx.poll(refresh, REFRESH_MS);
	},
};

// A lamp that flashes when bytes moved since the last refresh; the byte count
// beside it says the same in words.
function light(label) {
	const lamp = h('span', { class: 'lamp', 'aria-hidden': 'true' });
	const count = h('span', { class: 'value' });
	const el = h('p', { class: 'light' }, lamp, h('span', { class: 'light-label' }, label), ' ', count, ' bytes');
	let timer = null;
	return {
		el,
		set(bytes, moved) {
			setText(count, formatInt(bytes));
			if (!moved)
				return;
			lamp.classList.add('on');
			clearTimeout(timer);
			timer = setTimeout(() => lamp.classList.remove('on'), BLINK_MS);
		},
	};
}
