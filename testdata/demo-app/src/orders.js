'use strict';

const { DynamoDBClient, PutItemCommand } = require('@aws-sdk/client-dynamodb');

// Credentials come from the function's execution role; nothing is hardcoded here.
const client = new DynamoDBClient({});
const table = process.env.TABLE_NAME;
const password = process.env.DB_PASSWORD;

module.exports.create = async (event) => {
  const order = JSON.parse(event.body || '{}');
  await client.send(new PutItemCommand({
    TableName: table,
    Item: { id: { S: order.id }, total: { N: String(order.total) } },
  }));
  return { statusCode: 201, body: JSON.stringify({ id: order.id, authenticated: Boolean(password) }) };
};
