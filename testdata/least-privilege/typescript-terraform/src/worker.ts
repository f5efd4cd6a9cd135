import { SQSClient, DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { SecretsManagerClient, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';

const sqs = new SQSClient({});
const secrets = new SecretsManagerClient({});
const ddb = new DynamoDBClient({});
const QUEUE_URL = process.env.QUEUE_URL;

export async function handler(): Promise<void> {
  const key = await secrets.send(new GetSecretValueCommand({ SecretId: 'prod/payments-api' }));
  const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: QUEUE_URL, MaxNumberOfMessages: 10 }));
  for (const m of Messages) {
    await ddb.send(new UpdateItemCommand({ TableName: process.env.TABLE, Key: { id: { S: m.MessageId ?? '' } }, UpdateExpression: 'SET paid = :t' }));
  }
  await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: QUEUE_URL, Entries: [] }));
  void key;
}
