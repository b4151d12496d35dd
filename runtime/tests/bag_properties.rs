//! Property tests: bags against the same computation on plain iterators, for random items,
//! partition counts and fan-ins; text files generated in a temporary directory.

use std::collections::BTreeMap;

use proptest::prelude::*;
use rhpc::bag::Bag;
use rhpc::tasks::{Client, Compute, Synchronous};

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn transformations_and_aggregations_match_iterators(
        items in prop::collection::vec(0u32..40, 0..200),
        npartitions in 1usize..9,
        fan_in in 2usize..5,
    ) {
        let bag = Bag::from_iter(items.clone(), npartitions).unwrap().with_fan_in(fan_in).unwrap();
        let mapped = bag.map(|x| x * 3).filter(|x| x % 2 == 0).flat_map(|&x| vec![x; (x % 3) as usize]);
        let reference: Vec<u32> = items.iter().map(|x| x * 3).filter(|x| x % 2 == 0)
            .flat_map(|x| vec![x; (x % 3) as usize]).collect();
        prop_assert_eq!(mapped.compute().unwrap(), reference.clone());
        prop_assert_eq!(mapped.count().compute().unwrap(), reference.len());
        prop_assert_eq!(mapped.take(5).unwrap(), reference.iter().take(5).copied().collect::<Vec<_>>());
        let sum = bag.fold(0u64, |a, &x| a + u64::from(x), |a, b| a + b).compute().unwrap();
        prop_assert_eq!(sum, items.iter().map(|&x| u64::from(x)).sum::<u64>());
        prop_assert_eq!(bag.reduce(|a, b| *a.max(b)).compute().unwrap(), items.iter().copied().max());

        let mut counts: BTreeMap<u32, usize> = BTreeMap::new();
        for &x in &items { *counts.entry(x).or_default() += 1; }
        let frequencies = bag.frequencies().compute().unwrap();
        prop_assert_eq!(frequencies.iter().map(|(k, n)| (*k, *n)).collect::<BTreeMap<_, _>>(), counts);
        prop_assert!(frequencies.windows(2).all(|w| w[0].1 >= w[1].1));

        let mut groups: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        for &x in &items { groups.entry(x % 5).or_default().push(x); }
        let grouped = bag.group_by(|x| x % 5).compute().unwrap();
        prop_assert_eq!(grouped, groups.clone().into_iter().collect::<Vec<_>>());
        let folded = bag.fold_by(|x| x % 5, 0usize, |n, _| n + 1, |a, b| a + b).compute().unwrap();
        prop_assert_eq!(folded, groups.into_iter().map(|(k, v)| (k, v.len())).collect::<Vec<_>>());
    }

    #[test]
    fn text_files_give_every_line_once(
        files in prop::collection::vec(prop::collection::vec("[a-c ]{0,12}", 0..30), 1..4),
        per_file in 1usize..6,
    ) {
        let dir = std::env::temp_dir().join(format!(
            "rhpc-bag-{}-{:x}", std::process::id(), rand_suffix(&files)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let mut expected = Vec::new();
        for (i, lines) in files.iter().enumerate() {
            let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
            std::fs::write(dir.join(format!("part-{i:02}.txt")), text).unwrap();
            expected.extend(lines.iter().cloned());
        }
        let pattern = format!("{}/part-*.txt", dir.display());
        let bag = Bag::read_text_split(&pattern, per_file).unwrap();
        prop_assert_eq!(bag.npartitions(), files.len() * per_file);
        let lines = bag.compute_with(&Synchronous).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        prop_assert_eq!(lines, expected);
    }
}

/// A directory suffix from the case's content, so parallel test runs do not collide.
fn rand_suffix(files: &[Vec<String>]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    files.hash(&mut h);
    h.finish()
}

#[test]
fn word_counts_run_on_a_client() {
    let lines = Bag::from_iter(["a b a", "c a", "b"], 2).unwrap();
    let words = lines.flat_map(|l| l.split(' ').map(String::from).collect::<Vec<_>>());
    let client = Client::with_workers(2).unwrap();
    let top = Compute::with_borrowed(&client)
        .run(&words.frequencies())
        .unwrap();
    assert_eq!(top[0], ("a".to_string(), 3));
    assert!(!client.task_stream().is_empty());
}
