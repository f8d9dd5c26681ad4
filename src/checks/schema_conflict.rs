//! SCH001: two schema declarations that cannot both be true (reported by the lint driver, which
//! merges the schema files; see `crate::schema::driver`).

use super::{Check, CheckMeta, declare_check};

declare_check! {
    /// ## What it does
    /// Reports schema files that contradict each other (or themselves): the same metric declared
    /// with two types or two units, or two metrics claiming the same series, such as a gauge
    /// `foo_count` next to a histogram `foo` (whose `_count` series it is). The finding points at
    /// the later declaration, with the earlier one as a secondary location.
    ///
    /// ## Why is this bad?
    /// The schema checks believe the schema. With two answers for one metric, whichever is read
    /// first decides whether `rate()` over it is flagged, which labels it has, and so on, and the
    /// other exporter's rules are checked against the wrong facts. Conflicts usually mean two
    /// exporters reuse a name for different things, which also confuses the queries themselves.
    ///
    /// ## Example
    /// ```yaml,schema
    /// metrics:
    ///   inference_queue:
    ///     type: histogram
    ///   inference_queue_count:
    ///     type: gauge
    /// ```
    /// ```yaml,bad
    /// groups: []
    /// ```
    ///
    /// ## Use instead
    /// ```yaml,schema
    /// metrics:
    ///   inference_queue:
    ///     type: histogram
    ///   inference_queue_length:
    ///     type: gauge
    /// ```
    /// ```yaml,good
    /// groups: []
    /// ```
    pub SchemaConflict {
        code: "SCH001",
        name: "schema-conflict",
        category: Schema,
        severity: Error,
        summary: "schema files declare the same metric or series differently",
        sources: [],
    }
}

impl Check for SchemaConflict {
    fn meta(&self) -> &'static CheckMeta {
        &Self::META
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::testing::findings_with_schema;

    #[test]
    fn points_into_the_schema_file() {
        let schema = "metrics:\n  a: {type: gauge}\n  a_created: {type: gauge}\n  b: {type: histogram}\n  b_sum: {type: counter}\n";
        let f = findings_with_schema("SCH001", "groups: []\n", Some(schema));
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(
            f[0].message.contains("series `b_sum` of counter `b_sum` is also a series of histogram `b`"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].secondary.len(), 1);
        let none = findings_with_schema("SCH001", "groups: []\n", Some("metrics:\n  a: {type: gauge}\n"));
        assert!(none.is_empty());
    }
}
