import { pageHead } from '../widgets.js';
import { mountDashboard } from '../cards.js';

export const dashboardView = {
	title: 'Dashboard',
	right: 'read',
	render(root, ctx) {
		root.append(pageHead('Dashboard'));
		mountDashboard(root, ctx);
	},
};
