/*
 * figures.c - --figures DIR: the report's maps and charts as PNG and SVG
 * for papers, drawn with cairo (Debian's libcairo2) from the same data and
 * the same chart list as the HTML report.  One drawing function per
 * figure, run once on an image surface and once on an SVG surface.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>
#include <cairo-svg.h>
#include <fontconfig/fontconfig.h>

#include "cli.h"
#include "report.h"

#define FONT "DejaVu Sans"

double report_nice_max(double v)
{
	static const double steps[] = { 1, 2, 2.5, 5, 10 };
	double p;

	if (!(v > 0))
		return 1;
	p = pow(10, floor(log10(v)));
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (steps[i] * p >= v * (1 - 1e-12))
			return steps[i] * p;
	return 10 * p;
}

static double chart_max(const struct report_run *rr, const struct chart_spec *cs)
{
	double m = 0;

	for (size_t i = 0; i < rr->nsamples; i++) {
		double sum = 0;
		for (int k = 0; k < cs->nseries; k++) {
			double v = rr->val[i * RK_N + cs->series[k].key];
			if (cs->stacked)
				sum += v;
			else if (v > sum)
				sum = v;
		}
		if (sum > m)
			m = sum;
	}
	return m;
}

double report_chart_ymax(const struct report *r, int c)
{
	double ymax = 0;

	for (size_t j = 0; j < r->nruns; j++) {
		double v = chart_max(r->runs[j], &report_charts[c]);
		if (v > ymax)
			ymax = v;
	}
	return report_nice_max(ymax);
}

static void colour(cairo_t *cr, const char *hex, double alpha)
{
	unsigned v = (unsigned)strtoul(hex + 1, NULL, 16);

	cairo_set_source_rgba(cr, (v >> 16 & 255) / 255.0, (v >> 8 & 255) / 255.0, (v & 255) / 255.0, alpha);
}

static void text(cairo_t *cr, double x, double y, double size, bool bold, const char *s)
{
	cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, size);
	cairo_move_to(cr, x, y);
	cairo_show_text(cr, s);
}

static double text_width(cairo_t *cr, double size, const char *s)
{
	cairo_text_extents_t e;

	cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, size);
	cairo_text_extents(cr, s, &e);
	return e.x_advance;
}

static void human(char *buf, size_t len, double v)
{
	if (fabs(v) >= 1e6)
		snprintf(buf, len, "%gM", v / 1e6);
	else if (fabs(v) >= 1e4)
		snprintf(buf, len, "%gk", v / 1e3);
	else
		snprintf(buf, len, "%g", v);
}

/* ---- the memory map ---- */
#define MAP_LEFT 52
#define MAP_CW 2
#define MAP_LEGEND 44

static int map_row_height(uint64_t rows)
{
	int rh = rows ? (int)(320 / rows) : 40;
	return rh < 10 ? 10 : rh > 40 ? 40 : rh;
}

static void map_size(const struct report_run *rr, int *w, int *h)
{
	uint64_t rows = (rr->nr_pageblocks + 511) / 512;

	*w = MAP_LEFT + 512 * MAP_CW + 8;
	*h = 24 + (int)rows * map_row_height(rows) + MAP_LEGEND;
}

static void draw_map(cairo_t *cr, const struct report_run *rr, const struct report_map *mp, int w, int h)
{
	uint64_t rows = (rr->nr_pageblocks + 511) / 512;
	int rh = map_row_height(rows), top = 24;
	char title[200];

	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_set_source_rgb(cr, 0.13, 0.13, 0.13);
	snprintf(title, sizeof(title), "%s: %s (virtual %.3f s)", rr->label, mp->label, (double)mp->clock_ns / 1e9);
	text(cr, 4, 16, 12, true, title);
	for (uint64_t r = 0; r < rows; r++) {
		char lab[32];
		snprintf(lab, sizeof(lab), "%llu GiB", (unsigned long long)r);
		cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
		text(cr, 4, top + (double)r * rh + (rh < 12 ? rh - 1 : 10), 9, false, lab);
	}
	for (uint64_t b = 0; b < rr->nr_pageblocks; b++) {
		unsigned info = mp->blocks[2 * b], fr = mp->blocks[2 * b + 1];
		double x = MAP_LEFT + (double)(b % 512) * MAP_CW, y = top + (double)(b / 512) * rh;
		if (info & 16) {
			unsigned v = (unsigned)strtoul(report_mt_colours[info & 7] + 1, NULL, 16);
			double f = 0.8 * fr / 255.0, c[3] = { (v >> 16 & 255) / 255.0, (v >> 8 & 255) / 255.0, (v & 255) / 255.0 };
			cairo_set_source_rgb(cr, c[0] + (1 - c[0]) * f, c[1] + (1 - c[1]) * f, c[2] + (1 - c[2]) * f);
		} else {
			cairo_set_source_rgb(cr, 0.91, 0.91, 0.91);
		}
		cairo_rectangle(cr, x, y, MAP_CW, rh - 2);
		cairo_fill(cr);
		if (info & 8) {
			cairo_set_source_rgb(cr, 0, 0, 0);
			cairo_rectangle(cr, x, y + rh - 2 - rh / 5, MAP_CW, 2 + rh / 5);
			cairo_fill(cr);
		}
	}
	/* the legend */
	double x = 4, y = h - MAP_LEGEND + 14;
	for (int t = 0; t < AF_NR_MIGRATETYPES; t++) {
		const char *n = af_migratetype_name(t);
		colour(cr, report_mt_colours[t], 1);
		cairo_rectangle(cr, x, y - 9, 10, 10);
		cairo_fill(cr);
		cairo_set_source_rgb(cr, 0.13, 0.13, 0.13);
		text(cr, x + 14, y, 11, false, n);
		x += 14 + text_width(cr, 11, n) + 14;
	}
	cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
	text(cr, 4, y + 18, 10, false, "one cell per 2 MiB pageblock, one row per GiB; lighter: more of the block free; "
				      "underlined: mixed; grey: no memory");
	(void)w;
}

