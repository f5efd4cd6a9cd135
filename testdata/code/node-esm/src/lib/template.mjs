import vm from 'vm';

export function fill(page, expr) {
  return page.replace('{{value}}', String(vm.runInNewContext(expr)));
}
