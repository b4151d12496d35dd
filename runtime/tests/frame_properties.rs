//! Property tests: partitioned dataframes read from generated CSV and Parquet files against
//! the same computation done row by row in plain Rust.

#![cfg(feature = "frame")]

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::{Array, Float64Array, Int64Array, StringArray};
use proptest::prelude::*;
use rhpc::frame::{Agg, DataFrame, col, lit};
use rhpc::tasks::{Compute, Synchronous, Threads};

/// One row: a key, an integer and a float.
type Row = (String, i64, f64);

fn rows() -> impl Strategy<Value = Vec<Vec<Row>>> {
    let row = ("[a-d]", -100i64..100, -10.0f64..10.0);
    prop::collection::vec(prop::collection::vec(row, 1..40), 1..5)
}

fn write_files(files: &[Vec<Row>]) -> std::path::PathBuf {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    format!("{files:?}").hash(&mut h);
    let dir = std::env::temp_dir().join(format!(
        "rhpc-frame-{}-{:x}",
        std::process::id(),
        h.finish()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    for (i, rows) in files.iter().enumerate() {
        let mut text = String::from("key,n,x\n");
        for (k, n, x) in rows {
            // Floats written with a fraction so the column is inferred as Float64.
            text.push_str(&format!("{k},{n},{x:.6}\n"));
        }
        std::fs::write(dir.join(format!("{i:02}.csv")), text).unwrap();
    }
    dir
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * (1.0 + a.abs().max(b.abs()))
}

/// Column `i` of `table` as the array type `A`.
fn column<A: Array + Clone + 'static>(table: &arrow_array::RecordBatch, i: usize) -> A {
    table
        .column(i)
        .as_any()
        .downcast_ref::<A>()
        .unwrap()
        .clone()
}

/// x as it is written to (and read back from) the files: six decimals.
fn stored(x: f64) -> f64 {
    format!("{x:.6}").parse().unwrap()
}

/// The same rows as Parquet files, one per input file, in row groups of `group_rows`.
fn write_parquet_files(files: &[Vec<Row>], group_rows: usize) -> std::path::PathBuf {
    use rhpc::frame::parquet::arrow::ArrowWriter;
    use rhpc::frame::parquet::file::properties::WriterProperties;
    let dir = write_files(files).join("parquet");
    std::fs::create_dir_all(&dir).unwrap();
    for (i, rows) in files.iter().enumerate() {
        let batch = arrow_array::RecordBatch::try_from_iter([
            (
                "key",
                Arc::new(
                    rows.iter()
                        .map(|r| Some(r.0.as_str()))
                        .collect::<StringArray>(),
                ) as _,
            ),
            (
                "n",
                Arc::new(rows.iter().map(|r| r.1).collect::<Int64Array>()) as _,
            ),
            (
                "x",
                Arc::new(rows.iter().map(|r| stored(r.2)).collect::<Float64Array>()) as _,
            ),
        ])
        .unwrap();
        let properties = WriterProperties::builder()
            .set_max_row_group_row_count(Some(group_rows))
            .build();
        let file = std::fs::File::create(dir.join(format!("{i:02}.parquet"))).unwrap();
        let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(properties)).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
    }
    dir
}

