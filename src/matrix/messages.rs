//! What the bot says about end-to-end encryption: messages it could not read,
//! its recovery key, its identity and emoji verification.

use crate::i18n::{Locale, Reply};
use crate::undecryptable::{Reason, Withheld};

/// The answer to a message the bot could not decrypt. It names no content
/// (the bot has none) and says what the sender can do.
pub fn undecryptable(locale: Locale, bot: &str, reason: Reason) -> Reply {
    let (ja_why, en_why) = match reason {
        Reason::Withheld(Withheld::Unverified) => (
            format!(
                "あなたのクライアントが、ボットの端末に鍵を渡しませんでした(m.unverified:検証済みの端末にだけ鍵を送る設定です)。\
                 Element で {bot} を検証する(絵文字で確認)か、「未検証のセッションには暗号化メッセージを送らない」設定を外してから、もう一度送ってください。"
            ),
            format!(
                "Your client did not give the bot's device the key (m.unverified: it shares keys only with devices you verified). \
                 Verify {bot} in Element (compare emoji), or turn off \"Never send encrypted messages to unverified sessions\", then send it again."
            ),
        ),
        Reason::Withheld(Withheld::Blacklisted) => (
            "あなたのクライアントが、ボットの端末をブロックしています(m.blacklisted)。ブロックを解除してから、もう一度送ってください。".into(),
            "Your client has blocked the bot's device (m.blacklisted). Unblock it, then send it again.".into(),
        ),
        Reason::Withheld(Withheld::Other) => (
            "あなたのクライアントが、ボットに鍵を渡しませんでした。もう一度送ってください。".into(),
            "Your client withheld the key from the bot. Please send it again.".into(),
        ),
        Reason::MissingKey => (
            "鍵がまだ届いていません。鍵が届けば、その時点で処理します。しばらくしても返事がなければ、もう一度送ってください。".into(),
            "Its key has not arrived yet. The bot will handle the message when it does; if no answer comes, send it again."
                .into(),
        ),
        Reason::UnknownIndex => (
            "このメッセージの鍵は、ボットが受け取った範囲より前のものです。もう一度送ってください。".into(),
            "The bot's key for this message starts after it. Please send it again.".into(),
        ),
        Reason::SenderNotTrusted => (
            "送信した端末が、あなたのアカウントでクロス署名されていません。Element の「設定 → セキュリティとプライバシー」でこのセッションを検証してから、もう一度送ってください。".into(),
            "The device you sent from is not cross-signed by your account. Verify this session in Element (Settings → Security & Privacy), then send it again."
                .into(),
        ),
        Reason::Broken => (
            "メッセージが壊れているか、鍵が一致しません。もう一度送ってください。".into(),
            "The message is damaged or its key does not match. Please send it again.".into(),
        ),
    };
    Reply::localized(
        locale,
        format!("🔒 このメッセージを読めませんでした(暗号を解けません)。内容はボットには見えていません。\n{ja_why}"),
        format!(
            "🔒 The bot could not read this message (it cannot decrypt it); it has not seen its content.\n{en_why}"
        ),
    )
}

/// Printed once on the terminal when a recovery key is created.
pub fn recovery_key_banner(locale: Locale, key: &str, path: &str) -> String {
    let rule = "=".repeat(72);
    match locale {
        Locale::Ja => format!(
            "{rule}\nfedisec のリカバリーキー(新規作成):\n\n    {key}\n\n\
             このマシンの外(パスワードマネージャーなど)に保管してください。データディレクトリを失っても、\n\
             このキーでボットの署名済みの身元とルームの鍵を取り戻せます。{path}(0600)にも保存しました。\n\
             もう一度表示するには: fedisec recovery-key\n{rule}"
        ),
        Locale::En => format!(
            "{rule}\nfedisec recovery key (new):\n\n    {key}\n\n\
             Store it off this machine (a password manager). If the data directory is lost, this key brings back\n\
             the bot's cross-signed identity and its room keys. It is also in {path} (0600).\n\
             To print it again: fedisec recovery-key\n{rule}"
        ),
    }
}

/// `fedisec recovery-key` with no key saved.
pub fn no_recovery_key(locale: Locale, path: &str) -> String {
    match locale {
        Locale::Ja => format!(
            "リカバリーキーがありません({path})。fedisec run を一度起動すると作成されます。保管してあるキーを戻すには: fedisec recovery-key --set"
        ),
        Locale::En => format!(
            "There is no recovery key ({path}). `fedisec run` creates one on its first start. To put back a key you stored: fedisec recovery-key --set"
        ),
    }
}

