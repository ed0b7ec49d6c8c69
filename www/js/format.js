// Numbers, units, times and names as an electrician reads them.

const DECIMALS = {
	V: 1, A: 2, W: 0, kW: 2, VA: 0, var: 0, kWh: 3, kvarh: 3, Hz: 2,
	'%': 1, m3: 3,
};
const UNITS = { m3: 'm³' };

const QUALITY = {
	ok: 'OK', stale: 'Stale', na: 'Not available', none: 'No reading yet',
	suspect: 'Suspect: last good value shown',
};

const LABELS = {
	power: 'Active power', power_apparent: 'Apparent power',
	power_reactive: 'Reactive power', power_factor: 'Power factor',
	frequency: 'Frequency', energy_import: 'Energy imported',
	energy_export: 'Energy exported',
	energy_reactive_import: 'Reactive energy imported',
	energy_reactive_export: 'Reactive energy exported',
	water_volume: 'Water volume', gas_volume: 'Gas volume',
	state: 'State', trips: 'Trips',
	requests: 'Requests', replies: 'Replies', exceptions: 'Exceptions',
	timeouts: 'Timeouts', crc_errors: 'CRC errors', cycles: 'Poll cycles',
	total_glitches: 'Total glitches (not counted)',
	total_resets: 'Total resets taken',
	foreign: 'Frames answering no request', garbage: 'Garbage bytes',
	late_replies: 'Late replies discarded',
	expired: 'Expired in the queue', bytes_in: 'Bytes received',
	bytes_out: 'Bytes sent', port_lost: 'Port lost',
	http_requests: 'HTTP requests', clients: 'Clients', responses: 'Responses',
};

const PHASE_WORDS = { voltage: 'Voltage', current: 'Current', power: 'Power',
	thd_voltage: 'THD voltage', thd_current: 'THD current' };

const formats = new Map();

export function formatNumber(v, decimals) {
	const key = decimals ?? 'auto';
	if (!formats.has(key))
		formats.set(key, new Intl.NumberFormat(undefined, decimals === undefined ?
		    { maximumFractionDigits: 3 } :
		    { minimumFractionDigits: decimals, maximumFractionDigits: decimals }));
	return formats.get(key).format(v);
}

export function formatInt(v) {
	return typeof v === 'number' ? formatNumber(v, 0) : '—';
}

export function unitLabel(unit) {
	return UNITS[unit] ?? unit ?? '';
}

// Where a device's values come from: its line and address, or a virtual
// meter's formula of other devices.
export function deviceVia(dev) {
	if (dev.virtual)
		return `virtual meter: ${dev.virtual.formula}`;
	const via = dev.gateway ? `gateway ${dev.gateway}` : `bus ${dev.bus}`;
	return `${via} · address ${dev.address} · profile ${dev.profile}`;
}

// reading: {value, unit, quality}; the text the dashboard and tables show.
// states: the device's names of its `state` values (the API's
// dev.states, [{name, tone}], from its module), when it has some.
export function formatReading(metric, reading, states) {
	if (!reading || reading.quality === 'none' || reading.value === null ||
	    reading.value === undefined)
		return '—';
	if (reading.quality === 'na')
		return 'n/a';
	const v = reading.value;
	if (typeof v !== 'number')
		return String(v);
	if (metric === 'state' && states && states[v])
		return states[v].name;
	if (metric === 'state' || metric === 'trips')
		return formatNumber(v, 0);
	if (metric === 'power_factor')
		return formatNumber(v, 3);
	return formatNumber(v, DECIMALS[reading.unit]);
}

// A reading and its unit, as the cards show them: none for a state or
// for no value.
export function readingText(metric, reading, states) {
	const text = formatReading(metric, reading, states);
	const unit = unitLabel(reading && reading.unit);
	return unit && metric !== 'state' && typeof reading.value === 'number' &&
	    !['none', 'na'].includes(reading.quality) ? `${text} ${unit}` : text;
}

export function qualityLabel(q) {
	return QUALITY[q] ?? q ?? '';
}

export function metricLabel(metric) {
	if (LABELS[metric])
		return LABELS[metric];
	const m = /^(.*)_l([123])([123])?$/.exec(metric);
	if (m && PHASE_WORDS[m[1]])
		return `${PHASE_WORDS[m[1]]} L${m[2]}${m[3] ? '–L' + m[3] : ''}`;
	if (metric === 'current_n')
		return 'Current N';
	const words = metric.replace(/_/g, ' ');
	return words.charAt(0).toUpperCase() + words.slice(1);
}

export function formatTime(ts) {
	if (!ts)
		return '—';
	const d = new Date(ts * 1000);
	const time = d.toLocaleTimeString(undefined,
	    { hour: '2-digit', minute: '2-digit', second: '2-digit' });
	if (d.toDateString() === new Date().toDateString())
		return time;
	return d.toLocaleDateString() + ' ' + time;
}

export function formatDate(ts) {
	return ts ? new Date(ts * 1000).toLocaleDateString(undefined,
	    { year: 'numeric', month: 'long', day: 'numeric' }) : '—';
}

export function formatDuration(s) {
	if (typeof s !== 'number')
		return '—';
	const d = Math.floor(s / 86400), hr = Math.floor(s % 86400 / 3600);
	const min = Math.floor(s % 3600 / 60), sec = Math.floor(s % 60);
	if (d)
		return `${d} d ${hr} h`;
	if (hr)
		return `${hr} h ${min} min`;
	if (min)
		return `${min} min ${sec} s`;
	return `${sec} s`;
}
