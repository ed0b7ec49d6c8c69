// The alarm rules, for installers: add, edit, remove.  Saved into mews.conf
// and applied at once, like devices; a rule keeps its state across an edit
// as long as its device and kind stay the same.

import { h } from '../dom.js';
import { api } from '../api.js';
import { checkbox, field, input, numberInput, select } from '../forms.js';
import { mountCrud } from '../crud.js';
import { NAME_PATTERN, NAME_RULE } from '../names.js';
import { condition, statusBadge } from '../alarm-text.js';

const KINDS = [
	['above', 'A value above a threshold'],
	['below', 'A value below a threshold'],
	['offline', 'The device stops answering'],
	['tripped', 'The breaker trips'],
	['budget', 'Consumption over a budget in a period'],
];

export const alarmRulesView = {
	title: 'Alarm rules',
	right: 'configure',
	render(root, ctx) {
		const crud = mountCrud(root, ctx, {
			title: 'Alarm rules',
			noun: 'alarm rule',
			path: 'alarms',
			key: (a) => a.id,
			intro: 'Each rule watches one device. An alarm is raised when its condition has held for the delay, ' +
			    'and cleared when it has been back past the threshold by the hysteresis for the delay too. ' +
			    'Rules with e-mail on are mailed to mail.alarm_to (set in mews.conf).',
			empty: 'No alarm rules yet.',
			load: async () => (await api.get('alarms')).alarms,
			columns: [
				{ label: 'Alarm', cell: (a) => a.name },
				{ label: 'Device', cell: (a) => a.device },
				{ label: 'Condition', cell: condition },
				{ label: 'Delay', num: true, cell: (a) => `${a.delay_s} s` },
				{ label: 'Severity', cell: (a) => a.severity },
				{ label: 'E-mail', cell: (a) => a.notify ? 'yes' : 'no' },
				{ label: 'State', cell: (a) => statusBadge(a.status) },
			],
			deleteText: (a) => `Alarm ${a.name} is no longer watched; the event log keeps its history.`,
			form: ruleForm,
		});
		crud.load();
	},
};

async function ruleForm(row) {
	const devices = await api.get('devices');
	const a = row || { kind: 'above', delay_s: 0, hysteresis: 0, severity: 'warning', period: 'day' };
	const id = input({ name: 'id', maxlength: 32, autocomplete: 'off', spellcheck: 'false',
	    value: a.id ?? '', readonly: Boolean(row) });
	// The API gives the id as the name of a rule that has none.
	const name = input({ name: 'name', maxlength: 64, autocomplete: 'off',
	    value: row && a.name !== a.id ? a.name : '' });
	const device = select({ name: 'device', value: a.device ?? devices[0]?.id },
	    devices.map((d) => [d.id, `${d.id} (${d.name})`]));
	const kind = select({ name: 'kind', value: a.kind }, KINDS);
	const metric = input({ name: 'metric', spellcheck: 'false', autocomplete: 'off', value: a.metric ?? '' });
	const threshold = h('input', { type: 'number', step: 'any', name: 'threshold',
	    'data-field': 'above', value: a.threshold ?? '' });
	const hysteresis = h('input', { type: 'number', step: 'any', min: 0, name: 'hysteresis',
	    value: a.hysteresis ?? 0 });
	const delay = numberInput({ name: 'delay_s', min: 0, max: 86400, value: a.delay_s });
	const severity = select({ name: 'severity', value: a.severity }, ['info', 'warning', 'critical']);
	const period = select({ name: 'period', value: a.period ?? 'day' }, ['day', 'week', 'month']);
	const notify = checkbox('Send it by e-mail, raised and cleared', { name: 'notify', checked: Boolean(a.notify) });
	const valueFields = [field('Metric', metric, 'e.g. voltage_l1, power, energy_import (a total, for a budget)'),
	    field('Threshold', threshold, 'in the metric’s unit; for a budget, the most a period may use'),
	    field('Hysteresis', hysteresis, 'how far back past the threshold before it clears')];
	const periodField = field('Period', period, 'a local day, a week from Monday, a calendar month');
	function showFor() {
		const k = kind.value;
		const valued = k === 'above' || k === 'below' || k === 'budget';
		for (const f of valueFields)
			f.hidden = !valued;
		periodField.hidden = k !== 'budget';
	}
	kind.addEventListener('change', showFor);
	showFor();
	return {
		nodes: [h('div', { class: 'form-grid' },
		    field('Id', id, row ? 'The id cannot change' : 'a–z, 0–9, _ and -, e.g. overvoltage'),
		    field('Name', name, 'what people call it, e.g. Main incomer overvoltage (optional)'),
		    field('Device', device),
		    field('Watch for', kind),
		    valueFields, periodField,
		    field('Delay (s)', delay, 'how long the condition must hold, both ways'),
		    field('Severity', severity)), notify],
		read(c) {
			const k = kind.value;
			const body = { device: device.value, delay_s: c.int(delay, 0, 86400),
			    severity: severity.value, notify: notify.querySelector('input').checked,
			    name: name.value.trim() || null };
			if (!row)
				body.id = c.text(id, { pattern: NAME_PATTERN, message: NAME_RULE });
			for (const [name] of KINDS)
				body[name] = null;
			body.metric = null;
			body.hysteresis = null;
			body.period = null;
			if (k === 'offline' || k === 'tripped') {
				body[k] = true;
				return body;
			}
			body.metric = c.text(metric, { pattern: /^[a-z0-9_]+$/, message: 'Give a metric name, e.g. voltage_l1.' });
			body[k] = c.number(threshold);
			body.hysteresis = c.number(hysteresis, { optional: true }) ?? 0;
			if (k === 'budget')
				body.period = period.value;
			return body;
		},
	};
}
