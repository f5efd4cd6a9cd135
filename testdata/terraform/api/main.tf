# An orders API exposed the ways Terraform makes it easy to: every entry point here is something
# slsguard should report.

variable "region" {
  type = string
}

variable "account_id" {
  type = string
}

resource "aws_iam_role" "orders" {
  name = "orders-api-fn"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_lambda_function" "orders" {
  function_name = "orders-api"
  role          = aws_iam_role.orders.arn
  runtime       = "nodejs20.x"
  handler       = "index.handler"
  filename      = "build/orders.zip"
}

resource "aws_lambda_function" "authorize" {
  function_name = "orders-authorizer"
  role          = aws_iam_role.orders.arn
  runtime       = "nodejs20.x"
  handler       = "auth.handler"
  filename      = "build/auth.zip"
}

# REST API: /orders and /orders/{id}, with a Lambda authorizer that no method uses.
resource "aws_api_gateway_rest_api" "orders" {
  name = "orders"
}

resource "aws_api_gateway_authorizer" "token" {
  name           = "orders-token"
  rest_api_id    = aws_api_gateway_rest_api.orders.id
  authorizer_uri = aws_lambda_function.authorize.invoke_arn
}

resource "aws_api_gateway_resource" "orders" {
  rest_api_id = aws_api_gateway_rest_api.orders.id
  parent_id   = aws_api_gateway_rest_api.orders.root_resource_id
  path_part   = "orders"
}

resource "aws_api_gateway_resource" "order" {
  rest_api_id = aws_api_gateway_rest_api.orders.id
  parent_id   = aws_api_gateway_resource.orders.id
  path_part   = "{id}"
}

resource "aws_api_gateway_method" "create" {
  rest_api_id   = aws_api_gateway_rest_api.orders.id
  resource_id   = aws_api_gateway_resource.orders.id
  http_method   = "POST"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "create" {
  rest_api_id             = aws_api_gateway_rest_api.orders.id
  resource_id             = aws_api_gateway_resource.orders.id
  http_method             = aws_api_gateway_method.create.http_method
  integration_http_method = "POST"
  type                    = "AWS_PROXY"
  uri                     = aws_lambda_function.orders.invoke_arn
}

# Only an API key stands between the internet and every order.
resource "aws_api_gateway_method" "get" {
  rest_api_id      = aws_api_gateway_rest_api.orders.id
  resource_id      = aws_api_gateway_resource.order.id
  http_method      = "GET"
  authorization    = "NONE"
  api_key_required = true
}

resource "aws_api_gateway_integration" "get" {
  rest_api_id             = aws_api_gateway_rest_api.orders.id
  resource_id             = aws_api_gateway_resource.order.id
  http_method             = "GET"
  integration_http_method = "POST"
  type                    = "AWS_PROXY"
  uri                     = aws_lambda_function.orders.invoke_arn
}

# API Gateway may invoke the function on behalf of any API in any account.
resource "aws_lambda_permission" "api" {
  statement_id  = "AllowApiGateway"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.orders.function_name
  principal     = "apigateway.amazonaws.com"
}

# HTTP API quick create: one public catch-all route, and CORS for any origin with credentials.
resource "aws_apigatewayv2_api" "public" {
  name          = "orders-http"
  protocol_type = "HTTP"
  target        = aws_lambda_function.orders.arn

  cors_configuration {
    allow_origins     = ["*"]
    allow_methods     = ["GET", "POST"]
    allow_credentials = true
  }
}

resource "aws_lambda_permission" "http" {
  statement_id  = "AllowHttpApi"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.orders.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "arn:aws:execute-api:${var.region}:${var.account_id}:*/*"
}

# A function URL anyone can call, and a permission that lets anyone read the function's code.
resource "aws_lambda_function_url" "orders" {
  function_name      = aws_lambda_function.orders.function_name
  authorization_type = "NONE"
}

resource "aws_lambda_permission" "url" {
  statement_id           = "FunctionUrlAllowPublicAccess"
  action                 = "lambda:InvokeFunctionUrl"
  function_name          = aws_lambda_function.orders.function_name
  principal              = "*"
  function_url_auth_type = "NONE"
}

resource "aws_lambda_permission" "inspect" {
  statement_id  = "AllowGetFunction"
  action        = "lambda:GetFunction"
  function_name = aws_lambda_function.orders.function_name
  principal     = var.account_id
}

# A WebSocket API with no authorizer at all; its routes are managed elsewhere.
resource "aws_apigatewayv2_api" "updates" {
  name                       = "order-updates"
  protocol_type              = "WEBSOCKET"
  route_selection_expression = "$request.body.action"
}

# GraphQL clients authenticate with a shared API key.
resource "aws_appsync_graphql_api" "orders" {
  name                = "orders"
  authentication_type = "API_KEY"
}
