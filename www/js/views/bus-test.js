import { h, enc } from '../dom.js';
import { api } from '../api.js';
import { field, input, numberInput, select, checker, showError, withBusy } from '../forms.js';
import { badge, dataTable, definitions } from '../widgets.js';

// What each function needs: count (and its limit), values written (bits or
// 16-bit registers, one or many), and whether it takes a start address.
const FUNCTIONS = {
	1: { label: 'Read coils', count: 2000 },
	2: { label: 'Read discrete inputs', count: 2000 },
	3: { label: 'Read holding registers', count: 125 },
	4: { label: 'Read input registers', count: 125 },
	5: { label: 'Write single coil', values: 'bits', one: true },
	6: { label: 'Write single register', values: 'registers', one: true },
	15: { label: 'Write multiple coils', values: 'bits', many: 1968 },
	16: { label: 'Write multiple registers', values: 'registers', many: 123 },
	8: { label: 'Diagnostics', values: 'registers', many: 123, subfunction: true },
	// The API takes 43's read code as the address and its first object as
	// the count: the basic identification (1), from the vendor name (0).
	43: { label: 'Read device identification', noAddress: true, fixed: { address: 1, count: 0 } },
};
const ORDER = [1, 2, 3, 4, 5, 6, 15, 16, 8, 43];

const RESULTS = {
	ok: ['ok', 'Answered'],
	timeout: ['bad', 'No answer (timeout)'],
	crc: ['bad', 'Answer with a CRC error'],
	down: ['bad', 'Bus down'],
	expired: ['warn', 'Expired in the queue'],
	broadcast: ['neutral', 'Broadcast sent: no answer expected'],
	cancelled: ['warn', 'Cancelled'],
};

// One raw Modbus transaction, to see exactly what a device answers.
export function mountTest(root, bus) {
	const unit = numberInput({ name: 'unit', min: 0, max: 247, value: 1 });
	const fn = select({ name: 'function' }, ORDER.map((f) => [f, `${f} – ${FUNCTIONS[f].label}`]));
	fn.value = '3';
	const address = numberInput({ name: 'address', min: 0, max: 65535, value: 0 });
	const count = numberInput({ name: 'count', min: 1, value: 1 });
	const values = input({ name: 'values', spellcheck: 'false', autocomplete: 'off' });
	const timeout = numberInput({ name: 'timeout_ms', min: 10, max: 10000, value: 300 });
	const addressField = field('Address', address, 'Register or coil number, from 0');
	const countField = field('Count', count);
	const valuesField = field('Values', values, ' ');
	const submit = h('button', { type: 'submit', class: 'button primary' }, 'Send');
	const form = h('form', { novalidate: true },
	    h('div', { class: 'form-grid' },
		field('Unit (address)', unit, '0 is a broadcast: nobody answers'), field('Function', fn),
		addressField, countField, valuesField, field('Timeout (ms)', timeout)),
	    h('div', { class: 'actions' }, submit));
	const result = h('div', { 'aria-live': 'polite' });
	root.append(h('section', { class: 'panel' }, h('h2', null, 'Test transaction'),
	    h('p', { class: 'muted' }, 'Sends one request on this bus, ahead of polling, and shows the raw answer.'),
	    form, result));

	function adapt() {
		const f = FUNCTIONS[fn.value];
		addressField.hidden = Boolean(f.noAddress);
		addressField.querySelector('label').textContent = f.subfunction ? 'Sub-function' : 'Address';
		addressField.querySelector('.hint').textContent = f.subfunction ?
		    '0 echoes the values back' : 'Register or coil number, from 0';
		countField.hidden = !f.count;
		count.max = f.count || '';
		valuesField.hidden = !f.values;
		valuesField.querySelector('.hint').textContent = f.values === 'bits' ?
		    (f.one ? 'One value: 0 (off) or 1 (on)' : 'Comma-separated 0 or 1, e.g. 1, 0, 1') :
		    (f.one ? 'One value, 0 to 65535 (0x hex accepted)' : 'Comma-separated, 0 to 65535 (0x hex accepted), e.g. 10, 0x1F');
	}
	fn.addEventListener('change', adapt);
	adapt();

	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const f = FUNCTIONS[fn.value];
		const c = checker(form);
		const body = { unit: c.int(unit, 0, 247), function: Number(fn.value), timeout_ms: c.int(timeout, 10, 10000) };
		if (f.fixed)
			Object.assign(body, f.fixed);
		if (!f.noAddress)
			body.address = c.int(address, 0, 65535);
		if (f.count)
			body.count = c.int(count, 1, f.count);
		if (f.values) {
			const list = parseValues(values.value, f.values === 'bits' ? 1 : 65535);
			if (list === null)
				c.fail(values, f.values === 'bits' ? 'Use 0 or 1.' : 'Use whole numbers from 0 to 65535.');
			else if (f.one && list.length !== 1)
				c.fail(values, 'Give exactly one value.');
			else if (!f.one && (list.length < 1 || list.length > f.many))
				c.fail(values, `Give 1 to ${f.many} values.`);
			else {
				body.values = list;
				if (!f.one && !f.subfunction)
					body.count = list.length;
			}
		}
		if (!c.ok())
			return;
		await withBusy(submit, async () => {
			try {
				const answer = await api.post(`buses/${enc(bus)}/test`, body);
				result.replaceChildren(renderAnswer(answer, body));
			} catch (e) {
				result.replaceChildren();
				showError(e, form);
			}
		});
	});
}

