/*
 * report.js - draws antifrag's HTML report from the JSON in #data: the
 * summary table, the memory maps (one cell per pageblock, 512 to a row, a
 * click zooms to the pages of 64 blocks around it) and the time series
 * (Chart.js, inlined before this script).  Each run (a compare's variant)
 * is one column; the maps of every column show the same moment.  When done,
 * #selftest holds {"errors": [...], "canvases": [{id, x, y, w, h, painted}]}
 * for the test that opens the report in a headless browser.
 */
"use strict";
var AF_ERRORS = [];
window.addEventListener("error", function (e) { AF_ERRORS.push(String(e.message)); });

var MT_COLOURS = [];
var ZONE_NONE = 4;

function b64(s) {
	var bin = atob(s || ""), out = new Uint8Array(bin.length);
	for (var i = 0; i < bin.length; i++)
		out[i] = bin.charCodeAt(i);
	return out;
}

function rgb(hex) {
	return [parseInt(hex.substr(1, 2), 16), parseInt(hex.substr(3, 2), 16), parseInt(hex.substr(5, 2), 16)];
}

/* a block's colour: its migratetype's, lighter the more of it is free */
function blockColour(mt, free) {
	var c = rgb(MT_COLOURS[mt] || "#000000"), f = 0.8 * free / 255;
	return "rgb(" + c.map(function (v) { return Math.round(v + (255 - v) * f); }).join(",") + ")";
}

/* the page classes' run-length encoding: class byte, then the run's length as LEB128 */
function pagesOf(map, maxPfn) {
	if (map.pageArray)
		return map.pageArray;
	var rle = b64(map.pages), out = new Uint8Array(maxPfn), pos = 0, i = 0;
	while (i < rle.length && pos < maxPfn) {
		var cls = rle[i++], len = 0, shift = 0, byte;
		do {
			byte = rle[i++];
			len += (byte & 127) * Math.pow(2, shift);
			shift += 7;
		} while (byte & 128);
		out.fill(cls, pos, Math.min(maxPfn, pos + len));
		pos += len;
	}
	map.pageArray = out;
	return out;
}

function el(tag, attrs, text) {
	var e = document.createElement(tag);
	for (var k in attrs || {})
		e.setAttribute(k, attrs[k]);
	if (text !== undefined)
		e.textContent = text;
	return e;
}

function drawTable(D) {
	var t = D.table;
	if (!t)
		return;
	var table = el("table", { "class": "summary" }), tr = el("tr");
	t.columns.forEach(function (c) { tr.appendChild(el("th", {}, c)); });
	table.appendChild(tr);
	t.rows.forEach(function (r) {
		var row = el("tr");
		r.forEach(function (v, i) { row.appendChild(el(i ? "td" : "th", {}, v)); });
		table.appendChild(row);
	});
	document.getElementById("summary").appendChild(table);
}

function cellWidth(D) {
	return D.runs.length > 1 ? 1 : 2;
}

function drawMap(D, run, canvas, mapIdx) {
	var map = run.maps[mapIdx], blocks = b64(map.blocks), n = run.nr_pageblocks;
	var cw = cellWidth(D), left = 48, rows = Math.ceil(n / 512);
	var rh = Math.max(10, Math.min(40, Math.floor(320 / rows)));
	canvas.width = left + 512 * cw;
	canvas.height = rows * rh;
	var g = canvas.getContext("2d");
	g.fillStyle = "#ffffff";
	g.fillRect(0, 0, canvas.width, canvas.height);
	g.font = "9px sans-serif";
	g.fillStyle = "#333";
	for (var r = 0; r < rows; r++)
		g.fillText(r + " GiB", 2, r * rh + Math.min(rh - 2, 9));
	for (var b = 0; b < n; b++) {
		var info = blocks[2 * b], free = blocks[2 * b + 1];
		var mt = info & 7, mixed = info & 8, online = info & 16;
		var x = left + (b % 512) * cw, y = Math.floor(b / 512) * rh;
		g.fillStyle = online ? blockColour(mt, free) : "#e8e8e8";
		g.fillRect(x, y, cw, rh - 2);
		if (mixed) {
			g.fillStyle = "#000000";
			g.fillRect(x, y + rh - 2 - Math.floor(rh / 5), cw, 2 + Math.floor(rh / 5));
		}
	}
	canvas.onclick = function (ev) {
		var rect = canvas.getBoundingClientRect();
		var bx = Math.floor((ev.clientX - rect.left - left) / cw), by = Math.floor((ev.clientY - rect.top) / rh);
		if (bx < 0 || bx >= 512)
			return;
		D.zoomBlock = Math.floor((by * 512 + bx) / 64) * 64;
		redrawZooms(D);
	};
}

