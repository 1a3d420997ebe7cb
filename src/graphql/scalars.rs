//! The `Date` scalar (calendar date, `YYYY-MM-DD`). `DateTime` (RFC 3339) comes from async-graphql.
use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{Datelike, NaiveDate};

use crate::services::ingest;

/// A calendar date without time zone, as `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date(pub NaiveDate);

/// A calendar date without time zone, as `YYYY-MM-DD`.
#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => {
                let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
                    InputValueError::custom(format!("`{s}` is not a date in the form YYYY-MM-DD"))
                })?;
                // One range for both backends (PostgreSQL stores no year before -4713).
                if !(ingest::MIN_YEAR..=ingest::MAX_YEAR).contains(&d.year()) {
                    return Err(InputValueError::custom(format!(
                        "`{s}` is outside the years {}..{}",
                        ingest::MIN_YEAR,
                        ingest::MAX_YEAR
                    )));
                }
                Ok(Date(d))
            }
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}
