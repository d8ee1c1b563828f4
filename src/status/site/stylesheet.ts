// The site's one stylesheet. Colours pass WCAG AA for text on white (4.5:1) and are never the
// only signal: every status has its words beside the colour. Works from 320 px wide up.

export const STYLESHEET = `:root{--op:#1a7f37;--deg:#8a5a00;--part:#b3470b;--major:#c2202b;--maint:#0a5fc2;--none:#6e7781;--fg:#1f2328;--muted:#57606a;--line:#d0d7de;--bg:#fff}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
a{color:#0550ae}
a:focus,summary:focus{outline:3px solid #0969da;outline-offset:2px}
.skip{position:absolute;left:-999px}
.skip:focus{left:8px;top:8px;background:#fff;padding:4px 8px;z-index:1}
header,main,footer{max-width:56rem;margin:0 auto;padding:0 1rem}
header{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.5rem;padding-top:1rem;padding-bottom:1rem;border-bottom:1px solid var(--line)}
header .site{margin:0;font-size:1.25rem;font-weight:600}
header .site a{color:inherit;text-decoration:none}
nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:1rem;margin:0;padding:0}
footer{color:var(--muted);font-size:.875rem;padding-top:2rem;padding-bottom:2rem}
h1{font-size:1.5rem;margin:1.5rem 0 1rem}
h2{font-size:1.2rem;margin:2rem 0 .75rem;border-bottom:1px solid var(--line);padding-bottom:.25rem}
h3{font-size:1rem;margin:1rem 0 .25rem}
.headline{padding:1rem;border-radius:6px;color:#fff;font-size:1.25rem;font-weight:600;margin:1.5rem 0}
.headline.s-op{background:var(--op)}.headline.s-deg{background:var(--deg)}.headline.s-part{background:var(--part)}.headline.s-major{background:var(--major)}.headline.s-maint{background:var(--maint)}
ul.components,ul.incidents,ul.children{list-style:none;margin:0;padding:0}
ul.components>li{border:1px solid var(--line);border-radius:6px;padding:.75rem 1rem;margin:0 0 .75rem}
ul.children{margin:.5rem 0 0 1rem}
ul.children>li{padding:.5rem 0;border-top:1px solid var(--line)}
.row{display:flex;flex-wrap:wrap;justify-content:space-between;gap:.25rem 1rem}
.name{font-weight:600}
.desc{color:var(--muted);font-size:.875rem;margin:0}
.status{font-weight:600;white-space:nowrap}
.status::before{content:"";display:inline-block;width:.7em;height:.7em;border-radius:50%;margin-right:.35em;background:currentColor}
.s-op .status,.status.s-op{color:var(--op)}.s-deg .status,.status.s-deg{color:var(--deg)}.s-part .status,.status.s-part{color:var(--part)}.s-major .status,.status.s-major{color:var(--major)}.s-maint .status,.status.s-maint{color:var(--maint)}
svg.bar{display:block;width:100%;height:2rem;margin:.5rem 0 .25rem}
svg.bar rect{fill:var(--op)}svg.bar rect.s-deg{fill:#d4a72c}svg.bar rect.s-part{fill:#e16f24}svg.bar rect.s-major{fill:var(--major)}svg.bar rect.s-maint{fill:var(--maint)}svg.bar rect.s-none{fill:#d0d7de}svg.bar path.deploy{stroke:#1f2328;stroke-width:2px;vector-effect:non-scaling-stroke}
.legend{display:flex;justify-content:space-between;color:var(--muted);font-size:.8rem}
ul.incidents>li{border-left:4px solid var(--line);padding:.25rem 0 .25rem .75rem;margin:0 0 1rem}
ul.incidents>li.i-minor{border-color:#d4a72c}ul.incidents>li.i-major{border-color:#e16f24}ul.incidents>li.i-critical{border-color:var(--major)}ul.incidents>li.i-maintenance{border-color:var(--maint)}
.meta{color:var(--muted);font-size:.875rem}
ol.updates{list-style:none;margin:0;padding:0}
ol.updates>li{margin:0 0 1rem}
.phase{font-weight:600}
.message{white-space:pre-wrap;margin:.25rem 0}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid var(--line)}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:480px){body{font-size:15px}.headline{font-size:1.1rem}}
`;
