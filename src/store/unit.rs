//! Units of work: everything one event changes, committed in one sled
//! transaction, or not at all.
//!
//! A handler runs inside `Store::unit`. While it runs, every write through a
//! `Tree`, the audit log or a counter of that store is staged in memory
//! instead of reaching sled, and every read sees the staged writes first. The
//! handler therefore behaves as a pure function of the state it read: what it
//! returns is the `Changes`, and the worker adds to them the effects (the
//! outbox), the event's processed mark and the removal of its inbox entry,
//! then commits all of it in one transaction and flushes. A crash before the
//! commit leaves nothing behind, so a replay does exactly what the first
//! attempt would have; a crash after it leaves the processed mark, so a
//! replay does nothing.
//!
//! Handlers are synchronous, so the staging area is thread-local: the thread
//! that runs the handler is busy until it returns, and no other task can
//! write into it meanwhile. Stores are told apart by an ID, so a second store
//! (a test's, or `space plan`'s temporary one) is never staged by mistake.

use super::StoreError;
use sled::transaction::{ConflictableTransactionError, TransactionError};
use std::cell::RefCell;
use std::collections::BTreeMap;

/// One tree's staged writes: key → new value (`None`: removed).
type Writes = BTreeMap<Vec<u8>, Option<Vec<u8>>>;
/// Keys and values as raw bytes.
type Pairs = Vec<(Vec<u8>, Vec<u8>)>;

/// Staged writes, per tree.
#[derive(Default)]
pub struct Changes {
    store: u64,
    trees: Vec<(sled::Tree, Writes)>,
}

