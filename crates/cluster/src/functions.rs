//! Fidelis's own functions, registered on the client, the scheduler and every executor (a
//! plan naming a function one of them does not know is refused), so that the cluster applies
//! the conventions of the single-machine code by calling that code:
//!
//! - `fidelis_id(text)`: a customer id as the file readers take it (trimmed);
//! - `fidelis_day(text [, format])`: a purchase date's day number (days since 1970-01-01),
//!   `domain::time::day_of_text`, NULL where the text is not a date;
//! - `fidelis_customer(day, amount, calibration_end, period)`: one customer's CDNOW summary,
//!   `analytics::summary::customer_stats` (same-day purchases one, the first day not a repeat,
//!   x, t_x, T, mean repeat spend …), as a struct; NULL when their first purchase is after the
//!   calibration end.

use analytics::summary::{customer_stats, CustomerStats, Period};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Float64Array, Int32Array, Int64Array, Int64Builder, ListArray,
    StringArray, StructArray,
};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::datatypes::{
    DataType, Field, FieldRef, Fields, Float64Type, Int32Type, Int64Type,
};
use datafusion::common::{exec_err, Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, ColumnarValue, ScalarFunctionArgs, ScalarUDF,
    ScalarUDFImpl, Signature, TypeSignature, Volatility,
};
use datafusion::physical_expr::expressions::Literal;
use std::sync::Arc;

/// Every function Fidelis adds.
pub fn scalar_functions() -> Vec<Arc<ScalarUDF>> {
    vec![
        Arc::new(ScalarUDF::from(CustomerId::new())),
        Arc::new(ScalarUDF::from(DayOfText::new())),
    ]
}

pub fn aggregate_functions() -> Vec<Arc<AggregateUDF>> {
    vec![Arc::new(AggregateUDF::from(CustomerSummary::new()))]
}

