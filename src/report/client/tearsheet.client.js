/*
 * report.html's script (plain browser JavaScript, inlined after uPlot): draws every chart spec of
 * the page's JSON with uPlot. Time charts share the cursor and the zoom (drag to zoom, double-click
 * to reset); warm-up and default-parameter periods are shaded and left out of the y-range; the
 * y-range ignores outliers (robustRange). Sets body[data-charts] to the number of charts drawn.
 */
(function () {
  "use strict";

  /**
   * y-range of the values in view: the 1st–99th percentile range widened by half of itself, and
   * never beyond the data. A spike far outside the bulk (the first calibration quoting at the cap)
   * falls outside; a drawdown's trough, reached by a continuous path, stays inside.
   */
  function robustRange(vals, zero) {
    var v = vals.filter(function (x) { return x != null && isFinite(x); }).sort(function (a, b) { return a - b; });
    if (v.length === 0) return [0, 1];
    var min = v[0], max = v[v.length - 1];
    var lo = min, hi = max;
    if (v.length >= 20) {
      var q1 = v[Math.floor(v.length * 0.01)], q99 = v[Math.ceil(v.length * 0.99) - 1], w = q99 - q1;
      lo = Math.max(min, q1 - 0.5 * w);
      hi = Math.min(max, q99 + 0.5 * w);
    }
    if (zero) { lo = Math.min(lo, 0); hi = Math.max(hi, 0); }
    if (!(hi > lo)) { var d = Math.abs(hi) * 0.1 || 1; lo -= d; hi += d; }
    var pad = (hi - lo) * 0.06;
    return [lo - pad, hi + pad];
  }

  var SI = ["", "k", "M", "B"];
  /** 1,234.5 · 12.3k · 0.00123 · −4.2M: about 4 significant digits, thousands separators. */
  function fmtNum(x, digits) {
    var s = fmtNum0(x, digits);
    return s.charAt(0) === "-" ? "−" + s.slice(1) : s;
  }
  function fmtNum0(x, digits) {
    if (x == null || !isFinite(x)) return "–";
    var a = Math.abs(x), d = digits == null ? 4 : digits;
    if (a >= 1e5) {
      var k = Math.min(3, Math.floor(Math.log10(a) / 3));
      return (x / Math.pow(1000, k)).toFixed(1).replace(/\.0$/, "") + SI[k];
    }
    if (a >= 100) return x.toLocaleString("en-US", { maximumFractionDigits: a >= 1e3 ? 0 : 1 });
    if (a === 0) return "0";
    return Number(x.toPrecision(d)).toString();
  }
  function fmtUsd(x) {
    if (x == null || !isFinite(x)) return "–";
    var a = Math.abs(x);
    var s = a >= 1e5 ? fmtNum(a) : a >= 0.01 || a === 0 ? a.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : a.toPrecision(2);
    return (x < 0 ? "−$" : "$") + s;
  }
  var FMT = {
    usd: fmtUsd,
    bps: function (x) { return x == null || !isFinite(x) ? "–" : fmtNum(x, 3) + " bps"; },
    num: function (x) { return fmtNum(x); },
    price: function (x) { return x == null || !isFinite(x) ? "–" : x.toLocaleString("en-US", { maximumFractionDigits: 6 }); },
    count: function (x) { return x == null || !isFinite(x) ? "–" : Math.round(x).toLocaleString("en-US"); },
  };
  function isoTime(sec) { return new Date(sec * 1000).toISOString().replace("T", " ").slice(0, 19) + "Z"; }

  var data = JSON.parse(document.getElementById("tearsheet-data").textContent);
  var bands = (data.bands || []).map(function (b) { return { from: b.from / 1000, to: b.to / 1000, kind: b.kind }; });
  var BAND_FILL = { warmup: "rgba(140,149,159,0.16)", default: "rgba(191,135,0,0.14)" };
  var inBand = function (t) {
    for (var i = 0; i < bands.length; i++) if (t >= bands[i].from && t < bands[i].to) return true;
    return false;
  };

  function toNull(a) { return a.map(function (y) { return y == null || !isFinite(y) ? null : y; }); }

  /** One aligned table [x, y1, y2, …] from the spec's tables (uPlot.join for fills on their own times). */
  function aligned(c) {
    var tabs = c.tables.map(function (t) {
      var x = c.kind === "time" ? t.x.map(function (v) { return v / 1000; }) : t.x;
      return [x].concat(t.series.map(function (s) { return toNull(s.y); }));
    });
    if (tabs.length === 1) return tabs[0];
    // 1 = keep the table's own nulls as gaps; other tables' missing x are skipped over
    return uPlot.join(tabs, tabs.map(function (t) { return t.map(function () { return 1; }); }));
  }

  function seriesOpts(s, fmt) {
    var o = { label: s.label, stroke: s.color, width: s.width || 1.5, value: function (u, v) { return v == null ? "–" : fmt(v); } };
    if (s.dash) o.dash = s.dash;
    if (s.fill) o.fill = s.fill;
    if (s.points) {
      o.width = 0;
      o.paths = function () { return null; };
      o.points = { show: true, size: s.size || 5, stroke: s.color, fill: s.color, width: 1 };
    } else {
      o.points = { show: false };
    }
    if (s.bars) {
      o.paths = uPlot.paths.bars({ size: [0.9, 60] });
      o.fill = s.color;
      o.width = 0;
    }
    return o;
  }

  var timeCharts = [];
  var syncing = false;

  function draw(c, host) {
    var fmt = FMT[c.fmt || "num"];
    var tbl = aligned(c);
    var series = [{ label: c.kind === "time" ? "time (UTC)" : c.xLabel, value: function (u, v) { return v == null ? "–" : c.kind === "time" ? isoTime(v) : fmtNum(v) + (c.xUnit ? " " + c.xUnit : ""); } }];
    c.tables.forEach(function (t) { t.series.forEach(function (s) { series.push(seriesOpts(s, fmt)); }); });
    var bars = c.tables.some(function (t) { return t.series.some(function (s) { return s.bars; }); });
    /** Bars are centred on their x: widen the range by half a bar on each side. */
    function xyRange(u, lo, hi) {
      var n = u.data[0].length, w = bars && n > 1 ? (hi - lo) / (n - 1) / 2 : 0;
      return hi > lo ? [lo - w, hi + w] : [lo - 1, hi + 1];
    }
    var width = Math.max(320, Math.min(host.clientWidth || 900, 1000));
    var opts = {
      width: width,
      height: c.height || 220,
      title: c.title + (c.unit ? " (" + c.unit + ")" : ""),
      series: series,
      legend: { live: true },
      cursor: c.kind === "time" ? { sync: { key: "t" }, drag: { x: true, y: false } } : { drag: { x: false, y: false } },
      scales: {
        x: c.kind === "time" ? { time: true } : c.logX ? { time: false, distr: 3, log: 10 } : { time: false, range: xyRange },
        y: c.logY
          ? { distr: 3, log: 10 }
          : c.kind !== "time"
          ? { range: function (u, lo, hi) { return robustRange([lo, hi], !!c.zero); } }
          : {
              range: function (u) {
                var x = u.data[0], lo = u.scales.x.min, hi = u.scales.x.max, vals = [];
                for (var i = 0; i < x.length; i++) {
                  if (x[i] < lo || x[i] > hi || (c.kind === "time" && inBand(x[i]))) continue;
                  for (var k = 1; k < u.data.length; k++) vals.push(u.data[k][i]);
                }
                // a chart whose points are all shaded still needs a scale
                if (!vals.some(function (v) { return v != null; })) for (var k2 = 1; k2 < u.data.length; k2++) vals = vals.concat(u.data[k2]);
                return robustRange(vals, !!c.zero);
              },
            },
      },
      axes: [
        c.kind === "time" ? {} : {
          values: function (u, ts) { return ts.map(function (v) { return v == null ? "" : fmtNum(v); }); },
          // a log x axis (markout horizons) is labelled at its data points, all of them
          splits: c.logX ? function () { return c.tables[0].x; } : undefined,
          filter: c.logX ? function (u, splits) { return splits; } : undefined,
        },
        { size: 64, values: function (u, ts) {
          return ts.map(function (v) {
            // a log axis labels its decades only
            if (c.logY && Math.abs(Math.log10(v) - Math.round(Math.log10(v))) > 1e-9) return "";
            return c.fmt === "usd" ? fmtUsd(v) : fmtNum(v);
          });
        } },
      ],
      hooks: {
        drawClear: [function (u) {
          if (c.kind !== "time" || !bands.length) return;
          var ctx = u.ctx, top = u.bbox.top, h = u.bbox.height;
          bands.forEach(function (b) {
            var x0 = Math.max(u.bbox.left, u.valToPos(b.from, "x", true)), x1 = Math.min(u.bbox.left + u.bbox.width, u.valToPos(b.to, "x", true));
            if (x1 > x0) { ctx.fillStyle = BAND_FILL[b.kind] || BAND_FILL.warmup; ctx.fillRect(x0, top, x1 - x0, h); }
          });
        }],
        draw: [function (u) {
          if (!c.zero) return;
          var y = u.valToPos(0, "y", true);
          if (y < u.bbox.top || y > u.bbox.top + u.bbox.height) return;
          u.ctx.save(); u.ctx.strokeStyle = "#8c959f"; u.ctx.lineWidth = 1; u.ctx.setLineDash([4, 4]);
          u.ctx.beginPath(); u.ctx.moveTo(u.bbox.left, y); u.ctx.lineTo(u.bbox.left + u.bbox.width, y); u.ctx.stroke(); u.ctx.restore();
        }],
        setScale: [function (u, key) {
          if (key !== "x" || c.kind !== "time" || syncing) return;
          syncing = true;
          timeCharts.forEach(function (o) { if (o !== u) o.setScale("x", { min: u.scales.x.min, max: u.scales.x.max }); });
          syncing = false;
        }],
      },
    };
    if (c.kind === "time") opts.axes[0] = { values: [[3600 * 24, "{YYYY}-{MM}-{DD}", null, null, null, null, null, null, 1], [3600, "{HH}:{mm}", "\n{YYYY}-{MM}-{DD}", null, "\n{MM}-{DD}", null, null, null, 1], [60, "{HH}:{mm}", "\n{YYYY}-{MM}-{DD}", null, "\n{MM}-{DD}", null, null, null, 1], [1, "{HH}:{mm}:{ss}", "\n{YYYY}-{MM}-{DD} {HH}:{mm}", null, "\n{MM}-{DD} {HH}:{mm}", null, "\n{HH}:{mm}", null, 1]] };
    if (c.kind === "time") opts.tzDate = function (ts) { return uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC"); };
    var u = new uPlot(opts, tbl, host);
    u.root.setAttribute("data-chart", c.id);
    if (c.kind === "time") timeCharts.push(u);
    return u;
  }

  // the instances by chart id, for a look from the browser's console (and the browser test)
  var charts = {};
  data.charts.forEach(function (c) {
    var host = document.getElementById("chart-" + c.id);
    if (host) charts[c.id] = draw(c, host);
  });
  window.tearsheet = { charts: charts };
  document.body.setAttribute("data-charts", String(Object.keys(charts).length));
})();
