//! Reading a JSON body into a typed request strictly: where the type has a struct (an object of
//! named fields), the body must have a JSON object. serde_json on its own also reads a struct
//! from an array, field by field in order — so `[]` for a settings object would be read as
//! "every field at its default" and silently reset them. Everything else reads as serde_json
//! reads it.

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::forward_to_deserialize_any;
use serde_json::{Error, Map, Value};

/// `T` from `v`, refusing an array where `T` (at any depth) has a struct.
pub fn from_value<T: de::DeserializeOwned>(v: Value) -> Result<T, Error> {
    T::deserialize(Strict(v))
}

struct Strict(Value);

impl<'de> de::Deserializer<'de> for Strict {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(a) => visitor.visit_seq(Seq(a.into_iter())),
            Value::Object(m) => visitor.visit_map(Obj::new(m)),
            v => de::Deserializer::deserialize_any(v, visitor),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(m) => visitor.visit_map(Obj::new(m)),
            Value::Array(_) => Err(de::Error::invalid_type(
                de::Unexpected::Seq,
                &"a JSON object",
            )),
            v => de::Deserializer::deserialize_any(v, visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            v => visitor.visit_some(Strict(v)),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_enum(self.0, name, variants, visitor)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

struct Seq(std::vec::IntoIter<Value>);

impl<'de> SeqAccess<'de> for Seq {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.0
            .next()
            .map(|v| seed.deserialize(Strict(v)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Obj {
    entries: serde_json::map::IntoIter,
    value: Option<Value>,
}

impl Obj {
    fn new(m: Map<String, Value>) -> Obj {
        Obj {
            entries: m.into_iter(),
            value: None,
        }
    }
}

impl<'de> MapAccess<'de> for Obj {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.entries.next() {
            Some((k, v)) => {
                self.value = Some(v);
                seed.deserialize(k.into_deserializer()).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        seed.deserialize(Strict(self.value.take().unwrap_or(Value::Null)))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq, Default)]
    #[serde(default)]
    struct Inner {
        a: i64,
        b: String,
    }

    #[derive(Debug, Deserialize, PartialEq, Default)]
    #[serde(default)]
    struct Outer {
        inner: Inner,
        list: Vec<Inner>,
        maybe: Option<Inner>,
        n: f64,
        tags: Vec<String>,
    }

    #[test]
    fn objects_read_as_before_arrays_for_structs_refused() {
        let v = serde_json::json!({"inner": {"a": 1, "b": "x"}, "list": [{"a": 2}], "maybe": null, "n": 3, "tags": ["p"]});
        let got: Outer = from_value(v.clone()).unwrap();
        assert_eq!(got, serde_json::from_value::<Outer>(v).unwrap());
        assert_eq!((got.inner.a, got.list[0].a, got.n), (1, 2, 3.0));
        for bad in [
            serde_json::json!([]),
            serde_json::json!({"inner": []}),
            serde_json::json!({"inner": [5, "y"]}),
            serde_json::json!({"list": [[1]]}),
            serde_json::json!({"maybe": []}),
        ] {
            assert!(
                serde_json::from_value::<Outer>(bad.clone()).is_ok(),
                "serde_json alone takes {bad}"
            );
            assert!(from_value::<Outer>(bad.clone()).is_err(), "{bad}");
        }
        // Other mistakes are still refused as serde_json refuses them.
        assert!(from_value::<Outer>(serde_json::json!({"n": "three"})).is_err());
    }
}
