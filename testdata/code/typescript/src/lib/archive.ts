import * as fs from 'fs';

export async function readArchive(file: any): Promise<Buffer> {
  return fs.readFileSync(`/data/archives/${file}`);
}
