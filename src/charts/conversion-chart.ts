// Conversion by source as a PNG: a picture reads faster than a table when sources differ a lot.
// vega-lite compiles the chart, vega renders it to SVG on the server (no browser, no canvas),
// and resvg turns the SVG into a PNG with the system's fonts. All three install from npm.
// They are loaded on the first chart drawn, not at start: together they are tens of megabytes
// of memory that a process drawing one chart a week should not carry from its first second.
import type { TopLevelSpec } from "vega-lite";

export interface ConversionBar {
  label: string;
  received: number;
  converted: number;
}

/** A horizontal bar per source: lead-to-opportunity rate, with the counts beside each bar. */
export async function renderConversionChart(bars: ConversionBar[], title: string): Promise<Buffer> {
  // The bars come biggest source first (from SQL); the chart keeps that order.
  const values = bars.slice(0, 12).map((b) => ({
    label: b.label.length > 28 ? `${b.label.slice(0, 27)}…` : b.label,
    rate: b.received > 0 ? b.converted / b.received : 0,
    counts: `${b.converted} of ${b.received}`,
  }));
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: title, anchor: "start", fontSize: 14 },
    width: 480,
    height: { step: 26 },
    background: "white",
    padding: 12,
    data: { values },
    encoding: {
      y: { field: "label", type: "nominal", sort: null, title: null },
      x: {
        field: "rate",
        type: "quantitative",
        title: "Lead-to-opportunity rate",
        axis: { format: "%" },
        scale: { domainMin: 0 },
      },
    },
    layer: [
      { mark: { type: "bar", color: "#2E7D6B" } },
      {
        mark: { type: "text", align: "left", dx: 4, fontSize: 11, color: "#333" },
        encoding: { text: { field: "counts" } },
      },
    ],
  };
  const [vega, { compile }, { Resvg }] = await Promise.all([
    import("vega"),
    import("vega-lite"),
    import("@resvg/resvg-js"),
  ]);
  const view = new vega.View(vega.parse(compile(spec).spec), {
    renderer: "none",
    logLevel: vega.Error,
  });
  try {
    const svg = await view.toSVG();
    return new Resvg(svg, {
      font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
      fitTo: { mode: "zoom", value: 2 },
    })
      .render()
      .asPng();
  } finally {
    view.finalize();
  }
}
