# A function written with the terraform-aws-modules/lambda/aws module: every problem is in the
# module's inputs.
module "orders" {
  source  = "terraform-aws-modules/lambda/aws"
  version = "~> 7.0"

  function_name = "orders"
  handler       = "index.handler"
  runtime       = "nodejs16.x"
  source_path   = "../src/orders"

  attach_policy_statements = true
  policy_statements = {
    everything_in_dynamodb = {
      effect    = "Allow"
      actions   = ["dynamodb:*"]
      resources = ["*"]
    }
  }

  attach_policy_json = true
  policy_json = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["s3:PutObject", "s3:DeleteObject"]
      Resource = "*"
    }]
  })

  # authorization_type defaults to NONE: anyone with the URL can invoke it.
  create_lambda_function_url = true

  allowed_triggers = {
    APIGatewayAny = {
      service = "apigateway"
    }
  }
}
