use sqlx::PgPool;

pub async fn find(pool: &PgPool, id: &str) -> Result<String, sqlx::Error> {
    let sql = format!("SELECT name FROM orders WHERE id = '{id}'");
    sqlx::query_scalar(&sql).fetch_one(pool).await
}

pub async fn find_safe(pool: &PgPool, id: &str) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("SELECT name FROM orders WHERE id = $1").bind(id).fetch_one(pool).await
}