fn strings(v: &ColumnarValue, rows: usize) -> Result<StringArray> {
    let a = v.to_array(rows)?;
    let a = datafusion::arrow::compute::cast(&a, &DataType::Utf8)?;
    Ok(a.as_string::<i32>().clone())
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct CustomerId {
    signature: Signature,
}

impl CustomerId {
    fn new() -> Self {
        CustomerId {
            signature: Signature::one_of(vec![TypeSignature::String(1)], Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for CustomerId {
    fn name(&self) -> &str {
        "fidelis_id"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let s = strings(&args.args[0], args.number_rows)?;
        let out: StringArray = s.iter().map(|v| v.map(str::trim)).collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct DayOfText {
    signature: Signature,
}

impl DayOfText {
    fn new() -> Self {
        DayOfText {
            signature: Signature::one_of(
                vec![TypeSignature::String(1), TypeSignature::String(2)],
                Volatility::Immutable,
            ),
        }
    }
}

impl ScalarUDFImpl for DayOfText {
    fn name(&self) -> &str {
        "fidelis_day"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int64)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let text = strings(&args.args[0], rows)?;
        let format = match args.args.get(1) {
            Some(ColumnarValue::Scalar(s)) => s.try_as_str().flatten().map(str::to_string),
            Some(_) => return exec_err!("fidelis_day: the date format must be a constant"),
            None => None,
        };
        let mut out = Int64Builder::with_capacity(text.len());
        for v in text.iter() {
            out.append_option(v.and_then(|s| domain::time::day_of_text(s, format.as_deref()).ok()));
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    }
}

/// The struct `fidelis_customer` gives: the fields of [`CustomerStats`] a run uses.
pub fn summary_fields() -> Fields {
    Fields::from(vec![
        Field::new("x", DataType::Int64, false),
        Field::new("t_x", DataType::Float64, false),
        Field::new("t", DataType::Float64, false),
        Field::new("zbar", DataType::Float64, false),
        Field::new("first_day", DataType::Int64, false),
        Field::new("last_day", DataType::Int64, false),
        Field::new("last_calibration_day", DataType::Int64, false),
        Field::new("calibration_spend", DataType::Float64, false),
        Field::new("total_spend", DataType::Float64, false),
        Field::new("purchase_days", DataType::Int64, false),
    ])
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct CustomerSummary {
    signature: Signature,
}

impl CustomerSummary {
    fn new() -> Self {
        CustomerSummary {
            signature: Signature::exact(
                vec![
                    DataType::Int64,
                    DataType::Float64,
                    DataType::Int64,
                    DataType::Utf8,
                ],
                Volatility::Immutable,
            ),
        }
    }
}

fn literal<'a>(args: &'a AccumulatorArgs, k: usize, what: &str) -> Result<&'a ScalarValue> {
    match args.exprs[k].downcast_ref::<Literal>() {
        Some(l) => Ok(l.value()),
        None => exec_err!("fidelis_customer: the {what} must be a constant"),
    }
}

impl AggregateUDFImpl for CustomerSummary {
    fn name(&self) -> &str {
        "fidelis_customer"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Struct(summary_fields()))
    }
    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let list = |name: &str, t: DataType| {
            Arc::new(Field::new(
                format!("{}[{name}]", args.name),
                DataType::List(Arc::new(Field::new_list_field(t, false))),
                true,
            ))
        };
        Ok(vec![
            list("days", DataType::Int32),
            list("amounts", DataType::Float64),
        ])
    }
    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let calibration_end = match literal(&args, 2, "calibration end")? {
            ScalarValue::Int64(Some(d)) => *d,
            other => return exec_err!("fidelis_customer: calibration end {other:?}"),
        };
        let period = match literal(&args, 3, "period")?.try_as_str().flatten() {
            Some("day") => Period::Day,
            Some("week") => Period::Week,
            Some("month") => Period::Month,
            other => return exec_err!("fidelis_customer: unknown period {other:?}"),
        };
        Ok(Box::new(CustomerAccumulator {
            calibration_end: calibration_end.clamp(i32::MIN.into(), i32::MAX.into()) as i32,
            period,
            purchases: Vec::new(),
        }))
    }
}

#[derive(Debug)]
struct CustomerAccumulator {
    calibration_end: i32,
    period: Period,
    purchases: Vec<(i32, f64)>,
}

fn list_of(values: ArrayRef) -> ScalarValue {
    let len = values.len();
    let field = Arc::new(Field::new_list_field(values.data_type().clone(), false));
    ScalarValue::List(Arc::new(ListArray::new(
        field,
        OffsetBuffer::from_lengths([len]),
        values,
        None,
    )))
}

impl Accumulator for CustomerAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let days = values[0].as_primitive::<Int64Type>();
        let amounts = values[1].as_primitive::<Float64Type>();
        for i in 0..days.len() {
            if days.is_valid(i) && amounts.is_valid(i) {
                let d = days.value(i).clamp(i32::MIN.into(), i32::MAX.into()) as i32;
                self.purchases.push((d, amounts.value(i)));
            }
        }
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let (days, amounts) = (states[0].as_list::<i32>(), states[1].as_list::<i32>());
        for i in 0..days.len() {
            if days.is_null(i) {
                continue;
            }
            let d = days.value(i);
            let a = amounts.value(i);
            let (d, a) = (
                d.as_primitive::<Int32Type>(),
                a.as_primitive::<Float64Type>(),
            );
            self.purchases
                .extend(d.values().iter().copied().zip(a.values().iter().copied()));
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let days: Int32Array = self.purchases.iter().map(|p| p.0).collect();
        let amounts: Float64Array = self.purchases.iter().map(|p| p.1).collect();
        Ok(vec![list_of(Arc::new(days)), list_of(Arc::new(amounts))])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let fields = summary_fields();
        let Some(s) = customer_stats(&mut self.purchases, self.calibration_end, self.period) else {
            return ScalarValue::try_from(DataType::Struct(fields));
        };
        let CustomerStats {
            x,
            t_x,
            t,
            zbar,
            first_day,
            last_day,
            last_calibration_day,
            calibration_spend,
            total_spend,
            purchase_days,
            ..
        } = s;
        let int = |v: i64| -> ArrayRef { Arc::new(Int64Array::from(vec![v])) };
        let num = |v: f64| -> ArrayRef { Arc::new(Float64Array::from(vec![v])) };
        let columns = vec![
            int(x.into()),
            num(t_x),
            num(t),
            num(zbar),
            int(first_day.into()),
            int(last_day.into()),
            int(last_calibration_day.into()),
            num(calibration_spend),
            num(total_spend),
            int(purchase_days.into()),
        ];
        Ok(ScalarValue::Struct(Arc::new(StructArray::try_new(
            fields, columns, None,
        )?)))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.purchases.capacity() * std::mem::size_of::<(i32, f64)>()
    }
}
