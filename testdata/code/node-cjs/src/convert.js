'use strict';
const { exec } = require('child_process');
const { findOrder } = require('./lib/orders');

exports.handler = async (event) => {
  const { name, id } = JSON.parse(event.body);
  exec(`convert /tmp/${name}.png /tmp/out.jpg`);
  return { statusCode: 200, body: JSON.stringify(await findOrder(id)) };
};
