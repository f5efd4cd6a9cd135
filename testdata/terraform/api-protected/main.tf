# The orders API of ../api with its entry points protected: slsguard should report nothing here.

variable "region" {
  type = string
}

variable "account_id" {
  type = string
}

variable "user_pool_arn" {
  type = string
}

variable "vpc_endpoint_id" {
  type = string
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "orders" {
  name               = "orders-api-fn"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_role" "updates" {
  name               = "order-updates-fn"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_lambda_function" "orders" {
  function_name = "orders-api"
  role          = aws_iam_role.orders.arn
  runtime       = "nodejs22.x"
  handler       = "index.handler"
  filename      = "build/orders.zip"
}

resource "aws_lambda_function" "updates" {
  function_name = "order-updates"
  role          = aws_iam_role.updates.arn
  runtime       = "nodejs22.x"
  handler       = "updates.handler"
  filename      = "build/updates.zip"
}

# REST API: every method goes through the Cognito authorizer; the CORS preflight stays open.
resource "aws_api_gateway_rest_api" "orders" {
  name = "orders"
}

resource "aws_api_gateway_authorizer" "cognito" {
  name          = "orders-cognito"
  rest_api_id   = aws_api_gateway_rest_api.orders.id
  type          = "COGNITO_USER_POOLS"
  provider_arns = [var.user_pool_arn]
}

resource "aws_api_gateway_resource" "orders" {
  rest_api_id = aws_api_gateway_rest_api.orders.id
  parent_id   = aws_api_gateway_rest_api.orders.root_resource_id
  path_part   = "orders"
}

resource "aws_api_gateway_method" "create" {
  rest_api_id   = aws_api_gateway_rest_api.orders.id
  resource_id   = aws_api_gateway_resource.orders.id
  http_method   = "POST"
  authorization = "COGNITO_USER_POOLS"
  authorizer_id = aws_api_gateway_authorizer.cognito.id
}

resource "aws_api_gateway_integration" "create" {
  rest_api_id             = aws_api_gateway_rest_api.orders.id
  resource_id             = aws_api_gateway_resource.orders.id
  http_method             = aws_api_gateway_method.create.http_method
  integration_http_method = "POST"
  type                    = "AWS_PROXY"
  uri                     = aws_lambda_function.orders.invoke_arn
}

resource "aws_api_gateway_method" "preflight" {
  rest_api_id   = aws_api_gateway_rest_api.orders.id
  resource_id   = aws_api_gateway_resource.orders.id
  http_method   = "OPTIONS"
  authorization = "NONE"
}

# Only this API, in this account, may invoke the function.
resource "aws_lambda_permission" "api" {
  statement_id  = "AllowOrdersApi"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.orders.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.orders.execution_arn}/*/*"
}

# An internal admin API, reachable only through the VPC endpoint.
data "aws_iam_policy_document" "admin_api" {
  statement {
    actions   = ["execute-api:Invoke"]
    resources = ["execute-api:/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceVpce"
      values   = [var.vpc_endpoint_id]
    }
  }
}

resource "aws_api_gateway_rest_api" "admin" {
  name   = "orders-admin"
  policy = data.aws_iam_policy_document.admin_api.json

  endpoint_configuration {
    types            = ["PRIVATE"]
    vpc_endpoint_ids = [var.vpc_endpoint_id]
  }
}

# Private is not identity: callers inside the VPC still sign their requests.
resource "aws_api_gateway_method" "admin_get" {
  rest_api_id   = aws_api_gateway_rest_api.admin.id
  resource_id   = aws_api_gateway_rest_api.admin.root_resource_id
  http_method   = "GET"
  authorization = "AWS_IAM"
}

# HTTP API: JWT on every route, CORS for the front end only.
resource "aws_apigatewayv2_api" "http" {
  name          = "orders-http"
  protocol_type = "HTTP"

  cors_configuration {
    allow_origins     = ["https://shop.example.com"]
    allow_methods     = ["GET", "POST"]
    allow_credentials = true
  }
}

resource "aws_apigatewayv2_authorizer" "jwt" {
  api_id           = aws_apigatewayv2_api.http.id
  name             = "orders-jwt"
  authorizer_type  = "JWT"
  identity_sources = ["$request.header.Authorization"]

  jwt_configuration {
    audience = ["orders-web"]
    issuer   = "https://cognito-idp.${var.region}.amazonaws.com/${var.user_pool_arn}"
  }
}

resource "aws_apigatewayv2_integration" "orders" {
  api_id                 = aws_apigatewayv2_api.http.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.orders.invoke_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_route" "list" {
  api_id             = aws_apigatewayv2_api.http.id
  route_key          = "GET /orders"
  authorization_type = "JWT"
  authorizer_id      = aws_apigatewayv2_authorizer.jwt.id
  target             = "integrations/${aws_apigatewayv2_integration.orders.id}"
}

resource "aws_lambda_permission" "http" {
  statement_id  = "AllowHttpApi"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.orders.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.http.execution_arn}/*/*/orders"
}

# WebSocket API: callers authenticate on $connect with a Lambda authorizer.
resource "aws_apigatewayv2_api" "updates" {
  name                       = "order-updates"
  protocol_type              = "WEBSOCKET"
  route_selection_expression = "$request.body.action"
}

resource "aws_apigatewayv2_authorizer" "connect" {
  api_id           = aws_apigatewayv2_api.updates.id
  name             = "updates-connect"
  authorizer_type  = "REQUEST"
  authorizer_uri   = aws_lambda_function.updates.invoke_arn
  identity_sources = ["route.request.querystring.token"]
}

resource "aws_apigatewayv2_integration" "updates" {
  api_id           = aws_apigatewayv2_api.updates.id
  integration_type = "AWS_PROXY"
  integration_uri  = aws_lambda_function.updates.invoke_arn
}

resource "aws_apigatewayv2_route" "connect" {
  api_id             = aws_apigatewayv2_api.updates.id
  route_key          = "$connect"
  authorization_type = "CUSTOM"
  authorizer_id      = aws_apigatewayv2_authorizer.connect.id
  target             = "integrations/${aws_apigatewayv2_integration.updates.id}"
}

resource "aws_apigatewayv2_route" "message" {
  api_id    = aws_apigatewayv2_api.updates.id
  route_key = "sendMessage"
  target    = "integrations/${aws_apigatewayv2_integration.updates.id}"
}

# A function URL that callers sign with SigV4; CORS for the front end only.
resource "aws_lambda_function_url" "orders" {
  function_name      = aws_lambda_function.orders.function_name
  authorization_type = "AWS_IAM"

  cors {
    allow_origins = ["https://shop.example.com"]
  }
}

# GraphQL: Cognito users by default, IAM for back-end services.
resource "aws_appsync_graphql_api" "orders" {
  name                = "orders"
  authentication_type = "AMAZON_COGNITO_USER_POOLS"

  user_pool_config {
    user_pool_id   = var.user_pool_arn
    aws_region     = var.region
    default_action = "ALLOW"
  }

  additional_authentication_provider {
    authentication_type = "AWS_IAM"
  }
}
