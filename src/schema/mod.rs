//! Exporter schemas: what metrics and labels really exist, read from a schema file or imported
//! from an exposition (`/metrics`), and what PromQL expressions do with labels.

pub mod driver;
pub mod exposition;
pub mod import;
pub mod knowledge;
pub mod labels;
pub mod load;
pub mod model;
pub mod site;
pub mod suggest;
pub mod template_refs;
pub mod values;

pub use model::{
    Conflict, LabelDef, LabelOrigin, Metric, MetricType, Schema, SchemaError, SchemaFile, SeriesRef, SeriesRole,
};
