# An over-privileged function, written the ways Terraform lets one write IAM: every statement
# here is something slsguard should report.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

variable "name" {
  type    = string
  default = "reports"
}

# The execution role trusts any AWS principal: anyone can assume it.
resource "aws_iam_role" "reports" {
  name = "${var.name}-fn"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Principal = { AWS = "*" }
        Action    = "sts:AssumeRole"
      },
    ]
  })

  inline_policy {
    name = "everything"
    policy = jsonencode({
      Version = "2012-10-17"
      Statement = [
        {
          Effect   = "Allow"
          Action   = "*"
          Resource = "*"
        },
      ]
    })
  }
}

# Every S3 action on every bucket, and PassRole on any role next to lambda:CreateFunction.
data "aws_iam_policy_document" "deploy" {
  statement {
    sid       = "Buckets"
    actions   = ["s3:*"]
    resources = ["*"]
  }

  statement {
    sid = "PassAnyRole"
    actions = [
      "iam:PassRole",
      "lambda:CreateFunction",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_policy" "deploy" {
  name   = "${var.name}-deploy"
  policy = data.aws_iam_policy_document.deploy.json
}

resource "aws_iam_role_policy_attachment" "deploy" {
  role       = aws_iam_role.reports.name
  policy_arn = aws_iam_policy.deploy.arn
}

resource "aws_iam_role_policy_attachment" "admin" {
  role       = aws_iam_role.reports.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

# Everything except IAM, written as a heredoc.
resource "aws_iam_role_policy" "not_iam" {
  name = "not-iam"
  role = aws_iam_role.reports.id
  policy = <<-EOF
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Effect": "Allow",
          "NotAction": "iam:*",
          "Resource": "*"
        },
        {
          "Effect": "Allow",
          "Action": ["secretsmanager:GetSecretValue", "kms:Decrypt"],
          "Resource": "*"
        }
      ]
    }
  EOF
}

resource "aws_lambda_function" "reports" {
  function_name = var.name
  role          = aws_iam_role.reports.arn
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "build/reports.zip"

  environment {
    variables = {
      STAGE = "prod"
    }
  }
}

# A second function sharing the same role.
resource "aws_lambda_function" "exporter" {
  function_name = "${var.name}-exporter"
  role          = aws_iam_role.reports.arn
  runtime       = "nodejs20.x"
  handler       = "index.handler"
  filename      = "build/exporter.zip"
}
