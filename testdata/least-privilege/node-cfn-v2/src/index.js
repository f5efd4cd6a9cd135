'use strict';
const AWSXRay = require('aws-xray-sdk-core');
const AWS = AWSXRay.captureAWS(require('aws-sdk'));
const DynamoDB = require('aws-sdk/clients/dynamodb');
const { archive, attach, notifyPaid } = require('./archive');

AWS.config.update({ region: process.env.AWS_REGION });

const docs = new DynamoDB.DocumentClient({ convertEmptyValues: true });
const ddb = AWSXRay.captureAWSClient(new AWS.DynamoDB({ apiVersion: '2012-08-10' }));
const s3 = new AWS.S3({ signatureVersion: 'v4' });
const TABLE = process.env.TABLE_NAME;

exports.handler = async (event) => {
  const { Item } = await docs.get({ TableName: TABLE, Key: { id: event.id } }).promise();
  if (!Item) {
    return { statusCode: 404 };
  }
  if (event.paid) {
    await docs
      .update({
        TableName: TABLE,
        Key: { id: event.id },
        UpdateExpression: 'SET paid = :t',
        ExpressionAttributeValues: { ':t': true },
      })
      .promise();
    await notifyPaid(event.id);
  }
  const raw = await ddb.getItem({ TableName: TABLE, Key: AWS.DynamoDB.Converter.marshall({ id: event.id }) }).promise();
  const invoice = AWS.DynamoDB.Converter.unmarshall(raw.Item);
  await archive(invoice);
  if (event.attachment) {
    await attach(invoice.id, Buffer.from(event.attachment, 'base64'));
  }
  const url = s3.getSignedUrl('getObject', {
    Bucket: process.env.ARCHIVE_BUCKET,
    Key: `invoices/${invoice.id}.json`,
    Expires: 300,
  });
  return { statusCode: 200, body: JSON.stringify({ url }) };
};
