//! `!ping`: the smallest round trip through the whole bot.

use super::Invocation;
use crate::i18n::{self, Reply};

pub fn run(inv: &Invocation<'_>) -> Reply {
    i18n::pong(inv.locale)
}
