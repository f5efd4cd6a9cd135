// Stores an order sent by an IAM-signed caller.
const { DynamoDBClient, PutItemCommand } = require("@aws-sdk/client-dynamodb");

const client = new DynamoDBClient({});

exports.create = async (event) => {
  const order = JSON.parse(event.body || "{}");
  await client.send(
    new PutItemCommand({ TableName: "orders", Item: { id: { S: String(order.id) } } })
  );
  return { statusCode: 201, body: JSON.stringify({ id: order.id }) };
};
