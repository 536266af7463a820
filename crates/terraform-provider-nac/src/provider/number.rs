//! Whole numbers in HCL (ports, durations). Terraform numbers may have a fraction; decoding one straight
//! into an integer would fail the whole request with a message naming no attribute. So the value is
//! kept as written and a fraction is reported on its attribute by validation.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Whole {
    Int(i64),
    /// A number that is not a whole number in `i64` range, as text.
    NotWhole(String),
}

impl Whole {
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Self::Int(i) => Some(*i),
            Self::NotWhole(_) => None,
        }
    }
}

impl From<i64> for Whole {
    fn from(value: i64) -> Self {
        Self::Int(value)
    }
}

impl fmt::Display for Whole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Int(i) => write!(f, "{i}"),
            Self::NotWhole(s) => f.write_str(s),
        }
    }
}

/// To Terraform (MessagePack, not human-readable) a number goes as its decimal text, which cty reads
/// with `ParseNumberVal`, exactly as it reads the number of a JSON state. Sent as a MessagePack integer,
/// cty would build a number of another precision, and Terraform would see the refreshed state differ
/// from the stored one although every value is equal: `plan -refresh-only -detailed-exitcode` then
/// exits 2 with "No changes".
impl Serialize for Whole {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if !serializer.is_human_readable() {
            return serializer.serialize_str(&self.to_string());
        }
        match self {
            Self::Int(i) => serializer.serialize_i64(*i),
            Self::NotWhole(s) => serializer.serialize_f64(s.parse().unwrap_or(f64::NAN)),
        }
    }
}

impl<'de> Deserialize<'de> for Whole {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct WholeVisitor;

        impl Visitor<'_> for WholeVisitor {
            type Value = Whole;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number")
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Whole, E> {
                Ok(Whole::Int(v))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Whole, E> {
                Ok(i64::try_from(v).map_or_else(|_| Whole::NotWhole(v.to_string()), Whole::Int))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Whole, E> {
                match v.trim().parse::<i64>() {
                    Ok(i) => Ok(Whole::Int(i)),
                    Err(_) => match v.trim().parse::<f64>() {
                        Ok(f) => self.visit_f64(f),
                        Err(_) => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
                    },
                }
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Whole, E> {
                // i64::MAX is not exactly representable: stay strictly below 2^63.
                if v.fract() == 0.0
                    && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&v)
                {
                    Ok(Whole::Int(v as i64))
                } else {
                    Ok(Whole::NotWhole(v.to_string()))
                }
            }
        }

        deserializer.deserialize_any(WholeVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_integers_and_keeps_fractions() {
        assert_eq!(serde_json::from_str::<Whole>("80").unwrap(), Whole::Int(80));
        assert_eq!(serde_json::from_str::<Whole>("-1").unwrap(), Whole::Int(-1));
        assert_eq!(
            serde_json::from_str::<Whole>("80.0").unwrap(),
            Whole::Int(80)
        );
        assert_eq!(
            serde_json::from_str::<Whole>("80.5").unwrap(),
            Whole::NotWhole("80.5".into())
        );
        assert_eq!(
            serde_json::from_str::<Whole>("1e30").unwrap().as_i64(),
            None
        );
        assert_eq!(
            serde_json::to_string(&Whole::NotWhole("80.5".into())).unwrap(),
            "80.5"
        );
        assert_eq!(serde_json::to_string(&Whole::Int(80)).unwrap(), "80");
    }

    #[test]
    fn messagepack_carries_the_decimal_text() {
        let bytes = rmp_serde::to_vec_named(&Whole::Int(600)).unwrap();
        assert_eq!(bytes, rmp_serde::to_vec_named("600").unwrap());
        assert_eq!(
            rmp_serde::from_slice::<Whole>(&bytes).unwrap(),
            Whole::Int(600)
        );
        let int = rmp_serde::to_vec_named(&600i64).unwrap();
        assert_eq!(
            rmp_serde::from_slice::<Whole>(&int).unwrap(),
            Whole::Int(600)
        );
        let half = rmp_serde::to_vec_named(&Whole::NotWhole("80.5".into())).unwrap();
        assert_eq!(
            rmp_serde::from_slice::<Whole>(&half).unwrap(),
            Whole::NotWhole("80.5".into())
        );
    }
}
