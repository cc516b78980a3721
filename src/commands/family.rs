//! `family!`: a family's enum of commands, one line per command, and the
//! delegation to each command's file. Adding a command to a family is one
//! line here: `Variant(file::Struct)`; clap names it after the variant.

macro_rules! family {
    ($(#[$meta:meta])* $name:ident { $($variant:ident($file:ty)),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, clap::Subcommand)]
        pub enum $name {
            $($variant($file)),+
        }

        impl $name {
            /// The family's commands, in the order `!help` lists them.
            pub const SPECS: &'static [&'static $crate::commands::CommandSpec] =
                &[$(<$file as $crate::commands::CommandFile>::SPEC),+];

            pub fn spec_in(
                &self,
                purpose: Option<$crate::config::purpose::Purpose>,
            ) -> &'static $crate::commands::CommandSpec {
                match self {
                    $($name::$variant(c) => $crate::commands::CommandFile::spec_in(c, purpose)),+
                }
            }

            pub fn run(
                &self,
                cx: &$crate::commands::Context<'_>,
                text: Option<&str>,
            ) -> Result<$crate::service::Handled, $crate::service::Failure> {
                match self {
                    $($name::$variant(c) => $crate::commands::CommandFile::run(c, cx, text)),+
                }
            }

            pub fn wanted(&self, at: &$crate::commands::At<'_>) -> $crate::commands::Wanted {
                match self {
                    $($name::$variant(c) => $crate::commands::CommandFile::wanted(c, at)),+
                }
            }
        }
    };
}

pub(crate) use family;