/* ---- a chart ---- */
#define CH_W 800
#define CH_H 460

static void draw_chart(cairo_t *cr, const struct report_run *rr, const struct chart_spec *cs, double ymax)
{
	double left = 78, right = CH_W - 20, top = 44, legend_rows = (cs->nseries + 3) / 4;
	double bottom = CH_H - 46 - 18 * legend_rows;
	double xmax = rr->nsamples ? (double)rr->clock[rr->nsamples - 1] / 1e9 : 1;
	char buf[200];

	/* x: whole steps of a nice size up to the end */
	double xstep = report_nice_max(xmax / 5);
	int xticks = (int)ceil(xmax / xstep - 1e-9);
	if (xticks < 1)
		xticks = 1;
	xmax = xstep * xticks;
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_set_source_rgb(cr, 0.13, 0.13, 0.13);
	snprintf(buf, sizeof(buf), "%s: %s", rr->label, cs->title);
	text(cr, left, 22, 14, true, buf);
	/* axes and grid: five steps each */
	cairo_set_line_width(cr, 1);
	for (int i = 0; i <= 5; i++) {
		double y = bottom - (bottom - top) * i / 5;
		cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
		cairo_move_to(cr, left, y);
		cairo_line_to(cr, right, y);
		cairo_stroke(cr);
		cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
		human(buf, sizeof(buf), ymax * i / 5);
		text(cr, left - 8 - text_width(cr, 10, buf), y + 4, 10, false, buf);
	}
	for (int i = 0; i <= xticks; i++) {
		double x = left + (right - left) * i / xticks;
		cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
		cairo_move_to(cr, x, top);
		cairo_line_to(cr, x, bottom);
		cairo_stroke(cr);
		cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
		snprintf(buf, sizeof(buf), "%g", xstep * i);
		text(cr, x - text_width(cr, 10, buf) / 2, bottom + 14, 10, false, buf);
	}
	text(cr, (left + right) / 2 - 40, bottom + 30, 11, false, "virtual time (s)");
	cairo_save(cr);
	cairo_move_to(cr, 16, (top + bottom) / 2 + text_width(cr, 11, cs->unit) / 2);
	cairo_rotate(cr, -M_PI / 2);
	text(cr, 0, 0, 11, false, cs->unit);
	cairo_restore(cr);
	cairo_rectangle(cr, left, top, right - left, bottom - top);
	cairo_clip(cr);
	/* the series: stacked areas from the bottom up, or lines */
	double *base = calloc(rr->nsamples + 1, sizeof(double));
	for (int k = 0; base && k < cs->nseries; k++) {
		const struct chart_series *se = &cs->series[k];
		for (size_t i = 0; i < rr->nsamples; i++) {
			double x = left + (right - left) * ((double)rr->clock[i] / 1e9) / xmax;
			double v = rr->val[i * RK_N + se->key] + (cs->stacked ? base[i] : 0);
			double y = bottom - (bottom - top) * v / ymax;
			if (i)
				cairo_line_to(cr, x, y);
			else
				cairo_move_to(cr, x, y);
		}
		if (cs->stacked && rr->nsamples) {
			cairo_path_t *line = cairo_copy_path(cr);
			for (size_t i = rr->nsamples; i-- > 0;)
				cairo_line_to(cr, left + (right - left) * ((double)rr->clock[i] / 1e9) / xmax,
					      bottom - (bottom - top) * base[i] / ymax);
			cairo_close_path(cr);
			colour(cr, se->colour, 0.8);
			cairo_fill(cr);
			cairo_append_path(cr, line);
			cairo_path_destroy(line);
			for (size_t i = 0; i < rr->nsamples; i++)
				base[i] += rr->val[i * RK_N + se->key];
		}
		colour(cr, se->colour, 1);
		cairo_set_line_width(cr, 1.5);
		cairo_stroke(cr);
	}
	free(base);
	cairo_reset_clip(cr);
	/* the legend, four to a row */
	for (int k = 0; k < cs->nseries; k++) {
		double x = left + (k % 4) * (right - left) / 4, y = CH_H - 12 - 18 * (legend_rows - 1 - k / 4);
		colour(cr, cs->series[k].colour, 1);
		cairo_rectangle(cr, x, y - 9, 12, 10);
		cairo_fill(cr);
		cairo_set_source_rgb(cr, 0.13, 0.13, 0.13);
		text(cr, x + 16, y, 10, false, cs->series[k].label);
	}
}

