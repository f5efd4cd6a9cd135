# IAM judged with AWS's own facts, in Terraform: AWS managed policies judged like inline
# statements, actions AWS only grants on "*", conditions, an explicit Deny, an unknown action,
# scoped iam:PassRole, and shared roles.

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

# --- A role shared by two functions that only logs and traces: silent.
resource "aws_iam_role" "probe" {
  name               = "iam-judged-probe"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

resource "aws_iam_role_policy_attachment" "probe_logs" {
  role       = aws_iam_role.probe.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

resource "aws_iam_role_policy" "probe_tracing" {
  name = "tracing"
  role = aws_iam_role.probe.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
      Resource = "*"
    }]
  })
}

resource "aws_lambda_function" "ping" {
  function_name = "iam-judged-ping"
  role          = aws_iam_role.probe.arn
  runtime       = "python3.12"
  handler       = "ping.handler"
  filename      = "build/ping.zip"
}

resource "aws_lambda_function" "pong" {
  function_name = "iam-judged-pong"
  role          = aws_iam_role.probe.arn
  runtime       = "python3.12"
  handler       = "pong.handler"
  filename      = "build/pong.zip"
}

# --- A worker whose policy mixes "*"-only actions, conditions, a Deny and a typo.
resource "aws_iam_role" "worker" {
  name               = "iam-judged-worker"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

data "aws_iam_policy_document" "worker" {
  # Mixed: only sns:Publish can name its topic.
  statement {
    actions   = ["cloudwatch:PutMetricData", "sns:Publish", "states:SendTaskSuccess"]
    resources = ["*"]
  }
  # Only instances tagged for this app.
  statement {
    actions   = ["ec2:StartInstances", "ec2:StopInstances"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/app"
      values   = ["iam-judged"]
    }
  }
  # Every table, but the Deny below leaves only the jobs table.
  statement {
    actions   = ["dynamodb:PutItem", "dynamodb:DeleteItem"]
    resources = ["*"]
  }
  statement {
    effect        = "Deny"
    actions       = ["dynamodb:*"]
    not_resources = [aws_dynamodb_table.jobs.arn]
  }
  # Typo: grants nothing.
  statement {
    actions   = ["sqs:ReceiveMessages", "sqs:DeleteMessage"]
    resources = [aws_sqs_queue.jobs.arn]
  }
}

resource "aws_iam_role_policy" "worker" {
  name   = "worker"
  role   = aws_iam_role.worker.id
  policy = data.aws_iam_policy_document.worker.json
}

resource "aws_lambda_function" "worker" {
  function_name = "iam-judged-worker"
  role          = aws_iam_role.worker.arn
  runtime       = "python3.12"
  handler       = "worker.handler"
  filename      = "build/worker.zip"
}

# --- An AWS managed policy that writes every object of every bucket.
resource "aws_iam_role" "resizer" {
  name                = "iam-judged-resizer"
  assume_role_policy  = data.aws_iam_policy_document.lambda_assume.json
  managed_policy_arns = ["arn:aws:iam::aws:policy/AWSLambdaExecute"]
}

resource "aws_lambda_function" "resizer" {
  function_name = "iam-judged-resizer"
  role          = aws_iam_role.resizer.arn
  runtime       = "python3.12"
  handler       = "resize.handler"
  filename      = "build/resize.zip"
}

# --- Scoped iam:PassRole: to a role that only logs (silent), to an administrator role.
resource "aws_iam_role" "jobs" {
  name                = "iam-judged-jobs"
  assume_role_policy  = data.aws_iam_policy_document.lambda_assume.json
  managed_policy_arns = ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]
}

resource "aws_iam_role" "admin_jobs" {
  name                = "iam-judged-admin-jobs"
  assume_role_policy  = data.aws_iam_policy_document.lambda_assume.json
  managed_policy_arns = ["arn:aws:iam::aws:policy/AdministratorAccess"]
}

resource "aws_iam_role" "deploy_jobs" {
  name               = "iam-judged-deploy-jobs"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

resource "aws_iam_role_policy" "deploy_jobs" {
  name = "deploy"
  role = aws_iam_role.deploy_jobs.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = "iam:PassRole", Resource = aws_iam_role.jobs.arn },
      { Effect = "Allow", Action = "lambda:CreateFunction", Resource = "arn:aws:lambda:eu-west-1:123456789012:function:jobs-*" },
    ]
  })
}

resource "aws_iam_role" "deploy_admin" {
  name               = "iam-judged-deploy-admin"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

resource "aws_iam_role_policy" "deploy_admin" {
  name = "deploy"
  role = aws_iam_role.deploy_admin.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = "iam:PassRole", Resource = "arn:aws:iam::123456789012:role/iam-judged-admin-jobs" },
      { Effect = "Allow", Action = "lambda:CreateFunction", Resource = "arn:aws:lambda:eu-west-1:123456789012:function:jobs-*" },
    ]
  })
}

resource "aws_lambda_function" "deploy_jobs" {
  function_name = "iam-judged-deploy-jobs"
  role          = aws_iam_role.deploy_jobs.arn
  runtime       = "python3.12"
  handler       = "deploy.jobs"
  filename      = "build/deploy.zip"
}

resource "aws_lambda_function" "deploy_admin" {
  function_name = "iam-judged-deploy-admin"
  role          = aws_iam_role.deploy_admin.arn
  runtime       = "python3.12"
  handler       = "deploy.admin"
  filename      = "build/deploy.zip"
}

resource "aws_dynamodb_table" "jobs" {
  name         = "iam-judged-jobs"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"
  attribute {
    name = "id"
    type = "S"
  }
}

resource "aws_sqs_queue" "jobs" {
  name = "iam-judged-jobs"
}