function drawZoom(D, run, canvas, mapIdx) {
	var map = run.maps[mapIdx], first = D.zoomBlock || 0, cw = cellWidth(D), rh = 6;
	var label = canvas.previousSibling;
	canvas.width = 512 * cw;
	canvas.height = 64 * rh;
	var g = canvas.getContext("2d");
	g.fillStyle = "#ffffff";
	g.fillRect(0, 0, canvas.width, canvas.height);
	if (!map.pages) {
		label.textContent = "pages: not kept for this map (" + (map.pages_note || "") + ")";
		return;
	}
	var pages = pagesOf(map, run.max_pfn);
	label.textContent = "pages of pageblocks " + first + "-" + (first + 63) + " (pfn 0x" +
		(first * 512).toString(16) + "-0x" + ((first + 64) * 512 - 1).toString(16) + "), one block a row";
	for (var i = 0; i < 64 * 512; i++) {
		var pfn = first * 512 + i;
		if (pfn >= run.max_pfn)
			break;
		g.fillStyle = D.classes[pages[pfn]].colour;
		g.fillRect((i % 512) * cw, Math.floor(i / 512) * rh, cw, rh - 1);
	}
}

/* the map of a run that shows the moment the first run's selected map shows */
function mapIndex(D, run) {
	var want = D.runs[0].maps[D.mapIdx].label;
	for (var i = 0; i < run.maps.length; i++)
		if (run.maps[i].label === want)
			return i;
	return Math.min(D.mapIdx, run.maps.length - 1);
}

function redrawMaps(D) {
	D.runs.forEach(function (run, k) {
		var i = mapIndex(D, run);
		drawMap(D, run, document.getElementById("map" + k), i);
		document.getElementById("maplabel" + k).textContent = run.maps[i].title;
	});
	redrawZooms(D);
}

function redrawZooms(D) {
	D.runs.forEach(function (run, k) {
		drawZoom(D, run, document.getElementById("zoom" + k), mapIndex(D, run));
	});
}

function legend(D) {
	var div = document.getElementById("legend");
	D.migratetypes.forEach(function (n, i) {
		var s = el("span", { "class": "key" });
		s.appendChild(el("i", { style: "background:" + MT_COLOURS[i] }));
		s.appendChild(document.createTextNode(n));
		div.appendChild(s);
	});
	div.appendChild(el("span", { "class": "key" }, "lighter: more of the block free; black underline: mixed block; grey: no memory"));
	var pd = document.getElementById("pagelegend");
	D.classes.forEach(function (c) {
		var s = el("span", { "class": "key" });
		s.appendChild(el("i", { style: "background:" + c.colour }));
		s.appendChild(document.createTextNode(c.name));
		pd.appendChild(s);
	});
}

function chartFor(D, run, spec, canvas, ymax) {
	var s = run.samples, x = s.clock_ms.map(function (v) { return v / 1000; });
	var datasets = spec.series.map(function (ser) {
		return {
			label: ser.label, data: s[ser.key].map(function (v, i) { return { x: x[i], y: v }; }),
			borderColor: ser.colour, backgroundColor: ser.colour + (spec.stacked ? "cc" : "33"),
			fill: spec.stacked ? "stack" : false, pointRadius: 0, borderWidth: 1.5, stepped: false
		};
	});
	return new Chart(canvas.getContext("2d"), {
		type: "line",
		data: { datasets: datasets },
		options: {
			animation: false, responsive: false, parsing: true,
			plugins: { title: { display: true, text: spec.title }, legend: { labels: { boxWidth: 12 } } },
			scales: {
				x: { type: "linear", title: { display: true, text: "virtual time (s)" } },
				y: { stacked: !!spec.stacked, min: 0, max: ymax, title: { display: true, text: spec.unit } }
			}
		}
	});
}

