//! A sled tree whose values are one serde type, stored as JSON.
//!
//! JSON keeps `fedisec export` trivial and lets an operator read a value with
//! standard tools; a value that no longer decodes is an error, never a panic.

use super::{StoreError, unit};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::marker::PhantomData;

pub struct Tree<V> {
    pub(super) tree: sled::Tree,
    pub(super) name: &'static str,
    /// The store's ID, so writes in one of its units are staged.
    pub(super) store: u64,
    _value: PhantomData<fn() -> V>,
}

impl<V> Clone for Tree<V> {
    fn clone(&self) -> Self {
        Tree { tree: self.tree.clone(), name: self.name, store: self.store, _value: PhantomData }
    }
}

impl<V: Serialize + DeserializeOwned> Tree<V> {
    pub(super) fn open(db: &sled::Db, store: u64, name: &'static str) -> Result<Tree<V>, StoreError> {
        Ok(Tree { tree: db.open_tree(name)?, name, store, _value: PhantomData })
    }

    fn decode(&self, key: &[u8], bytes: &[u8]) -> Result<V, StoreError> {
        serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
            tree: self.name,
            key: String::from_utf8_lossy(key).into_owned(),
            reason: e.to_string(),
        })
    }

    pub fn get(&self, key: &str) -> Result<Option<V>, StoreError> {
        match unit::get(self.store, &self.tree, key.as_bytes())? {
            Some(bytes) => Ok(Some(self.decode(key.as_bytes(), &bytes)?)),
            None => Ok(None),
        }
    }

    pub fn contains(&self, key: &str) -> Result<bool, StoreError> {
        Ok(unit::get(self.store, &self.tree, key.as_bytes())?.is_some())
    }

    pub fn insert(&self, key: &str, value: &V) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(value).map_err(|e| StoreError::Encode(e.to_string()))?;
        unit::put(self.store, &self.tree, key.as_bytes(), Some(bytes))
    }

    pub fn remove(&self, key: &str) -> Result<(), StoreError> {
        unit::put(self.store, &self.tree, key.as_bytes(), None)
    }

    /// All entries in key order.
    pub fn entries(&self) -> Result<Vec<(String, V)>, StoreError> {
        self.scan_prefix("")
    }

    /// Entries whose key starts with `prefix`, in key order.
    pub fn scan_prefix(&self, prefix: &str) -> Result<Vec<(String, V)>, StoreError> {
        unit::scan(self.store, &self.tree, prefix.as_bytes())?
            .into_iter()
            .map(|(k, v)| Ok((String::from_utf8_lossy(&k).into_owned(), self.decode(&k, &v)?)))
            .collect()
    }

    pub fn len(&self) -> usize {
        if unit::touched(self.store, &self.tree) {
            return unit::scan(self.store, &self.tree, b"").map_or(0, |v| v.len());
        }
        self.tree.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes entries for which `stale` says so; returns how many.
    pub fn retain(&self, mut keep: impl FnMut(&V) -> bool) -> Result<usize, StoreError> {
        let mut removed = 0;
        for (k, v) in self.entries()? {
            if !keep(&v) {
                self.remove(&k)?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}
