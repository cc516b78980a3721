//! `!rules`: the community rules in force, their version, and whether (and
//! when) the sender accepted this version — the text members are bound by,
//! readable at any time, not only in the welcome room.

use crate::commands::{CommandFile, CommandSpec, Context, Scope, TextRule};
use crate::referral::messages;
use crate::referral::record::Referrals;
use crate::roles::Role;
use crate::service::{Failure, Handled};

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Rules {}

impl CommandFile for Rules {
    const SPEC: &'static CommandSpec = &CommandSpec {
        name: "rules",
        usage: ("rules", "rules"),
        summary: (
            "コミュニティのルールと版、あなたが同意した版を表示します",
            "show the community rules, their version, and the version you accepted",
        ),
        role: Role::Anyone,
        scope: Scope::SpaceRoomsAndDirect,
        text: TextRule::None,
    };

    fn run(&self, cx: &Context<'_>, _text: Option<&str>) -> Result<Handled, Failure> {
        let svc = &cx.services.referral;
        let agreed = Referrals::open(svc.store)?.agreement(cx.req.sender)?;
        Ok(Handled::reply(messages::rules_text(cx.req.locale, cx.req.prefix, svc.rules, agreed.as_ref())))
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::dispatch::Outcome;
    use crate::commands::testkit::{Kit, LOUNGE, Msg, WELCOME};
    use crate::effects::Effect;
    use crate::roles::Role;

    fn answer(kit: &Kit, sender: &str, room: &str, event: &str) -> String {
        let d = kit.assert_replay_safe(&Msg::new(sender, Role::Member, room, event, "!rules"));
        assert_eq!(d.outcome, Outcome::Ran);
        match d.effects.as_slice() {
            [Effect::Reply { reply, .. }] => reply.plain.clone(),
            other => panic!("one answer, nothing else: {other:?}"),
        }
    }

    #[test]
    fn rules_show_their_version_and_the_senders_standing() {
        let kit = Kit::new();
        let before = answer(&kit, "@a:x", LOUNGE, "$r1");
        assert!(before.contains(&format!("版 {}", kit.rules.version)), "{before}");
        assert!(before.contains("まだ同意していません") && before.contains("rules v1"), "{before}");
        kit.handle(&Msg::new("@a:x", Role::Member, WELCOME, "$agree", "!agree")).unwrap();
        let after = answer(&kit, "@a:x", LOUNGE, "$r2");
        assert!(after.contains("この版に") && after.contains("同意しました"), "{after}");
    }
}