/// Filters `df` (the rows of `files`), adds a column, aggregates by key, and checks every
/// aggregate against the same computed row by row.
fn check_aggregations(
    df: DataFrame,
    files: &[Vec<Row>],
    threshold: i64,
) -> Result<(), TestCaseError> {
    let df = df
        .filter(col("n").gt(lit(threshold)))
        .unwrap()
        .with_column("y", col("x") * 2.0 + col("n"))
        .unwrap();
    let table = df
        .groupby(&["key"])
        .unwrap()
        .agg(&[
            ("y", Agg::Sum),
            ("y", Agg::Mean),
            ("n", Agg::Count),
            ("n", Agg::Min),
            ("x", Agg::Max),
        ])
        .unwrap()
        .compute_with(&Synchronous)
        .unwrap();

    let mut groups: BTreeMap<String, Vec<(i64, f64)>> = BTreeMap::new();
    for (k, n, x) in files.iter().flatten() {
        if *n > threshold {
            groups.entry(k.clone()).or_default().push((*n, stored(*x)));
        }
    }
    prop_assert_eq!(table.num_rows(), groups.len());
    let keys: StringArray = column(&table, 0);
    let float = |i: usize| column::<Float64Array>(&table, i);
    let (sums, means, maxs) = (float(1), float(2), float(5));
    // Counts, and the minimum of an integer column, are integers.
    let (counts, mins): (Int64Array, Int64Array) = (column(&table, 3), column(&table, 4));
    for (row, (key, members)) in groups.iter().enumerate() {
        prop_assert_eq!(keys.value(row), key.as_str());
        let ys: Vec<f64> = members.iter().map(|(n, x)| x * 2.0 + *n as f64).collect();
        let sum: f64 = ys.iter().sum();
        prop_assert!(close(sums.value(row), sum));
        prop_assert!(close(means.value(row), sum / ys.len() as f64));
        prop_assert_eq!(counts.value(row), members.len() as i64);
        prop_assert_eq!(mins.value(row), members.iter().map(|m| m.0).min().unwrap());
        let max = members
            .iter()
            .map(|m| m.1)
            .fold(f64::NEG_INFINITY, f64::max);
        prop_assert!(close(maxs.value(row), max));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn filtered_groupby_aggregations_match_rows(files in rows(), threshold in -50i64..50, fan_in in 2usize..4) {
        let dir = write_files(&files);
        let df = DataFrame::read_csv(&format!("{}/*.csv", dir.display())).unwrap().with_fan_in(fan_in).unwrap();
        prop_assert_eq!(df.npartitions(), files.len());
        check_aggregations(df, &files, threshold)?;
        let total: usize = files.iter().map(Vec::len).sum();
        prop_assert_eq!(DataFrame::read_csv(&format!("{}/*.csv", dir.display())).unwrap().len().compute().unwrap(), total);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn parquet_row_groups_give_the_same_aggregations(files in rows(), threshold in -50i64..50, fan_in in 2usize..4, group_rows in 1usize..16) {
        let dir = write_parquet_files(&files, group_rows);
        let df = DataFrame::read_parquet(&format!("{}/*.parquet", dir.display())).unwrap().with_fan_in(fan_in).unwrap();
        let row_groups: usize = files.iter().map(|rows| rows.len().div_ceil(group_rows)).sum();
        prop_assert_eq!(df.npartitions(), row_groups);
        check_aggregations(df.clone(), &files, threshold)?;
        // Written back out and read again, partition by partition, nothing changes.
        let copy = dir.join("copy");
        prop_assert_eq!(df.to_parquet(&copy).unwrap().len(), row_groups);
        let again = DataFrame::read_parquet(&format!("{}/*.parquet", copy.display())).unwrap();
        prop_assert_eq!(again.compute().unwrap(), df.compute().unwrap());
        std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
    }
}

#[test]
fn head_and_compute_agree_on_threads() {
    let files: Vec<Vec<Row>> = (0..3)
        .map(|f| {
            (0..10)
                .map(|i| (format!("k{}", i % 3), f * 10 + i, i as f64 / 4.0))
                .collect()
        })
        .collect();
    let dir = write_files(&files);
    let df = DataFrame::read_csv(&format!("{}/*.csv", dir.display())).unwrap();
    let pool = Threads::new(2).unwrap();
    let all = Compute::with_borrowed(&pool)
        .progress(true)
        .run(&df)
        .unwrap();
    assert_eq!(all.num_rows(), 30);
    let head = df.head(12).unwrap();
    assert_eq!(head.num_rows(), 12);
    assert_eq!(head, all.slice(0, 12));
    std::fs::remove_dir_all(&dir).unwrap();
}
