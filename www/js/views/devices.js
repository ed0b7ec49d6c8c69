import { h, enc } from '../dom.js';
import { api } from '../api.js';
import { field, input, numberInput, select, radios } from '../forms.js';
import { onlineBadge } from '../widgets.js';
import { mountCrud } from '../crud.js';
import { NAME_PATTERN, NAME_RULE } from '../names.js';

const MODULE_KEYS = ['channel', 'medium', 'weight', 'offset'];

export const devicesView = {
	title: 'Devices',
	right: 'configure',
	render(root, ctx) {
		const crud = mountCrud(root, ctx, {
			title: 'Devices',
			noun: 'device',
			path: 'devices',
			key: (d) => d.id,
			intro: 'Each device is a meter, breaker or module read over a bus of this box or through a gateway.',
			empty: 'No devices yet: scan a bus to find them, or add one.',
			load: () => api.get('devices'),
			columns: [
				{ label: 'ID', cell: (d) => d.id },
				{ label: 'Name', cell: (d) => h('a', { href: '#/device/' + enc(d.id) }, d.name || d.id) },
				{ label: 'Connection', cell: (d) => (d.virtual ? `virtual: ${d.virtual.formula}` :
				    d.gateway ? `gateway ${d.gateway}` : `bus ${d.bus}`) },
				{ label: 'Address', num: true, cell: (d) => (d.virtual ? '—' : String(d.address)) },
				{ label: 'Profile', cell: (d) => d.profile },
				{ label: 'State', cell: (d) => onlineBadge(d.online) },
			],
			deleteText: (d) => `${d.name || d.id} is no longer polled and leaves the pages.`,
			form: deviceForm,
		});
		crud.load().then(() => {
			const q = ctx.query;
			if (!ctx.alive)
				return;
			if (q.has('edit')) {
				const row = crud.rows().find((r) => r.id === q.get('edit'));
				if (row)
					crud.openForm(row, {});
			} else if (q.has('add')) {
				crud.openForm(null, {
					bus: q.get('bus'), address: q.get('address'), profile: q.get('profile'),
				});
			}
		});
	},
};

function suggestId(prefill) {
	if (!prefill.profile || !prefill.address)
		return '';
	return `${prefill.profile}-${prefill.address}`.toLowerCase().replace(/[^a-z0-9_-]/g, '-').slice(0, 32);
}

