// flame.js - the canvas flamegraph: draws a flat tree (profile-api.js
// flatten()) as an icicle (root on top) or a flame graph (root at the
// bottom), zoomed on one node.
//
// Fast at 100,000 nodes: a redraw walks only the zoomed subtree and skips
// every subtree narrower than one pixel; the skipped ones next to each
// other on a row are merged into one grey bar once they add up to a
// pixel.  Frame names are drawn with fillText, so they are never HTML.
//
// Keyboard (the canvas is focusable): arrows move a cursor (left/right =
// siblings, up/down = parent/child as drawn), Enter zooms on it, Escape
// zooms out one level, Home goes back to the zoomed frame.

const MERGED = '#c9ced4';
const TEXT = '#1d2329';

export class FlameGraph {
	// opts: {rowHeight, onZoom(i), onHover(i, clientX, clientY) (i = -1
	// when leaving), onCursor(i), colour(i) -> CSS colour}
	constructor(canvas, opts = {}) {
		this.canvas = canvas;
		this.ctx = canvas.getContext('2d');
		this.rowH = opts.rowHeight || 18;
		this.opts = opts;
		this.t = null;
		this.zoom = 0;
		this.cursor = -1;
		this.flame = false;
		this.width = 0;
		this.hits = [];
		this.charW = 6.2;
		this.stats = { drawn: 0, merged: 0, ms: 0 };

		canvas.addEventListener('mousemove', (e) => this.onMove(e));
		canvas.addEventListener('mouseleave', () => opts.onHover && opts.onHover(-1));
		canvas.addEventListener('click', (e) => {
			const i = this.hitAt(e.offsetX, e.offsetY);
			if (i >= 0) {
				this.cursor = i;
				opts.onZoom && opts.onZoom(i);
			}
		});
		canvas.addEventListener('keydown', (e) => this.onKey(e));
		if (window.ResizeObserver) {
			this.ro = new ResizeObserver(() => {
				if (this.t && this.canvas.parentElement.clientWidth !== this.width)
					this.draw();
			});
			this.ro.observe(canvas.parentElement);
		}
	}

	setData(t) {
		this.t = t;
		this.zoom = 0;
		this.cursor = -1;
	}

	setOrientation(flame) {
		this.flame = !!flame;
		this.canvas.dataset.orient = this.flame ? 'flame' : 'icicle';
	}

	zoomTo(i) {
		if (!this.t || i < 0 || i >= this.t.n)
			i = 0;
		this.zoom = i;
		if (this.cursor >= 0 && !this.visible(this.cursor))
			this.cursor = i;
	}

	// visible(i): inside the zoomed subtree or one of its ancestors.
	visible(i) {
		const t = this.t;
		if (i >= this.zoom && i < t.end[this.zoom])
			return true;
		for (let a = t.parent[this.zoom]; a >= 0; a = t.parent[a]) {
			if (a === i)
				return true;
		}
		return false;
	}

	rowY(d) {
		const rows = this.t.maxDepth + 1;
		return (this.flame ? rows - 1 - d : d) * this.rowH;
	}

	// draw(): size the canvas to its box and paint the zoomed view.
	draw() {
		const t0 = performance.now();
		const t = this.t;
		const c = this.canvas;
		const dpr = window.devicePixelRatio || 1;
		const W = Math.max(1, c.parentElement.clientWidth);
		const H = t ? (t.maxDepth + 1) * this.rowH : this.rowH;

		this.width = W;
		if (c.width !== Math.round(W * dpr) || c.height !== Math.round(H * dpr)) {
			c.width = Math.round(W * dpr);
			c.height = Math.round(H * dpr);
			c.style.width = `${W}px`;
			c.style.height = `${H}px`;
		}
		const ctx = this.ctx;
		ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
		ctx.clearRect(0, 0, W, H);
		ctx.font = '11px system-ui, sans-serif';
		ctx.textBaseline = 'middle';
		this.charW = ctx.measureText('abcdefghijklmnopqrstuvwxyz_ABCDEFGH/.:0123').width / 42;
		this.hits = [];
		this.stats.drawn = 0;
		this.stats.merged = 0;
		if (!t || !t.n || !(t.w[0] > 0))
			return;

		const z = this.zoom;
		const x0 = t.x[z], k = W / (t.w[z] || 1);
		const colour = this.opts.colour || (() => '#e0a96d');
		const ms = new Float64Array(t.maxDepth + 1).fill(-1);
		const me = new Float64Array(t.maxDepth + 1);
		const flush = (d) => {
			if (ms[d] >= 0 && me[d] - ms[d] >= 1) {
				ctx.fillStyle = MERGED;
				ctx.fillRect(ms[d], this.rowY(d), me[d] - ms[d], this.rowH - 1);
				this.stats.merged++;
			}
			ms[d] = -1;
		};

		for (let a = t.parent[z]; a >= 0; a = t.parent[a])
			this.rect(a, 0, W, colour(a));
		let i = z;
		const stop = t.end[z];
		while (i < stop) {
			const w = t.w[i] * k;
			if (w < 1) {
				const d = t.depth[i], px = (t.x[i] - x0) * k;
				if (ms[d] >= 0 && px <= me[d] + 0.5) {
					me[d] = px + w;
				} else {
					flush(d);
					ms[d] = px;
					me[d] = px + w;
				}
				i = t.end[i];
				continue;
			}
			this.rect(i, (t.x[i] - x0) * k, w, colour(i));
			i++;
		}
		for (let d = 0; d <= t.maxDepth; d++)
			flush(d);
		if (this.cursor >= 0 && this.visible(this.cursor)) {
			const r = this.rectOf(this.cursor);
			if (r) {
				ctx.lineWidth = 2;
				ctx.strokeStyle = '#111';
				ctx.strokeRect(r.x + 1, r.y + 1, Math.max(2, r.w - 2), this.rowH - 3);
			}
		}
		this.stats.ms = performance.now() - t0;
	}

