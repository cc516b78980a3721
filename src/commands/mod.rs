//! Chat commands: a grammar, a table of who may run what where, and one
//! module per command family.
//!
//! Every command declares the role it needs and the room purposes it is
//! allowed in. `dispatch` checks both, in one place, before any handler runs,
//! so a handler never has to remember to check permissions.

pub mod dispatch;
pub mod grammar;
mod help;
mod ping;
#[cfg(test)]
mod readme_table_tests;
#[cfg(test)]
mod replay_tests;
#[cfg(test)]
pub(crate) mod testkit;

use crate::config::layout::Layout;
use crate::config::purpose::Purpose;
use crate::effects::{Effect, Provenance, txn_id};
use crate::i18n::{Locale, Reply};
use crate::roles::Role;
use crate::space::directory::Directory;
use crate::store::{Sealer, Store, StoreError};

pub use dispatch::{Wanted, dispatch, dispatch_typed, wanted};

/// Where a command may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Any room of the community Space.
    AnySpaceRoom,
    /// Any room of the Space, and a direct chat with the bot.
    SpaceRoomsAndDirect,
    /// Only rooms with one of these purposes.
    Purposes(&'static [Purpose]),
    /// Rooms with one of these purposes, and a direct chat with the bot.
    PurposesAndDirect(&'static [Purpose]),
}

impl Scope {
    /// Whether the command may run in a room of `purpose` (`None`: a direct chat).
    pub fn allows(self, purpose: Option<Purpose>) -> bool {
        match (self, purpose) {
            (Scope::AnySpaceRoom, p) => p.is_some(),
            (Scope::SpaceRoomsAndDirect, _) => true,
            (Scope::Purposes(list) | Scope::PurposesAndDirect(list), Some(p)) => list.contains(&p),
            (Scope::Purposes(_), None) => false,
            (Scope::PurposesAndDirect(_), None) => true,
        }
    }
}

/// A command's declaration.
pub struct CommandSpec {
    pub name: &'static str,
    /// Usage without the prefix, per locale.
    pub usage: (&'static str, &'static str),
    pub summary: (&'static str, &'static str),
    pub role: Role,
    pub scope: Scope,
}

impl CommandSpec {
    pub fn usage(&self, locale: Locale, prefix: &str) -> String {
        format!("{prefix}{}", locale.pick(self.usage.0, self.usage.1))
    }

    pub fn summary(&self, locale: Locale) -> &'static str {
        locale.pick(self.summary.0, self.summary.1)
    }
}

const MODERATORS: Scope = Scope::Purposes(&[Purpose::Moderators]);
const LOG_SHARE: Scope = Scope::Purposes(&[Purpose::LogShare]);
const CONSULT: Scope = Scope::Purposes(&[Purpose::VulnConsult, Purpose::IncidentConsult]);
const TICKET_ROOMS: Scope =
    Scope::Purposes(&[Purpose::VulnConsult, Purpose::IncidentConsult, Purpose::VulnInfo, Purpose::Alerts]);

/// `!assign` in a consultation room assigns a ticket (any member); in the
/// moderators room it assigns a case.
pub static TICKET_ASSIGN: CommandSpec = CommandSpec {
    name: "assign",
    usage: ("assign <番号> [@メンバー]", "assign <number> [@member]"),
    summary: ("チケットの担当者を決めます(省略時は自分)", "assign a ticket (to yourself by default)"),
    role: Role::Member,
    scope: CONSULT,
};

