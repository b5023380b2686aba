/*
 * report_assets.c - the report's scripts, built into the binary so a report
 * needs nothing at run time: Chart.js from Debian's libjs-chart.js
 * (AF_CHARTJS, found by CMake) and report.js (AF_REPORTJS).
 */
__asm__(".section .rodata\n"
	".global af_asset_chartjs\n"
	"af_asset_chartjs:\n"
	".incbin \"" AF_CHARTJS "\"\n"
	".global af_asset_chartjs_end\n"
	"af_asset_chartjs_end:\n"
	".global af_asset_reportjs\n"
	"af_asset_reportjs:\n"
	".incbin \"" AF_REPORTJS "\"\n"
	".global af_asset_reportjs_end\n"
	"af_asset_reportjs_end:\n"
	".byte 0\n"
	".previous\n");
