# The same function, least privilege: scoped grants, an IAM-authenticated URL, a supported
# runtime, a trigger pinned to its API.
module "orders" {
  source  = "terraform-aws-modules/lambda/aws"
  version = "~> 7.0"

  function_name = "orders"
  handler       = "index.handler"
  runtime       = "nodejs22.x"
  source_path   = "../src/orders"

  attach_policy_statements = true
  policy_statements = {
    orders_table = {
      effect    = "Allow"
      actions   = ["dynamodb:GetItem", "dynamodb:PutItem"]
      resources = ["arn:aws:dynamodb:eu-west-1:123456789012:table/orders"]
    }
  }

  create_lambda_function_url = true
  authorization_type         = "AWS_IAM"

  allowed_triggers = {
    APIGatewayAny = {
      service    = "apigateway"
      source_arn = "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/*/*/*"
    }
  }

  # Not attached: the flag is false.
  attach_policy = false
  policy        = "arn:aws:iam::aws:policy/AdministratorAccess"
}