	rect(i, px, pw, fill) {
		const t = this.t, ctx = this.ctx, d = t.depth[i], y = this.rowY(d);

		ctx.fillStyle = fill;
		ctx.fillRect(px, y, pw > 3 ? pw - 1 : pw, this.rowH - 1);
		(this.hits[d] || (this.hits[d] = [])).push(px, pw, i);
		this.stats.drawn++;
		if (pw < 24)
			return;
		const max = Math.floor((pw - 8) / this.charW);
		if (max < 2)
			return;
		let s = t.label[i];
		if (s.length > max)
			s = s.slice(0, max - 1) + '…';
		ctx.fillStyle = TEXT;
		ctx.fillText(s, px + 4, y + this.rowH / 2);
	}

	// rectOf(i): {x, y, w} of a drawn node, or null.
	rectOf(i) {
		const d = this.t.depth[i], row = this.hits[d] || [];

		for (let k = 0; k < row.length; k += 3) {
			if (row[k + 2] === i)
				return { x: row[k], y: this.rowY(d), w: row[k + 1] };
		}
		return null;
	}

	// hitAt(x, y): the node drawn at canvas CSS pixel (x, y), or -1.
	hitAt(x, y) {
		if (!this.t)
			return -1;
		const r = Math.floor(y / this.rowH);
		const d = this.flame ? this.t.maxDepth - r : r;
		const row = this.hits[d] || [];
		for (let k = 0; k < row.length; k += 3) {
			if (x >= row[k] && x < row[k] + row[k + 1])
				return row[k + 2];
		}
		return -1;
	}

	onMove(e) {
		const i = this.hitAt(e.offsetX, e.offsetY);
		this.canvas.style.cursor = i >= 0 ? 'pointer' : 'default';
		if (this.opts.onHover)
			this.opts.onHover(i, e.clientX, e.clientY);
	}

	onKey(e) {
		const t = this.t;
		if (!t || !t.n)
			return;
		let c = this.cursor >= 0 ? this.cursor : this.zoom;
		const up = this.flame ? 'ArrowDown' : 'ArrowUp';
		const down = this.flame ? 'ArrowUp' : 'ArrowDown';
		const inside = (j) => j >= 0 && j < t.n && this.visible(j);

		switch (e.key) {
		case up:
			if (t.parent[c] >= 0)
				c = t.parent[c];
			break;
		case down:
			if (c + 1 < t.end[c])
				c = this.widestChild(c);
			break;
		case 'ArrowLeft':
			if (inside(t.prev[c]) && c !== this.zoom)
				c = t.prev[c];
			break;
		case 'ArrowRight': {
			const p = t.parent[c];
			if (p >= 0 && t.end[c] < t.end[p] && c !== this.zoom)
				c = t.end[c];
			break;
		}
		case 'Enter':
		case ' ':
			e.preventDefault();
			this.opts.onZoom && this.opts.onZoom(c);
			return;
		case 'Escape':
			if (this.zoom !== 0)
				this.opts.onZoom && this.opts.onZoom(t.parent[this.zoom]);
			return;
		case 'Home':
			c = this.zoom;
			break;
		default:
			return;
		}
		e.preventDefault();
		this.cursor = c;
		this.draw();
		if (this.opts.onCursor)
			this.opts.onCursor(c);
	}

	widestChild(i) {
		const t = this.t;
		let best = i + 1;
		for (let c = i + 1; c < t.end[i]; c = t.end[c]) {
			if (t.w[c] > t.w[best])
				best = c;
		}
		return best;
	}
}
