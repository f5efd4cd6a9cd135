import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { S3Client, GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { publish } from './events.mjs';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const s3 = new S3Client({});

export const handler = async (event) => {
  const { Item } = await doc.send(new GetCommand({ TableName: process.env.TABLE, Key: { id: event.id } }));
  const history = await doc.send(new QueryCommand({ TableName: process.env.TABLE, KeyConditionExpression: 'id = :id' }));
  const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: process.env.BUCKET, Key: `orders/${event.id}.pdf` }));
  await publish({ id: event.id, viewed: true });
  return { statusCode: 200, body: JSON.stringify({ Item, url, count: history.Count }) };
};