impl Changes {
    /// How many keys the unit changed.
    pub fn len(&self) -> usize {
        self.trees.iter().map(|(_, w)| w.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The keys changed, per tree (`tree/key`), with whether each is removed
    /// (for the replay tests);
    /// the audit log's sequence numbers are counted, not named (they are
    /// never reused, so a retried unit takes new ones).
    #[cfg(test)]
    pub fn keys(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (tree, writes) in &self.trees {
            let name = String::from_utf8_lossy(&tree.name()).into_owned();
            if name == "audit" {
                out.push(format!("audit: {} entries", writes.len()));
                continue;
            }
            for (k, v) in writes {
                let key = String::from_utf8_lossy(k);
                out.push(format!("{name}/{key}{}", if v.is_none() { " (removed)" } else { "" }));
            }
        }
        out.sort();
        out
    }

    fn writes(&mut self, tree: &sled::Tree) -> &mut Writes {
        let i = match self.trees.iter().position(|(t, _)| t.name() == tree.name()) {
            Some(i) => i,
            None => {
                self.trees.push((tree.clone(), BTreeMap::new()));
                self.trees.len() - 1
            }
        };
        &mut self.trees[i].1
    }

    fn staged(&self, tree: &sled::Tree) -> Option<&Writes> {
        self.trees.iter().find(|(t, _)| t.name() == tree.name()).map(|(_, w)| w)
    }
}

thread_local! {
    static OPEN: RefCell<Option<Changes>> = const { RefCell::new(None) };
}

/// Runs `f` with `changes` as the open unit of store `store`; returns what `f`
/// returned and the changes, now including what `f` staged. A unit already
/// open on this thread for the same store simply continues.
pub(super) fn run<R>(store: u64, changes: Changes, f: impl FnOnce() -> R) -> (R, Changes) {
    let nested = OPEN.with(|open| open.borrow().as_ref().is_some_and(|c| c.store == store));
    if nested {
        return (f(), Changes { store, trees: Vec::new() });
    }
    /// Closes the unit even if `f` panics, so the thread is not left staging.
    struct Close;
    impl Drop for Close {
        fn drop(&mut self) {
            OPEN.with(|open| open.borrow_mut().take());
        }
    }
    OPEN.with(|open| *open.borrow_mut() = Some(Changes { store, trees: changes.trees }));
    let close = Close;
    let result = f();
    let changes = OPEN.with(|open| open.borrow_mut().take()).unwrap_or_default();
    drop(close);
    (result, changes)
}

/// Whether a unit of `store` is open on this thread.
pub(super) fn is_open(store: u64) -> bool {
    OPEN.with(|open| open.borrow().as_ref().is_some_and(|c| c.store == store))
}

/// A value, as the open unit (if any) or sled has it.
pub(super) fn get(store: u64, tree: &sled::Tree, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
    let staged = OPEN.with(|open| {
        let open = open.borrow();
        let c = open.as_ref().filter(|c| c.store == store)?;
        c.staged(tree)?.get(key).cloned()
    });
    match staged {
        Some(v) => Ok(v),
        None => Ok(tree.get(key)?.map(|v| v.to_vec())),
    }
}

/// Writes (or with `None` removes) a value: staged in the open unit, else at once.
pub(super) fn put(store: u64, tree: &sled::Tree, key: &[u8], value: Option<Vec<u8>>) -> Result<(), StoreError> {
    if is_open(store) {
        OPEN.with(|open| {
            if let Some(c) = open.borrow_mut().as_mut() {
                c.writes(tree).insert(key.to_vec(), value);
            }
        });
        return Ok(());
    }
    match value {
        Some(v) => tree.insert(key, v)?,
        None => tree.remove(key)?,
    };
    Ok(())
}

/// Entries whose key starts with `prefix`, in key order, staged writes applied.
pub(super) fn scan(store: u64, tree: &sled::Tree, prefix: &[u8]) -> Result<Pairs, StoreError> {
    let mut merged: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
    for item in tree.scan_prefix(prefix) {
        let (k, v) = item?;
        merged.insert(k.to_vec(), v.to_vec());
    }
    OPEN.with(|open| {
        let open = open.borrow();
        if let Some(w) = open.as_ref().filter(|c| c.store == store).and_then(|c| c.staged(tree)) {
            for (k, v) in w.range(prefix.to_vec()..).take_while(|(k, _)| k.starts_with(prefix)) {
                match v {
                    Some(v) => merged.insert(k.clone(), v.clone()),
                    None => merged.remove(k),
                };
            }
        }
    });
    Ok(merged.into_iter().collect())
}

/// Whether a tree has staged writes in the open unit (so counts must merge).
pub(super) fn touched(store: u64, tree: &sled::Tree) -> bool {
    OPEN.with(|open| open.borrow().as_ref().filter(|c| c.store == store).and_then(|c| c.staged(tree)).is_some())
}

/// Increments the counter at `key` (big-endian u64) and returns its new
/// value, staged in the open unit like any write; a counter not yet written
/// starts after `initial()`.
pub(super) fn next_counter(
    store: u64,
    tree: &sled::Tree,
    key: &[u8],
    initial: impl FnOnce() -> Result<u64, StoreError>,
) -> Result<u64, StoreError> {
    let last = match get(store, tree, key)? {
        Some(v) => <[u8; 8]>::try_from(v.as_slice()).map(u64::from_be_bytes).unwrap_or(0),
        None => initial()?,
    };
    let next = last + 1;
    put(store, tree, key, Some(next.to_be_bytes().to_vec()))?;
    Ok(next)
}

/// Applies the changes in one sled transaction across every tree they touch.
pub(super) fn commit(changes: Changes) -> Result<(), StoreError> {
    if changes.trees.is_empty() {
        return Ok(());
    }
    let trees: Vec<sled::Tree> = changes.trees.iter().map(|(t, _)| t.clone()).collect();
    use sled::Transactional;
    let result = trees[..].transaction(|views| {
        for (view, (_, writes)) in views.iter().zip(&changes.trees) {
            for (k, v) in writes {
                match v {
                    Some(v) => view.insert(k.as_slice(), v.as_slice())?,
                    None => view.remove(k.as_slice())?,
                };
            }
        }
        Ok::<_, ConflictableTransactionError<()>>(())
    });
    match result {
        Ok(()) => Ok(()),
        Err(TransactionError::Storage(e)) => Err(e.into()),
        Err(TransactionError::Abort(())) => Err(StoreError::Encode("transaction aborted".into())),
    }
}

/// A fresh, empty set of changes for `store`.
pub(super) fn empty(store: u64) -> Changes {
    Changes { store, trees: Vec::new() }
}

#[cfg(test)]
mod tests {
    use crate::store::Store;

    #[test]
    fn writes_are_staged_read_back_and_committed_together() {
        let store = Store::temporary().unwrap();
        let a = store.tree::<u32>("a").unwrap();
        let b = store.tree::<u32>("b").unwrap();
        a.insert("old", &1).unwrap();
        let ((), changes) = store.unit(|| {
            a.insert("x", &1).unwrap();
            a.remove("old").unwrap();
            b.insert("y", &2).unwrap();
            assert_eq!(a.get("x").unwrap(), Some(1), "a unit reads its own writes");
            assert_eq!(a.get("old").unwrap(), None);
            assert_eq!(a.entries().unwrap(), vec![("x".to_string(), 1)]);
            assert_eq!(store.next_number("n").unwrap(), 1);
            assert_eq!(store.next_number("n").unwrap(), 2);
        });
        // Nothing reached sled yet: dropping the changes is a crash before commit.
        assert_eq!(a.get("x").unwrap(), None);
        assert_eq!(a.get("old").unwrap(), Some(1));
        assert_eq!(store.next_number("peek").unwrap(), 1);
        assert_eq!(changes.len(), 4);
        store.commit(changes).unwrap();
        assert_eq!(a.get("x").unwrap(), Some(1));
        assert_eq!(a.get("old").unwrap(), None);
        assert_eq!(b.get("y").unwrap(), Some(2));
        assert_eq!(store.next_number("n").unwrap(), 3);
    }

    #[test]
    fn a_dropped_unit_leaves_nothing_and_other_stores_are_not_staged() {
        let store = Store::temporary().unwrap();
        let other = Store::temporary().unwrap();
        let t = store.tree::<u32>("t").unwrap();
        let o = other.tree::<u32>("t").unwrap();
        let ((), changes) = store.unit(|| {
            t.insert("k", &1).unwrap();
            o.insert("k", &2).unwrap();
        });
        drop(changes);
        assert_eq!(t.get("k").unwrap(), None);
        assert_eq!(o.get("k").unwrap(), Some(2), "another store's writes go straight through");
    }

    #[test]
    fn a_unit_can_be_resumed_before_commit() {
        let store = Store::temporary().unwrap();
        let t = store.tree::<u32>("t").unwrap();
        let ((), first) = store.unit(|| t.insert("a", &1).unwrap());
        let ((), both) = store.resume(first, || {
            assert_eq!(t.get("a").unwrap(), Some(1));
            t.insert("b", &2).unwrap();
        });
        store.commit(both).unwrap();
        assert_eq!(t.entries().unwrap().len(), 2);
    }
}