async function deviceForm(row, prefill) {
	const [buses, gateways, models, dev] = await Promise.all([
		api.get('buses'), api.get('gateways'), api.get('models'),
		row ? api.get('devices/' + enc(row.id)) : null,
	]);
	const cfg = dev ? dev.config || {} : {};
	const id = input({ name: 'id', maxlength: 32, autocomplete: 'off', spellcheck: 'false',
	    value: cfg.id ?? suggestId(prefill), readonly: Boolean(row) });
	const name = input({ name: 'name', maxlength: 64, value: cfg.name ?? '' });
	const overGateway = Boolean(cfg.gateway) || (!buses.length && gateways.length > 0);
	const link = radios('Connected through', 'link', [
		{ value: 'bus', label: 'A bus of this box' },
		{ value: 'gateway', label: 'A Modbus TCP gateway' },
		{ value: 'virtual', label: 'Nothing: a virtual meter computed from other devices' },
	], cfg.virtual ? 'virtual' : overGateway ? 'gateway' : 'bus');
	if (row)
		for (const r of link.querySelectorAll('input'))
			r.disabled = r.disabled || (r.value === 'virtual') !== Boolean(cfg.virtual);
	link.querySelector('input[value=gateway]').disabled = !gateways.length && !cfg.gateway;
	const bus = select({ name: 'bus' }, buses.map((b) => b.name));
	bus.value = cfg.bus ?? prefill.bus ?? (buses.length ? buses[0].name : '');
	const gateway = select({ name: 'gateway' }, gateways.map((g) => g.name));
	gateway.value = cfg.gateway ?? (gateways.length ? gateways[0].name : '');
	const busField = field('Bus', bus);
	const gatewayField = field('Gateway', gateway);
	const usesGateway = () => link.querySelector('input:checked').value === 'gateway';
	const isVirtual = () => link.querySelector('input:checked').value === 'virtual';
	const virt = virtualFields(cfg.virtual || {});
	const sync = () => {
		busField.hidden = usesGateway() || isVirtual();
		gatewayField.hidden = !usesGateway();
		for (const f of realFields)
			f.hidden = isVirtual();
		moduleBox.hidden = isVirtual();
		virt.box.hidden = !isVirtual();
	};
	link.addEventListener('change', sync);

	const address = numberInput({ name: 'address', min: 1, max: 247, value: cfg.address ?? prefill.address ?? '' });
	const profileValue = cfg.profile ?? prefill.profile ?? '';
	const profileOptions = models.map((m) => [m.name, m.description ? `${m.name} – ${m.description}` : m.name]);
	if (profileValue && !models.some((m) => m.name === profileValue))
		profileOptions.push([profileValue, `${profileValue} (not installed)`]);
	const profile = select({ name: 'profile' }, [['', 'Choose a profile…'], ...profileOptions]);
	profile.value = profileValue;
	const poll = numberInput({ name: 'poll_ms', min: 100, max: 3600000, value: cfg.poll_ms ?? 1000 });

	const channel = numberInput({ name: 'channel', min: 1, max: 64, value: cfg.channel ?? '' });
	const medium = select({ name: 'medium' }, [['', '—'], ['electricity', 'Electricity (kWh)'],
	    ['water', 'Water (m³)'], ['gas', 'Gas (m³)']]);
	medium.value = cfg.medium ?? '';
	const weight = input({ name: 'weight', inputmode: 'decimal', value: cfg.weight ?? '' });
	const offset = input({ name: 'offset', inputmode: 'decimal', value: cfg.offset ?? '' });
	const moduleBox = h('details', { class: 'more', open: MODULE_KEYS.some((k) => k in cfg) },
	    h('summary', null, 'Pulse counter and output settings'),
	    h('div', { class: 'form-grid' },
		field('Channel', channel, 'Input or output number on a multi-channel module'),
		field('Medium', medium, 'What a pulse counter counts'),
		field('Pulses per unit', weight, 'Pulses per kWh or per m³'),
		field('Index at zero pulses', offset, 'The meter reading when the counter was 0')));
	const realFields = [field('Modbus address', address, '1 to 247, as set on the device'),
	    field('Profile', profile, 'The register map of the model'),
	    field('Poll interval (ms)', poll, '100 ms to 1 hour')];
	sync();

	return {
		nodes: [h('div', { class: 'form-grid' },
		    field('ID', id, row ? 'The ID cannot change: it names the history files' : 'a–z, 0–9, _ and -; used in addresses and files'),
		    field('Name', name, 'Shown in the pages, e.g. “Kitchen sub-meter”'),
		    link, busField, gatewayField, ...realFields),
		    virt.box, moduleBox],
		read(c) {
			const body = { ...cfg };
			body.id = c.text(id, { pattern: NAME_PATTERN, message: NAME_RULE });
			body.name = c.text(name);
			if (isVirtual()) {
				for (const k of ['bus', 'gateway', 'address', 'profile', 'poll_ms', ...MODULE_KEYS])
					delete body[k];
				body.virtual = virt.read(c);
				return body;
			}
			delete body.virtual;
			delete body.bus;
			delete body.gateway;
			if (usesGateway()) {
				body.gateway = gateway.value;
				if (!gateway.value)
					c.fail(gateway, 'Add a gateway first.');
			} else {
				body.bus = bus.value;
				if (!bus.value)
					c.fail(bus, 'Add a bus first.');
			}
			body.address = c.int(address, 1, 247);
			body.profile = profile.value;
			if (!profile.value)
				c.fail(profile, 'Choose a profile.');
			body.poll_ms = c.int(poll, 100, 3600000);
			const optional = (key, value) => {
				if (value === undefined || value === '')
					delete body[key];
				else
					body[key] = value;
			};
			optional('channel', c.int(channel, 1, 64, { optional: true }));
			optional('medium', medium.value);
			optional('weight', c.number(weight, { optional: true, positive: true }));
			optional('offset', c.number(offset, { optional: true }));
			return body;
		},
	};
}

const OPS = [['difference', 'Difference: the first minus the others (e.g. unmetered = incomer − sub-meters)'],
	['sum', 'Sum of the devices'], ['scale', 'Scale: one device times a factor']];
const ID_LIST = /^[a-z0-9_-]{1,32}(\s*,\s*[a-z0-9_-]{1,32})*$/;

// A virtual meter's formula: the operation, its devices in order, the
// factor of a scale, and optionally the metrics it computes.
function virtualFields(v) {
	const op = select({ name: 'op' }, OPS);
	op.value = v.op ?? 'difference';
	const of = input({ name: 'of', spellcheck: 'false', autocomplete: 'off', value: (v.of || []).join(', ') });
	const factor = input({ name: 'factor', inputmode: 'decimal', value: v.factor ?? '' });
	const metrics = input({ name: 'metrics', spellcheck: 'false', autocomplete: 'off',
	    value: (v.metrics || []).join(', ') });
	const factorField = field('Factor', factor, 'e.g. 0.001 for kW from W');
	const syncOp = () => { factorField.hidden = op.value !== 'scale'; };
	op.addEventListener('change', syncOp);
	syncOp();
	const box = h('div', { class: 'form-grid' },
	    field('Operation', op),
	    field('Devices', of, 'Their IDs, separated by commas, in order: the first is the one the others are taken from'),
	    factorField,
	    field('Metrics (optional)', metrics, 'Empty: every metric all of them have that adds up (power, energy, current)'));
	return {
		box,
		read(c) {
			const list = (control) => control.value.split(',').map((s) => s.trim()).filter(Boolean);
			const out = { op: op.value };
			c.text(of, { pattern: ID_LIST, message: 'Give device IDs separated by commas.' });
			out.of = list(of);
			if (op.value === 'scale')
				out.factor = c.number(factor);
			if (list(metrics).length)
				out.metrics = list(metrics);
			return out;
		},
	};
}