/// Every command, in the order `!help` lists them.
pub static SPECS: &[CommandSpec] = &[
    CommandSpec {
        name: "help",
        usage: ("help [コマンド名]", "help [command]"),
        summary: ("この部屋で使えるコマンドを表示します", "show the commands you can use in this room"),
        role: Role::Anyone,
        scope: Scope::SpaceRoomsAndDirect,
    },
    CommandSpec {
        name: "ping",
        usage: ("ping", "ping"),
        summary: ("ボットが動いているか確認します", "check that the bot is running"),
        role: Role::Anyone,
        scope: Scope::SpaceRoomsAndDirect,
    },
    CommandSpec {
        name: "report",
        usage: ("report [@ユーザー | メッセージのリンク] -- 理由", "report [@user | message link] -- reason"),
        summary: (
            "メッセージ(返信で指定)やユーザーをモデレーターに報告します。報告者は相手に知らされません",
            "report a message (reply to it) or a user to the moderators; the reported person is not told who reported",
        ),
        role: Role::Member,
        scope: Scope::SpaceRoomsAndDirect,
    },
    CommandSpec {
        name: "cases",
        usage: ("cases [open|all]", "cases [open|all]"),
        summary: ("報告されたケースの一覧", "list moderation cases"),
        role: Role::Moderator,
        scope: MODERATORS,
    },
    CommandSpec {
        name: "case",
        usage: ("case <番号>", "case <number>"),
        summary: (
            "ケースの詳細を表示します(暗号化された部屋からの報告理由はボットとのDMでのみ表示)",
            "show a case (reasons reported from encrypted rooms are shown only in your DM with the bot)",
        ),
        role: Role::Moderator,
        scope: Scope::PurposesAndDirect(&[Purpose::Moderators]),
    },
    CommandSpec {
        name: "assign",
        usage: ("assign <番号> [@モデレーター]", "assign <number> [@moderator]"),
        summary: ("ケースの担当者を決めます(省略時は自分)", "assign a case (to yourself by default)"),
        role: Role::Moderator,
        scope: MODERATORS,
    },
    CommandSpec {
        name: "resolve",
        usage: ("resolve <番号> -- メモ", "resolve <number> -- note"),
        summary: ("ケースを対応済みとして閉じます", "close a case as handled"),
        role: Role::Moderator,
        scope: MODERATORS,
    },
    CommandSpec {
        name: "dismiss",
        usage: ("dismiss <番号> -- メモ", "dismiss <number> -- note"),
        summary: ("ケースを対応不要として閉じます", "close a case as unfounded"),
        role: Role::Moderator,
        scope: MODERATORS,
    },
    CommandSpec {
        name: "warn",
        usage: ("warn @ユーザー [--case 番号] -- 理由", "warn @user [--case number] -- reason"),
        summary: ("ユーザーに個別に警告を送ります", "warn a user privately"),
        role: Role::Moderator,
        scope: MODERATORS,
    },
    CommandSpec {
        name: "mute",
        usage: ("mute @ユーザー [30m|2h|7d] [--case 番号] -- 理由", "mute @user [30m|2h|7d] [--case number] -- reason"),
        summary: (
            "スペースの全ルームで発言できなくします(期間指定可)",
            "silence a user in every room of the Space, optionally for a time",
        ),
        role: Role::Moderator,
        scope: MODERATORS,
    },
    CommandSpec {
        name: "unmute",
        usage: ("unmute @ユーザー [-- 理由]", "unmute @user [-- reason]"),
        summary: ("ミュートを解除します", "lift a mute"),
        role: Role::Moderator,
        scope: MODERATORS,
    },
    CommandSpec {
        name: "kick",
        usage: ("kick @ユーザー [--case 番号] -- 理由", "kick @user [--case number] -- reason"),
        summary: ("スペースの全ルームから退出させます", "remove a user from every room of the Space"),
        role: Role::Moderator,
        scope: MODERATORS,
    },
    CommandSpec {
        name: "ban",
        usage: ("ban @ユーザー [期間] [--case 番号] -- 理由", "ban @user [duration] [--case number] -- reason"),
        summary: (
            "スペースの全ルームからBANし、BANリストに公開します(期間指定可)",
            "ban a user from every room of the Space and publish it in the policy room, optionally for a time",
        ),
        role: Role::Moderator,
        scope: MODERATORS,
    },
    CommandSpec {
        name: "unban",
        usage: ("unban @ユーザー [-- 理由]", "unban @user [-- reason]"),
        summary: ("BANを解除します", "lift a ban"),
        role: Role::Moderator,
        scope: MODERATORS,
    },
    CommandSpec {
        name: "redact",
        usage: ("redact <メッセージのリンク> [-- 理由]", "redact <message link> [-- reason]"),
        summary: ("メッセージを削除します", "remove a message"),
        role: Role::Moderator,
        scope: MODERATORS,
    },
    CommandSpec {
        name: "announce",
        usage: ("announce <本文>", "announce <text>"),
        summary: ("お知らせルームにあなたの名前で投稿します", "post to the announcements room in your name"),
        role: Role::Moderator,
        scope: MODERATORS,
    },
    CommandSpec {
        name: "audit",
        usage: ("audit [@ユーザー | ケース番号]", "audit [@user | case number]"),
        summary: ("監査ログを表示します", "read the audit log"),
        role: Role::Moderator,
        scope: MODERATORS,
    },
    CommandSpec {
        name: "refer",
        usage: (
            "refer @候補者:サーバー <アカウントかサーバーのURL> -- 紹介理由",
            "refer @candidate:server <account or instance URL> -- why",
        ),
        summary: ("参加候補者を紹介します(紹介カードが作られます)", "propose a candidate (opens a referral card)"),
        role: Role::Member,
        scope: REFERRALS,
    },
    CommandSpec {
        name: "attest",
        usage: ("attest <番号>", "attest <number>"),
        summary: (
            "紹介者として候補者が4つの参加条件を満たすことを確認します",
            "as the referrer, attest the four membership conditions",
        ),
        role: Role::Member,
        scope: REFERRALS,
    },
    CommandSpec {
        name: "vouch",
        usage: ("vouch <番号>", "vouch <number>"),
        summary: ("紹介を推薦します(カードに 👍 でも可)", "vouch for a referral (or 👍 on its card)"),
        role: Role::Member,
        scope: REFERRALS,
    },
    CommandSpec {
        name: "object",
        usage: ("object <番号> -- 理由", "object <number> -- reason"),
        summary: ("紹介に異議を伝えます(モデレーターにだけ届きます)", "object to a referral (only moderators see it)"),
        role: Role::Member,
        scope: REFERRALS,
    },
    CommandSpec {
        name: "referrals",
        usage: ("referrals", "referrals"),
        summary: ("進行中の紹介とその状況", "referrals in progress and where they stand"),
        role: Role::Member,
        scope: Scope::Purposes(&[Purpose::Referrals, Purpose::Moderators]),
    },
    CommandSpec {
        name: "whois",
        usage: ("whois @ユーザー", "whois @user"),
        summary: (
            "誰の紹介で誰が推薦したか、どの版のルールに同意したか",
            "who referred and vouched for a member, and which rules they accepted",
        ),
        role: Role::Member,
        scope: Scope::Purposes(&[Purpose::Referrals, Purpose::Moderators]),
    },
    CommandSpec {
        name: "approve",
        usage: ("approve <番号> [-- 理由]", "approve <number> [-- reason]"),
        summary: ("紹介を承認します(異議があっても判断として確定)", "accept a referral (settles objections)"),
        role: Role::Moderator,
        scope: Scope::Purposes(&[Purpose::Referrals, Purpose::Moderators]),
    },
    CommandSpec {
        name: "reject",
        usage: ("reject <番号> -- 理由", "reject <number> -- reason"),
        summary: ("紹介を見送ります", "turn a referral down"),
        role: Role::Moderator,
        scope: Scope::Purposes(&[Purpose::Referrals, Purpose::Moderators]),
    },
    CommandSpec {
        name: "agree",
        usage: ("agree", "agree"),
        summary: ("コミュニティのルールに同意します", "accept the community rules"),
        role: Role::Anyone,
        scope: Scope::SpaceRoomsAndDirect,
    },
    CommandSpec {
        name: "track",
        usage: ("track <件名>(またはメッセージへの返信で)", "track <title> (or as a reply to a message)"),
        summary: (
            "相談をチケットにします(確認済みの部屋の投稿への返信なら、対応相談の部屋にチケットを作ります)",
            "open a ticket (as a reply to a post in a confirmed room, the ticket opens in its consultation room)",
        ),
        role: Role::Member,
        scope: TICKET_ROOMS,
    },
    CommandSpec {
        name: "ticket",
        usage: (
            "ticket <番号> open|investigating|dismissed|closed [-- メモ]、ticket <番号> note -- メモ、assign <番号> [@メンバー]",
            "ticket <number> open|investigating|dismissed|closed [-- note], ticket <number> note -- text, assign <number> [@member]",
        ),
        summary: ("チケットの状態を進めるか、メモを追加します", "move a ticket to another state, or add a note to it"),
        role: Role::Member,
        scope: CONSULT,
    },
    CommandSpec {
        name: "tickets",
        usage: ("tickets [open|all|mine]", "tickets [open|all|mine]"),
        summary: ("チケットの一覧(期限切れの未確認には ⏰)", "list tickets (⏰ marks unacknowledged overdue ones)"),
        role: Role::Member,
        scope: Scope::Purposes(&[Purpose::VulnConsult, Purpose::IncidentConsult, Purpose::Moderators]),
    },
    CommandSpec {
        name: "confirm",
        usage: ("confirm <番号>", "confirm <number>"),
        summary: (
            "チケットを確認します。モデレーター、または起票者以外のメンバーの規定人数で確認済みの部屋に掲載されます",
            "confirm a ticket; a moderator, or enough members besides the opener, publish it to the confirmed room",
        ),
        role: Role::Member,
        scope: CONSULT,
    },
    CommandSpec {
        name: "log",
        usage: (
            "log [--tlp clear|green|amber|amber+strict|red] | log sanitize",
            "log [--tlp clear|green|amber|amber+strict|red] | log sanitize",
        ),
        summary: (
            "ログを共有します(1行目に置き、続けてログかコードブロック)。共有済みのログへの返信で再ラベル、sanitize で秘密とローカル識別子を除いた版を作ります",
            "share a log (first line, then the log or a code block); as a reply to a shared log: relabel it, or `sanitize` it",
        ),
        role: Role::Member,
        scope: LOG_SHARE,
    },
    CommandSpec {
        name: "iocs",
        usage: (
            "iocs export [--tlp green] [--format nginx|csv|json]",
            "iocs export [--tlp green] [--format nginx|csv|json]",
        ),
        summary: (
            "共有された攻撃元を、TLP が許す範囲でファイルに書き出します",
            "export shared hostile sources that their TLP allows, as a file",
        ),
        role: Role::Member,
        scope: LOG_SHARE,
    },
    CommandSpec {
        name: "feed",
        usage: (
            "feed add <URL> [--room vuln-info|news] [--every 30m] [--backfill N] | list | remove <id> | pause <id> | resume <id> | test <URL>",
            "feed add <URL> [--room vuln-info|news] [--every 30m] [--backfill N] | list | remove <id> | pause <id> | resume <id> | test <URL>",
        ),
        summary: ("脆弱性情報・ニュースのフィードを管理します", "manage the vulnerability and news feeds"),
        role: Role::Moderator,
        scope: MODERATORS,
    },
];