function parseValues(text, max) {
	const parts = text.split(/[\s,;]+/).filter(Boolean);
	const out = parts.map((p) => (/^(0x[0-9a-f]+|\d+)$/i.test(p) ? Number(p) : NaN));
	return out.every((v) => Number.isInteger(v) && v >= 0 && v <= max) ? out : null;
}

const hex = (v) => '0x' + v.toString(16).toUpperCase().padStart(4, '0');
const signed = (v) => (v > 32767 ? v - 65536 : v);

function renderAnswer(a, asked) {
	// An exception is an answer, but a refusal: not the green of a reply.
	const [tone, text] = a.result === 'ok' && a.exception ? ['bad', 'Refused with an exception'] :
	    RESULTS[a.result] || ['neutral', a.result];
	const parts = [h('h3', null, 'Answer'),
	    h('p', null, badge(tone, text),
		a.exception ? h('span', { class: 'error-text' },
		    ` Exception ${a.exception.code}: ${a.exception.name}`) : null)];
	if (a.reply_hex)
		parts.push(h('p', null, 'Bytes received: ', h('code', { class: 'hex' }, a.reply_hex)));
	const base = asked.address || 0;
	if (Array.isArray(a.registers) && a.registers.length)
		parts.push(dataTable([
			{ label: 'Register', num: true, cell: (r) => String(base + r.i) },
			{ label: 'Decimal', num: true, cell: (r) => String(r.v) },
			{ label: 'Hex', num: true, cell: (r) => hex(r.v) },
			{ label: 'Signed', num: true, cell: (r) => String(signed(r.v)) },
		], a.registers.map((v, i) => ({ v, i })), { caption: 'Registers' }));
	if (Array.isArray(a.bits) && a.bits.length)
		parts.push(dataTable([
			{ label: 'Bit', num: true, cell: (r) => String(base + r.i) },
			{ label: 'Value', cell: (r) => (r.v ? '1 (on)' : '0 (off)') },
		], a.bits.map((v, i) => ({ v, i })), { caption: 'Bits' }));
	if (a.device_id && typeof a.device_id === 'object')
		parts.push(h('h4', null, 'Device identification'),
		    definitions(Object.entries(a.device_id).map(([k, v]) =>
			[k, typeof v === 'object' ? JSON.stringify(v) : String(v)])));
	return h('div', { class: 'answer' }, parts);
}
