// A serial line's settings in words.

export function frameText(bus) {
	const parity = { none: 'N', even: 'E', odd: 'O' }[bus.parity] || '?';
	return `${bus.baud} baud, 8${parity}${bus.stop_bits}`;
}