const REFERRALS: Scope = Scope::Purposes(&[Purpose::Referrals]);

pub fn spec(name: &str) -> Option<&'static CommandSpec> {
    SPECS.iter().find(|s| s.name == name)
}

/// A message that a command refers to, fetched by the edge before dispatch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referenced {
    pub room_id: String,
    pub event_id: String,
    pub sender: String,
    /// The text, only when the event is an unencrypted text message:
    /// decrypted text from an encrypted room is never quoted.
    pub body: Option<String>,
}

/// What the edge looked up for a command before it runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lookups {
    /// The message a `!report` points at (by reply or permalink).
    pub event: Option<Referenced>,
    /// The role of the user a command names (from the Space's room state).
    pub user_role: Option<Role>,
    /// The log in the message a `!log` command replies to, decrypted and
    /// unpacked by the edge (or why it could not be read).
    pub shared_log: Option<Result<Vec<u8>, String>>,
}

/// Everything a handler may know about the command it runs.
pub struct Invocation<'a> {
    pub sender: &'a str,
    pub role: Role,
    pub room_id: &'a str,
    /// The room's purpose; `None` in a direct chat with the bot.
    pub purpose: Option<Purpose>,
    pub event_id: &'a str,
    pub encrypted: bool,
    /// The event this message replies to, if any.
    pub reply_to: Option<&'a str>,
    pub now_ms: u64,
    pub locale: Locale,
    pub prefix: &'a str,
    pub layout: &'a Layout,
    pub bot: &'a str,
    pub store: &'a Store,
    pub sealer: &'a Sealer,
    pub directory: &'a Directory,
    pub lookups: &'a Lookups,
    pub referrals: &'a crate::config::ReferralConfig,
    pub rules: &'a crate::referral::rules_doc::Rules,
    pub logs: &'a crate::logs::Settings,
    pub keyed: &'a crate::store::Keyed,
    pub tickets: &'a crate::tickets::Settings,
}

impl Invocation<'_> {
    /// A deterministic transaction ID for the effect in `slot` of this command.
    pub fn txn(&self, slot: &str) -> String {
        txn_id(self.event_id, slot)
    }

    /// Provenance of content derived from this command's room.
    pub fn provenance(&self) -> Provenance {
        Provenance { source_room: self.room_id.to_string(), source_encrypted: self.encrypted }
    }
}

/// What a handler decided: an answer to the sender (none when the command
/// should leave no trace in the room) and further effects.
#[derive(Debug, Default)]
pub struct Handled {
    pub reply: Option<Reply>,
    pub effects: Vec<Effect>,
}

impl Handled {
    pub fn reply(reply: Reply) -> Handled {
        Handled { reply: Some(reply), effects: Vec::new() }
    }
}

/// Why a handler did not run to completion.
#[derive(Debug)]
pub enum Failure {
    /// The request cannot be carried out; the reply says why and what to do.
    Refused(Reply),
    /// State could not be read or written.
    Store(StoreError),
}

/// A refusal with the reply that says why, for `?`-style early returns.
pub fn refuse<T>(reply: Reply) -> Result<T, Failure> {
    Err(Failure::Refused(reply))
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Failure {
        Failure::Store(e)
    }
}
