// Observable Plot labels its marks (<g aria-label="line">). Inside a graphic that is one image
// (role="img", named by its summary) those labels are prohibited attributes (axe:
// aria-prohibited-attr) and no screen reader reaches them: drop them, keep the image's own name.
export function presentational<T extends Element>(plot: T): T {
  for (const mark of plot.querySelectorAll('[aria-label]')) mark.removeAttribute('aria-label');
  return plot;
}
