import express from 'express';
import serverless from 'serverless-http';
import * as https from 'https';
import { spawn } from 'child_process';
import { readArchive } from './lib/archive';

const SIGNING_SECRET: string = 'a8Fq3Lz7Wm2Xv9Tr5Kp1';
const agent = new https.Agent({ rejectUnauthorized: false });

const app = express();
app.use(express.json());

app.post('/archive', (req, res) => {
  const child = spawn(`tar czf /tmp/${req.body.name}.tgz /data`, { shell: true });
  child.on('close', () => res.json({ ok: true, agent: !!agent, signed: SIGNING_SECRET.length }));
});

app.get('/download', async (req, res) => {
  try {
    res.send(await readArchive(req.query.file));
  } catch (e) {
    res.status(500).send(`failed: ${e.message}`);
  }
});

export const handler = serverless(app);