function build(D) {
	MT_COLOURS = D.mt_colours;
	drawTable(D);
	if (!D.runs.length) {
		/* a merge's report: the table only (results carry no maps or series) */
		document.querySelectorAll(".runpart").forEach(function (e) { e.style.display = "none"; });
		return;
	}
	legend(D);
	var sel = document.getElementById("mapsel");
	D.runs[0].maps.forEach(function (mp, i) {
		var b = el("button", { type: "button", id: "mapbtn" + i }, mp.label);
		b.onclick = function () {
			D.mapIdx = i;
			document.querySelectorAll("#mapsel button").forEach(function (x) { x.className = ""; });
			b.className = "on";
			redrawMaps(D);
		};
		sel.appendChild(b);
	});
	D.mapIdx = D.runs[0].maps.length - 1;
	document.getElementById("mapbtn" + D.mapIdx).className = "on";
	/* the zoom starts at the first group of 64 blocks holding a mixed block */
	D.zoomBlock = 0;
	var b0 = b64(D.runs[0].maps[D.mapIdx].blocks);
	for (var b = 0; b < D.runs[0].nr_pageblocks; b++)
		if (b0[2 * b] & 8) {
			D.zoomBlock = Math.floor(b / 64) * 64;
			break;
		}
	var grid = document.getElementById("runs");
	grid.style.gridTemplateColumns = "repeat(" + D.runs.length + ", max-content)";
	D.runs.forEach(function (run, k) {
		var col = el("div", { "class": "run" });
		col.appendChild(el("h3", {}, run.label));
		col.appendChild(el("div", { "class": "maplabel", id: "maplabel" + k }));
		col.appendChild(el("canvas", { id: "map" + k, "class": "map" }));
		col.appendChild(el("div", { "class": "maplabel" }));
		col.appendChild(el("canvas", { id: "zoom" + k, "class": "zoom" }));
		grid.appendChild(col);
	});
	redrawMaps(D);
	var charts = document.getElementById("charts");
	charts.style.gridTemplateColumns = "repeat(" + (D.runs.length > 1 ? D.runs.length : 2) + ", max-content)";
	D.charts.forEach(function (spec, c) {
		/* the scale, the same for every run, is the one --figures draws with */
		D.runs.forEach(function (run, k) {
			var cv = el("canvas", { id: "chart" + c + "_" + k, width: 560, height: 300 });
			var cell = el("div", { "class": "chart" });
			cell.appendChild(cv);
			charts.appendChild(cell);
			chartFor(D, run, spec, cv, spec.ymax);
		});
	});
}

/* how much of each canvas is drawn: pixels that are not the background */
function selftest() {
	var out = { errors: AF_ERRORS, canvases: [] };
	document.querySelectorAll("canvas").forEach(function (cv) {
		var g = cv.getContext("2d"), d = g.getImageData(0, 0, cv.width, cv.height).data, painted = 0;
		for (var i = 0; i < d.length; i += 4)
			if (d[i + 3] && (d[i] < 250 || d[i + 1] < 250 || d[i + 2] < 250))
				painted++;
		var r = cv.getBoundingClientRect();
		out.canvases.push({ id: cv.id, x: Math.round(r.left + window.scrollX), y: Math.round(r.top + window.scrollY),
				    w: Math.round(r.width), h: Math.round(r.height), painted: painted });
	});
	document.getElementById("selftest").textContent = JSON.stringify(out);
}

try {
	build(JSON.parse(document.getElementById("data").textContent));
} catch (e) {
	AF_ERRORS.push(String(e && e.stack || e));
}
selftest();
