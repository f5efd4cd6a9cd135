import { readFile } from 'fs/promises';
import path from 'path';
import { fillSafe } from './lib/template-safe.mjs';

export const handler = async (event) => {
  const q = event.queryStringParameters;
  const page = await readFile(`/templates/${path.basename(q.page)}.html`, 'utf8');
  return { statusCode: 200, body: fillSafe(page, q.expr) };
};
