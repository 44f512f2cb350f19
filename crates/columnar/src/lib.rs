//! Parquet in and out, as a data lake holds it (issue 21 §1): the input of an analysis may be
//! one file, a directory of files (read recursively, in name order) or a glob of files; its
//! columns are read with Apache Arrow's own Parquet reader and handed over cell by cell in the
//! few shapes an analysis needs ([`Cell`]). Output tables are written with typed columns
//! ([`Kind`]) to a temporary file moved into place when complete, so a failed write never
//! leaves a file that looks whole.
//!
//! No knowledge of customers or money here: the caller maps columns and says what a cell means.

mod read;
mod write;

pub use read::{
    column_types, expand, is_parquet, read_columns, Cell, ColumnType, ParquetInput, ReadError,
};
pub use write::{Kind, Value, Writer};
