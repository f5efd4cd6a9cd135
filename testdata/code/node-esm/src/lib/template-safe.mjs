export function fillSafe(page, value) {
  return page.replace('{{value}}', String(value));
}
