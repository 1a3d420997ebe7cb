//! Raw SQL written once for both backends, with PostgreSQL's numbered placeholders
//! (`$1, $2 ...`); SQLite gets `?1, ?2 ...`, which it binds the same way.
use sea_orm::{DatabaseBackend, Statement, Value};

pub fn statement(backend: DatabaseBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = if backend == DatabaseBackend::Sqlite {
        // Highest first, so `$1` never eats the start of `$10`.
        (1..=values.len()).rev().fold(sql.to_string(), |s, i| {
            s.replace(&format!("${i}"), &format!("?{i}"))
        })
    } else {
        sql.to_string()
    };
    Statement::from_sql_and_values(backend, sql, values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_gets_numbered_question_marks() {
        let values: Vec<Value> = (1..=10).map(|i: i32| i.into()).collect();
        let s = statement(
            DatabaseBackend::Sqlite,
            "a = $1 AND b = $10 AND c = $1",
            values.clone(),
        );
        assert_eq!(s.sql, "a = ?1 AND b = ?10 AND c = ?1");
        let p = statement(DatabaseBackend::Postgres, "a = $1", values);
        assert_eq!(p.sql, "a = $1");
    }
}
