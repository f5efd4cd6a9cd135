const { SNS } = require('aws-sdk');
const AWS = require('aws-sdk');
const S3 = require('aws-sdk/clients/s3');

const s3 = new S3();
const sns = new SNS();

// Managed upload: one PutObject, or a multipart upload for large bodies.
async function archive(invoice) {
  await s3
    .upload({ Bucket: process.env.ARCHIVE_BUCKET, Key: `invoices/${invoice.id}.json`, Body: JSON.stringify(invoice) })
    .promise();
}

function attach(id, body) {
  const upload = new AWS.S3.ManagedUpload({
    params: { Bucket: process.env.ARCHIVE_BUCKET, Key: `invoices/${id}.pdf`, Body: body },
    partSize: 10 * 1024 * 1024,
  });
  return upload.promise();
}

function notifyPaid(id) {
  return new Promise((resolve, reject) => {
    sns.publish({ TopicArn: process.env.PAID_TOPIC, Message: id }, (err, data) => (err ? reject(err) : resolve(data)));
  });
}

module.exports = { archive, attach, notifyPaid };
