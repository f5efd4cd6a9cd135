import { readFile } from 'fs/promises';
import { fill } from './lib/template.mjs';

export const handler = async (event) => {
  const q = event.queryStringParameters;
  const page = await readFile(`/templates/${q.page}.html`, 'utf8');
  return { statusCode: 200, body: fill(page, q.expr) };
};
