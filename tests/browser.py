"""What a plot shows in the browser, read from the DOM plotly drew, and the checks every browser test applies to it.

`PLOTS_JS` returns, for each plotly graph div on the page (in page order): its title, how many traces its data holds,
how many trace groups plotly drew, where its legend and titles sit, and per drawn trace its type, mode, number of points in its data, the length of its
line path, the number of markers or bars drawn, and the x axis' type and first tick labels. `check_plots` asserts that
each plot drew every trace it holds, that line traces have a path and marker/bar traces their points, that date axes
are dates, that the legend covers no title, and that no tick label reads like a timestamp integer (nanoseconds since 1970 shown as 1.68x10^18)."""
import re

PLOTS_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd => {
  const fl = gd._fullLayout || {};
  const traces = Array.from(gd.querySelectorAll('.cartesianlayer g.trace, .heatmaplayer g.hm')).map(el => {
    const t = (el.__data__ && el.__data__[0] && el.__data__[0].trace) || {};
    return {index: t.index, type: t.type, mode: t.mode || '', fill: t.fill || 'none', length: t._length || 0,
            line: Array.from(el.querySelectorAll('path.js-line')).map(p => p.getAttribute('d') || '').join('').length,
            fillpath: Array.from(el.querySelectorAll('path.js-fill')).map(p => p.getAttribute('d') || '').join('').length,
            points: el.querySelectorAll('path.point').length, bars: el.querySelectorAll('g.point').length};
  });
  const ticks = ax => Array.from(gd.querySelectorAll('.' + ax + 'tick text')).map(t => t.textContent);
  const box = sel => Array.from(gd.querySelectorAll(sel)).map(el => { const r = el.getBoundingClientRect();
    return [r.left, r.top, r.right, r.bottom]; }).filter(r => r[2] > r[0] && r[3] > r[1]);
  return {title: (fl.title && fl.title.text) || '', n: (gd.data || []).length, traces: traces,
          legend: box('g.legend .bg'), titles: box('.g-gtitle text, .g-xtitle text, .g-ytitle text, .annotation-text-g text'),
          xtype: fl.xaxis ? fl.xaxis.type : null, xticks: ticks('x'), yticks: ticks('y'),
          width: gd.getBoundingClientRect().width};
})"""

TIMESTAMP_LIKE = re.compile(r"[×x]\s*10|e\+?1[5-9]|^\d{13,}$")


def check_plots(plots: list, expected: dict) -> None:
    """Assert what each plot shows. `expected` maps a title prefix to (trace count, has a date x axis); every expected
    plot must be on the page, and every plot on the page is checked for drawn traces and readable ticks."""
    seen = set()
    for p in plots:
        where = f"plot {p['title']!r}"
        key = next((k for k in expected if p["title"].startswith(k)), None)
        if key is not None:
            n, dates = expected[key]
            seen.add(key)
            assert p["n"] == n, f"{where}: the page holds {p['n']} traces, the figure has {n}"
            assert (p["xtype"] == "date") == dates, f"{where}: x axis type {p['xtype']}, expected {'date' if dates else 'not date'}"
        assert len(p["traces"]) == p["n"], f"{where}: {len(p['traces'])} traces drawn of the {p['n']} it holds"
        for t in p["traces"]:
            tw = f"{where}, trace {t['index']} ({t['type']}, {t['mode']})"
            if t["type"] == "scatter" and "lines" in t["mode"] and t["length"] > 1:
                assert t["line"] > 20 or t["fillpath"] > 20, f"{tw}: its line has no path ({t})"
            if t["type"] == "scatter" and "markers" in t["mode"]:
                assert t["points"] == t["length"] > 0, f"{tw}: {t['points']} markers drawn of {t['length']}"
            if t["type"] in ("bar", "waterfall"):
                assert t["bars"] >= 1, f"{tw}: no bars drawn"
        for tick in p["xticks"] + p["yticks"]:
            assert not TIMESTAMP_LIKE.search(tick.replace("\u200b", "")), f"{where}: tick label {tick!r} reads like a timestamp integer"
        for lg in p["legend"]:  # a legend drawn over the title or an axis title hides both
            for t in p["titles"]:
                overlap = min(lg[2], t[2]) - max(lg[0], t[0]) > 1 and min(lg[3], t[3]) - max(lg[1], t[1]) > 1
                assert not overlap, f"{where}: the legend {lg} overlaps a title at {t}"
        if p["xtype"] == "date":
            assert any(re.search(r"(19|20)\d\d|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec", t) for t in p["xticks"]), \
                f"{where}: date axis without dates in its ticks {p['xticks']}"
    missing = set(expected) - seen
    assert not missing, f"plots not on the page: {sorted(missing)}; titles seen: {[p['title'] for p in plots]}"
