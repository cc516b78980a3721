//! Feed commands for moderators. The service is `crate::feeds::commands`.

mod feed;

#[cfg(test)]
mod tests;

super::family::family! {
    /// The vulnerability and news feeds.
    Feeds {
        Feed(feed::Feed),
    }
}
