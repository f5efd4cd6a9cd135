use aws_sdk_sqs::Client;
use lambda_runtime::{Error, LambdaEvent, service_fn};

async fn handler(event: LambdaEvent<serde_json::Value>) -> Result<(), Error> {
    let config = aws_config::load_from_env().await;
    let ssm = aws_sdk_ssm::Client::new(&config);
    let webhook = ssm.get_parameter().name("/notifier/webhook").with_decryption(true).send().await?;
    let kind = event.payload["kind"].as_str().unwrap_or("default");
    let template = ssm.get_parameter().name(format!("/notifier/templates/{kind}")).send().await?;
    let sqs = Client::new(&config);
    let queue = std::env::var("QUEUE_URL")?;
    sqs.send_message().queue_url(queue).message_body(format!("{webhook:?} {template:?}")).send().await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handler)).await
}
