//! A sled tree whose values are one serde type, stored as JSON.
//!
//! JSON keeps `fedisec export` trivial and lets an operator read a value with
//! standard tools; a value that no longer decodes is an error, never a panic.

use super::StoreError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::marker::PhantomData;

pub struct Tree<V> {
    pub(super) tree: sled::Tree,
    pub(super) name: &'static str,
    _value: PhantomData<fn() -> V>,
}

impl<V> Clone for Tree<V> {
    fn clone(&self) -> Self {
        Tree { tree: self.tree.clone(), name: self.name, _value: PhantomData }
    }
}

impl<V: Serialize + DeserializeOwned> Tree<V> {
    pub(super) fn open(db: &sled::Db, name: &'static str) -> Result<Tree<V>, StoreError> {
        Ok(Tree { tree: db.open_tree(name)?, name, _value: PhantomData })
    }

    fn decode(&self, key: &[u8], bytes: &[u8]) -> Result<V, StoreError> {
        serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
            tree: self.name,
            key: String::from_utf8_lossy(key).into_owned(),
            reason: e.to_string(),
        })
    }

    /// The sled tree, for multi-tree transactions.
    pub(crate) fn raw(&self) -> &sled::Tree {
        &self.tree
    }

    pub fn get(&self, key: &str) -> Result<Option<V>, StoreError> {
        match self.tree.get(key.as_bytes())? {
            Some(bytes) => Ok(Some(self.decode(key.as_bytes(), &bytes)?)),
            None => Ok(None),
        }
    }

    pub fn contains(&self, key: &str) -> Result<bool, StoreError> {
        Ok(self.tree.contains_key(key.as_bytes())?)
    }

    pub fn insert(&self, key: &str, value: &V) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(value).map_err(|e| StoreError::Encode(e.to_string()))?;
        self.tree.insert(key.as_bytes(), bytes)?;
        Ok(())
    }

    pub fn remove(&self, key: &str) -> Result<(), StoreError> {
        self.tree.remove(key.as_bytes())?;
        Ok(())
    }

    /// All entries in key order.
    pub fn entries(&self) -> Result<Vec<(String, V)>, StoreError> {
        self.tree
            .iter()
            .map(|item| {
                let (k, v) = item?;
                Ok((String::from_utf8_lossy(&k).into_owned(), self.decode(&k, &v)?))
            })
            .collect()
    }

    /// Entries whose key starts with `prefix`, in key order.
    pub fn scan_prefix(&self, prefix: &str) -> Result<Vec<(String, V)>, StoreError> {
        self.tree
            .scan_prefix(prefix.as_bytes())
            .map(|item| {
                let (k, v) = item?;
                Ok((String::from_utf8_lossy(&k).into_owned(), self.decode(&k, &v)?))
            })
            .collect()
    }

    pub fn len(&self) -> usize {
        self.tree.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tree.is_empty()
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
