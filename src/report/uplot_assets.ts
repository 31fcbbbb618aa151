/**
 * uPlot (npm `uplot`, MIT) embedded as text, inlined into report.html so the page needs no
 * network: `with { type: "text" }` makes the bundler carry the file into the compiled binary
 * (docs/platform.md §1).
 */
import uplotJs from "uplot/dist/uPlot.iife.min.js" with { type: "text" };
import uplotCss from "uplot/dist/uPlot.min.css" with { type: "text" };
import clientJs from "./client/tearsheet.client.js" with { type: "text" };

export const UPLOT_JS: string = uplotJs;
export const UPLOT_CSS: string = uplotCss;
/** The page's own script: draws every chart spec with uPlot (src/repor./client/tearsheet.client.js). */
export const CLIENT_JS: string = clientJs;
