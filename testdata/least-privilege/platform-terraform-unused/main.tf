# A function in a VPC polling a queue, without tracing or a destination: the network-interface
# and queue-polling grants are Lambda's; the X-Ray and SNS grants are unused.
data "archive_file" "ingest" {
  type        = "zip"
  source_dir  = "${path.module}/src"
  output_path = "${path.module}/build/ingest.zip"
}

resource "aws_dynamodb_table" "store" {
  name         = "ingest-store"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"
  attribute {
    name = "id"
    type = "S"
  }
}

resource "aws_sqs_queue" "jobs" {
  name = "ingest-jobs"
}

resource "aws_sns_topic" "failed" {
  name = "ingest-failed"
}

resource "aws_iam_role" "ingest" {
  name = "ingest"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }]
  })
}

resource "aws_iam_role_policy_attachment" "vpc" {
  role       = aws_iam_role.ingest.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
}

resource "aws_iam_role_policy_attachment" "xray" {
  role       = aws_iam_role.ingest.name
  policy_arn = "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"
}

data "aws_iam_policy_document" "ingest" {
  statement {
    actions   = ["dynamodb:PutItem"]
    resources = [aws_dynamodb_table.store.arn]
  }
  statement {
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
    resources = [aws_sqs_queue.jobs.arn]
  }
  statement {
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.failed.arn]
  }
}

resource "aws_iam_role_policy" "ingest" {
  role   = aws_iam_role.ingest.id
  policy = data.aws_iam_policy_document.ingest.json
}

resource "aws_lambda_function" "ingest" {
  function_name    = "ingest"
  role             = aws_iam_role.ingest.arn
  runtime          = "python3.12"
  handler          = "app.handler"
  filename         = data.archive_file.ingest.output_path
  source_code_hash = data.archive_file.ingest.output_base64sha256
  vpc_config {
    subnet_ids         = ["subnet-0123456789abcdef0"]
    security_group_ids = ["sg-0123456789abcdef0"]
  }
  environment {
    variables = {
      TABLE_NAME = aws_dynamodb_table.store.name
    }
  }
}

resource "aws_lambda_event_source_mapping" "jobs" {
  function_name    = aws_lambda_function.ingest.arn
  event_source_arn = aws_sqs_queue.jobs.arn
}
