'use strict';
const { execFile } = require('child_process');
const path = require('path');
const { findOrderSafe } = require('./lib/orders-safe');

exports.handler = async (event) => {
  const { name, id } = JSON.parse(event.body);
  execFile('convert', [`/tmp/${path.basename(name)}.png`, '/tmp/out.jpg']);
  return { statusCode: 200, body: JSON.stringify(await findOrderSafe(id)) };
};
