// Repeat fn every ms, never two at once, and not while the tab is hidden: a
// dashboard left open in a background tab must not keep the bus web server busy.

export function poll(fn, ms) {
	let timer = null;
	let running = false;
	let stopped = false;

	async function tick() {
		timer = null;
		if (stopped || document.hidden)
			return;
		running = true;
		try {
			await fn();
		} catch (e) {
			console.error(e);	// fn shows its own errors; keep polling
		}
		running = false;
		if (!stopped && !document.hidden)
			timer = setTimeout(tick, ms);
	}
	function onVisibility() {
		if (!document.hidden && timer === null && !running && !stopped)
			tick();
	}
	document.addEventListener('visibilitychange', onVisibility);
	tick();
	return function stop() {
		stopped = true;
		clearTimeout(timer);
		document.removeEventListener('visibilitychange', onVisibility);
	};
}
