'use strict';
const https = require('https');

const DB_PASSWORD = process.env.DB_PASSWORD;
const agent = new https.Agent({ keepAlive: true });

exports.handler = async (event, context) => {
  try {
    return { statusCode: 200, body: await fetchReport(agent, DB_PASSWORD, event.id) };
  } catch (err) {
    console.error(err.stack);
    return { statusCode: 500, body: JSON.stringify({ error: 'Internal error', requestId: context.awsRequestId }) };
  }
};

async function fetchReport(agent, password, id) {
  return `${id}`;
}
