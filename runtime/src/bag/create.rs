//! Making bags: from any iterator (cut into partitions), or from the lines of text files
//! named by a glob pattern (one or more partitions per file, read when computed).

use std::sync::Arc;

use super::collection::Bag;
use super::error::BagError;
use super::files::{byte_ranges, file_size, matching_files, read_lines};
use crate::tasks::{AnyDelayed, Value};
use crate::tree::fresh_name;

impl<T: Send + Sync + 'static> Bag<T> {
    /// A bag of `items`, in `npartitions` partitions of about equal length (Dask's
    /// `from_sequence`). The items are held in memory as ready partitions.
    ///
    /// ```
    /// let bag = rhpc::bag::Bag::from_iter(0..10, 3)?;
    /// assert_eq!(bag.npartitions(), 3);
    /// assert_eq!(bag.compute()?, (0..10).collect::<Vec<_>>());
    /// assert!(rhpc::bag::Bag::from_iter(0..10, 0).is_err());
    /// # Ok::<(), rhpc::bag::BagError>(())
    /// ```
    pub fn from_iter(
        items: impl IntoIterator<Item = T>,
        npartitions: usize,
    ) -> Result<Bag<T>, BagError> {
        if npartitions == 0 {
            return Err(BagError::NoPartitions);
        }
        let items: Vec<T> = items.into_iter().collect();
        let base = fresh_name("from_sequence");
        let n = items.len();
        let mut rest = items.into_iter();
        let partitions = (0..npartitions)
            .map(|p| {
                let len = n * (p + 1) / npartitions - n * p / npartitions;
                let part: Vec<T> = rest.by_ref().take(len).collect();
                AnyDelayed::value(format!("{base}{p:x}"), Arc::new(part))
            })
            .collect();
        Ok(Bag::from_partitions(partitions, "from_sequence"))
    }
}

impl Bag<String> {
    /// The lines of the files matching `pattern` (a glob: `logs/*.txt`), one partition
    /// per file, without line endings. Files are read when the bag is computed.
    ///
    /// ```
    /// let dir = std::env::temp_dir().join(format!("rhpc-doc-bag-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// std::fs::write(dir.join("a.txt"), "one\ntwo\n")?;
    /// std::fs::write(dir.join("b.txt"), "three\n")?;
    /// let lines = rhpc::bag::Bag::read_text(&format!("{}/*.txt", dir.display()))?;
    /// assert_eq!(lines.npartitions(), 2);
    /// assert_eq!(lines.compute()?, vec!["one", "two", "three"]);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read_text(pattern: &str) -> Result<Bag<String>, BagError> {
        Bag::read_text_split(pattern, 1)
    }

    /// The lines of the files matching `pattern`, each file split into `per_file`
    /// partitions of about equal size in bytes (every line in exactly one of them).
    ///
    /// ```
    /// let dir = std::env::temp_dir().join(format!("rhpc-doc-split-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// std::fs::write(dir.join("a.txt"), "one\ntwo\nthree\nfour\n")?;
    /// let lines = rhpc::bag::Bag::read_text_split(&format!("{}/a.txt", dir.display()), 3)?;
    /// assert_eq!(lines.npartitions(), 3);
    /// assert_eq!(lines.compute()?, vec!["one", "two", "three", "four"]);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read_text_split(pattern: &str, per_file: usize) -> Result<Bag<String>, BagError> {
        if per_file == 0 {
            return Err(BagError::NoPartitions);
        }
        let mut partitions = Vec::new();
        for path in matching_files(pattern)? {
            let size = file_size(&path)?;
            for (start, end) in byte_ranges(size, per_file) {
                let path = path.clone();
                partitions.push(AnyDelayed::task("read_text", Vec::new(), move |_| {
                    Ok(Arc::new(read_lines(&path, start, end)?) as Value)
                }));
            }
        }
        Ok(Bag::from_partitions(partitions, "read_text"))
    }
}