/* ---- PNG and SVG through memory, into the tree ---- */
struct buf { unsigned char *p; size_t n, cap; bool err; };

static cairo_status_t buf_write(void *arg, const unsigned char *data, unsigned int len)
{
	struct buf *b = arg;

	if (b->n + len > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;
		while (cap < b->n + len)
			cap *= 2;
		unsigned char *p = realloc(b->p, cap);
		if (!p) {
			b->err = true;
			return CAIRO_STATUS_WRITE_ERROR;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, data, len);
	b->n += len;
	return CAIRO_STATUS_SUCCESS;
}

struct figure {
	const struct report_run *rr;
	const struct report_map *mp;	/* a map, or */
	const struct chart_spec *cs;	/* a chart */
	double ymax;
	int w, h;
};

static void draw(cairo_t *cr, const struct figure *fg)
{
	if (fg->mp)
		draw_map(cr, fg->rr, fg->mp, fg->w, fg->h);
	else
		draw_chart(cr, fg->rr, fg->cs, fg->ymax);
}

/* One figure as NAME.png and NAME.svg: 0 or 2 (printed) */
static int figure_write(struct outtree *t, const char *name, const struct figure *fg, const char *what)
{
	char rel[512];
	struct buf png = { 0 }, svg = { 0 };
	cairo_surface_t *s;
	cairo_t *cr;
	int rc = 0;

	s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, fg->w, fg->h);
	cr = cairo_create(s);
	draw(cr, fg);
	cairo_destroy(cr);
	if (cairo_surface_write_to_png_stream(s, buf_write, &png) != CAIRO_STATUS_SUCCESS || png.err)
		rc = cli_error(what, "cannot draw a PNG (out of memory?)");
	cairo_surface_destroy(s);
	if (!rc) {
		s = cairo_svg_surface_create_for_stream(buf_write, &svg, fg->w, fg->h);
		cr = cairo_create(s);
		draw(cr, fg);
		cairo_destroy(cr);
		cairo_surface_finish(s);
		if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS || svg.err)
			rc = cli_error(what, "cannot draw an SVG (out of memory?)");
		cairo_surface_destroy(s);
	}
	if (!rc) {
		snprintf(rel, sizeof(rel), "%s.png", name);
		rc = outtree_data(t, rel, png.p, png.n, what);
	}
	if (!rc) {
		snprintf(rel, sizeof(rel), "%s.svg", name);
		rc = outtree_data(t, rel, svg.p, svg.n, what);
	}
	free(png.p);
	free(svg.p);
	return rc;
}

/* A label as a file name part: letters, digits, '.', '_' and '-' */
static void slug(char *out, size_t len, const char *in)
{
	size_t n = 0;

	for (; *in && n + 1 < len; in++) {
		char c = *in;
		bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			    c == '.' || c == '_' || c == '-';
		if (keep)
			out[n++] = c;
		else if (n && out[n - 1] != '-')
			out[n++] = '-';
	}
	while (n && out[n - 1] == '-')
		n--;
	out[n] = '\0';
	if (!n)
		snprintf(out, len, "run");
}

int report_figures(const struct report *r, struct outtree *t, const char *what)
{
	int rc = 0;

	for (size_t k = 0; k < r->nruns && !rc; k++) {
		const struct report_run *rr = r->runs[k];
		char run[112], lab[96], name[256];
		slug(lab, sizeof(lab), rr->label);
		if (r->nruns > 1)
			snprintf(run, sizeof(run), "%zu-%.90s", (k + 1) % 1000, lab);
		else
			snprintf(run, sizeof(run), "%.95s", lab);
		for (size_t i = 0; i < rr->nmaps && !rc; i++) {
			struct figure fg = { .rr = rr, .mp = &rr->maps[i] };
			char mlab[64];
			slug(mlab, sizeof(mlab), rr->maps[i].label);
			snprintf(name, sizeof(name), "%s-map-%s", run, mlab);
			map_size(rr, &fg.w, &fg.h);
			rc = figure_write(t, name, &fg, what);
		}
		for (int c = 0; c < report_nr_charts && !rc; c++) {
			struct figure fg = { .rr = rr, .cs = &report_charts[c], .ymax = report_chart_ymax(r, c),
					     .w = CH_W, .h = CH_H };
			snprintf(name, sizeof(name), "%s-%s", run, report_charts[c].id);
			rc = figure_write(t, name, &fg, what);
		}
	}
	/* cairo's and fontconfig's caches go now (a leak checker would report them) */
	cairo_debug_reset_static_data();
	FcFini();
	return rc;
}