/// `fedisec recovery-key --set` done.
pub fn recovery_key_set(locale: Locale, path: &str) -> String {
    match locale {
        Locale::Ja => format!("リカバリーキーを {path} に保存しました(0600)。次の起動で身元と鍵を復元します。"),
        Locale::En => {
            format!("Recovery key saved to {path} (0600). The next start restores the identity and keys with it.")
        }
    }
}

/// A line of `fedisec check` about the bot's identity as the homeserver publishes it.
pub fn identity_check(locale: Locale, master_key: Option<&str>, device_signed: bool, has_key: bool) -> String {
    let yes_no = |b: bool| if b { locale.pick("はい", "yes") } else { locale.pick("いいえ", "no") };
    match (locale, master_key) {
        (Locale::Ja, Some(k)) => format!(
            "クロス署名の身元: 公開済み(マスターキー {k})。ボットの端末の署名: {}。リカバリーキー: {}。",
            yes_no(device_signed),
            yes_no(has_key)
        ),
        (Locale::En, Some(k)) => format!(
            "Cross-signing identity: published (master key {k}). Bot device signed: {}. Recovery key saved: {}.",
            yes_no(device_signed),
            yes_no(has_key)
        ),
        (Locale::Ja, None) => {
            "クロス署名の身元: まだ公開されていません(fedisec run の最初の起動で作成されます)。".into()
        }
        (Locale::En, None) => {
            "Cross-signing identity: not published yet (`fedisec run` creates it on first start).".into()
        }
    }
}

/// The identity check could not reach the homeserver.
pub fn identity_unknown(locale: Locale, error: &str) -> String {
    match locale {
        Locale::Ja => format!("クロス署名の身元: ホームサーバーに問い合わせできません({error})。"),
        Locale::En => format!("Cross-signing identity: cannot ask the homeserver ({error})."),
    }
}

/// `fedisec verify`: one verification waiting for the operator.
pub fn verify_waiting(locale: Locale, user: &str, device: &str, flow_id: &str, emoji: &[(String, String)]) -> String {
    let shown = emoji.iter().map(|(s, d)| format!("  {s}  {d}")).collect::<Vec<_>>().join("\n");
    match locale {
        Locale::Ja => format!(
            "{user}(端末 {device})がボットを検証しています [{flow_id}]。Element に表示された絵文字と比べてください:\n{shown}"
        ),
        Locale::En => format!(
            "{user} (device {device}) is verifying the bot [{flow_id}]. Compare with the emoji Element shows:\n{shown}"
        ),
    }
}

pub fn verify_prompt(locale: Locale) -> &'static str {
    locale.pick("同じ絵文字が同じ順に並んでいますか? [y/N] ", "Are they the same emoji in the same order? [y/N] ")
}

/// `fedisec verify` without a terminal to ask on.
pub fn verify_how(locale: Locale, flow_id: &str) -> String {
    match locale {
        Locale::Ja => format!(
            "一致すれば fedisec verify --confirm {flow_id}、一致しなければ fedisec verify --mismatch {flow_id} を実行してください。"
        ),
        Locale::En => format!(
            "If they match, run fedisec verify --confirm {flow_id}; if not, fedisec verify --mismatch {flow_id}."
        ),
    }
}

pub fn verify_none(locale: Locale) -> &'static str {
    locale.pick(
        "確認待ちの検証はありません。Element でボットのプロフィールから「検証」を選び、「絵文字で検証」を始めてください。",
        "No verification is waiting. In Element, open the bot's profile, choose Verify, and start \"Verify by emoji\".",
    )
}

pub fn verify_decided(locale: Locale, matched: bool) -> &'static str {
    match matched {
        true => locale.pick(
            "確認しました。Element 側でも一致を確認すると、検証が完了します。",
            "Confirmed. Once the admin confirms in Element too, the verification is complete.",
        ),
        false => {
            locale.pick("不一致として検証を中止しました。", "Marked as not matching: the verification was cancelled.")
        }
    }
}

pub fn verify_gone(locale: Locale, flow_id: &str) -> String {
    match locale {
        Locale::Ja => format!("検証 {flow_id} は確認待ちではありません(終了したか、取り消されました)。"),
        Locale::En => format!("Verification {flow_id} is not waiting (it ended or was cancelled)."),
    }
}

pub fn bot_not_running(locale: Locale, error: &str) -> String {
    match locale {
        Locale::Ja => format!("動作中のボットに接続できません({error})。fedisec run を起動してから実行してください。"),
        Locale::En => format!("Cannot reach the running bot ({error}). Start fedisec run first."),
    }
}

/// `fedisec reset-identity` done.
pub fn identity_reset(locale: Locale) -> &'static str {
    locale.pick(
        "ボットに新しいクロス署名の身元を作りました。新しいリカバリーキーを保管し、管理者はボットをもう一度検証してください。",
        "The bot has a new cross-signing identity. Store the new recovery key; admins must verify the bot again.",
    )
}
