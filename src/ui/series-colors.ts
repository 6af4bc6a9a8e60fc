// The chart series colours of the current theme (app.css --series-1/2), read when a chart is
// drawn: Plot writes colours into SVG attributes, where CSS variables do not resolve.
export function seriesColors(): [string, string] {
  const style = getComputedStyle(document.documentElement);
  const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return [read('--series-1', '#1f5f99'), read('--series-2', '#a04a00')];
}
