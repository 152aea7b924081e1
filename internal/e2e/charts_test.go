package e2e

import "github.com/chromedp/chromedp"

// ClippedChartText lists the texts of the page's SVG charts that the
// browser draws partly outside their chart's viewBox, where they are cut
// off: axis labels such as "USD 1,250,000" must fit in the margins.
func (h *harness) ClippedChartText() []string {
	h.t.Helper()
	js := `(() => {
		const out = [];
		for (const svg of document.querySelectorAll('svg[viewBox]')) {
			const vb = svg.viewBox.baseVal;
			for (const t of svg.querySelectorAll('text')) {
				const b = t.getBBox();
				if (b.x < vb.x - 0.5 || b.y < vb.y - 0.5 || b.x + b.width > vb.x + vb.width + 0.5 || b.y + b.height > vb.y + vb.height + 0.5) {
					out.push((svg.id || svg.getAttribute('class')) + ': "' + t.textContent + '" spans x ' +
						b.x.toFixed(1) + ' to ' + (b.x + b.width).toFixed(1) + ' of 0 to ' + vb.width);
				}
			}
		}
		return out;
	})()`
	return get(h, "measure the chart labels", chromedp.Evaluate[[]string](js))
}
