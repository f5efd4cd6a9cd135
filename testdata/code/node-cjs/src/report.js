'use strict';
const https = require('https');

const DB_PASSWORD = 'Vq7rT2mXw9Lp4Kz8';
const agent = new https.Agent({ rejectUnauthorized: false });

exports.handler = async (event) => {
  try {
    return { statusCode: 200, body: await fetchReport(agent, DB_PASSWORD, event.id) };
  } catch (err) {
    return { statusCode: 500, body: JSON.stringify({ error: err.stack }) };
  }
};

async function fetchReport(agent, password, id) {
  return `${id}`;
}
