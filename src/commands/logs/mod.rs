//! Log-sharing commands in ログ共有. The service is `crate::logs`.

mod iocs;
mod log;

#[cfg(test)]
mod tests;

super::family::family! {
    /// Shared logs and the indicators drawn from them.
    Logs {
        Log(log::Log),
        Iocs(iocs::Iocs),
    }
}

/// `!log`'s spec: every log shared in ログ共有, typed as `!log` or not, is
/// admitted by it.
pub fn share_spec() -> &'static super::CommandSpec {
    <log::Log as super::CommandFile>::SPEC
}
