//! The admin's command line: registration, check, and run's refusal to start.

use crate::support::bot::cli;
use crate::support::synapse::{file_mode, free_port};
use libtest_mimic::Failed;
use std::path::Path;

fn setup(dir: &Path) -> std::path::PathBuf {
    let config = fedisec::config::example_config(
        "http://127.0.0.1:1",
        "example.org",
        &format!("127.0.0.1:{}", free_port()),
        &["@admin:example.org".into()],
    );
    std::fs::write(dir.join("config.toml"), config).unwrap();
    std::fs::write(dir.join("rooms.toml"), fedisec::config::layout::DEFAULT_LAYOUT).unwrap();
    std::fs::write(dir.join("rules.md"), fedisec::referral::rules_doc::DEFAULT_RULES).unwrap();
    dir.join("config.toml")
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn registration_keeps_tokens_and_prints_homeserver_lines() -> Result<(), Failed> {
    let dir = tempfile::tempdir()?;
    let config = setup(dir.path());
    let reg_path = dir.path().join("registration.yaml");

    let out = cli(&["registration"], &config);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("app_service_config_files:"), "{}", stdout(&out));
    assert!(stdout(&out).contains(&std::fs::canonicalize(&reg_path)?.display().to_string()));
    assert_eq!(file_mode(&reg_path), 0o600, "the registration holds secrets");
    let first: serde_yaml::Value = serde_yaml::from_str(&std::fs::read_to_string(&reg_path)?)?;
    assert_eq!(
        first["sender_localpart"], "fedisec-as",
        "the bot is not the sender: Synapse forbids /sync for the sender"
    );
    assert_eq!(first["rate_limited"], false);
    assert_eq!(first["namespaces"]["users"][0]["regex"], r"@fedisec:example\.org");
    assert_eq!(first["namespaces"]["users"][0]["exclusive"], true);
    assert_eq!(first["namespaces"]["aliases"][0]["regex"], r"#fedisec_.*:example\.org");
    assert_eq!(first["as_token"].as_str().map(str::len), Some(64));

    let out = cli(&["registration"], &config);
    assert!(out.status.success());
    let second: serde_yaml::Value = serde_yaml::from_str(&std::fs::read_to_string(&reg_path)?)?;
    assert_eq!(first["as_token"], second["as_token"], "a second run must not rotate tokens");
    assert_eq!(first["hs_token"], second["hs_token"]);

    let out = cli(&["registration", "--rotate"], &config);
    assert!(out.status.success());
    let third: serde_yaml::Value = serde_yaml::from_str(&std::fs::read_to_string(&reg_path)?)?;
    assert_ne!(first["as_token"], third["as_token"]);
    assert_ne!(first["hs_token"], third["hs_token"]);

    let out = cli(&["check"], &config);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("設定に問題はありません(カテゴリ 5、ルーム 15)"), "{}", stdout(&out));
    Ok(())
}

/// Each broken file gets a message naming the file, the line, and the fix.
pub fn check_names_file_line_and_fix() -> Result<(), Failed> {
    let dir = tempfile::tempdir()?;
    let config = setup(dir.path());
    assert!(cli(&["registration"], &config).status.success());
    let rooms = dir.path().join("rooms.toml");
    let default = fedisec::config::layout::DEFAULT_LAYOUT;
    let line_of = |text: &str, needle: &str, nth: usize| {
        text.lines().enumerate().filter(|(_, l)| l.contains(needle)).nth(nth).map(|(i, _)| i + 1).unwrap()
    };
    let cases: Vec<(String, String)> = vec![
        {
            let t = default.replacen("key = \"lounge\"", "key = \"news\"", 1);
            let msg = format!(
                "rooms.toml:{}: key \"news\" が重複しています({} 行目で使用済み)",
                line_of(&t, "key = \"news\"", 1),
                line_of(&t, "key = \"news\"", 0)
            );
            (t, msg)
        },
        {
            let t = default.replace("purpose = \"lounge\"", "purpose = \"chat\"");
            (t.clone(), format!("rooms.toml:{}: purpose \"chat\" は不明です", line_of(&t, "purpose = \"chat\"", 0)))
        },
        {
            let t = default.replace("purpose = \"alerts\"", "purpose = \"general\"");
            (t, "rooms.toml: purpose = \"alerts\" のルームがありません".to_string())
        },
        {
            let t = default.replace("key = \"lounge\"", "key = \"lounge\"\nalias = \"lounge\"");
            let msg = format!(
                "rooms.toml:{}: エイリアス #lounge はアプリケーションサービスの名前空間",
                line_of(&t, "alias = \"lounge\"", 0)
            );
            (t, msg)
        },
        {
            let t = default.replace("name = \"談話室\"", "name = \"談話室");
            (t.clone(), format!("rooms.toml:{}: 書式の誤り", line_of(&t, "name = \"談話室", 0)))
        },
    ];
    for (text, expected) in cases {
        std::fs::write(&rooms, &text)?;
        let out = cli(&["check"], &config);
        assert!(!out.status.success(), "check must fail for: {expected}");
        let err = stderr(&out);
        assert!(err.contains(&expected), "expected {expected:?} in:\n{err}");
        assert!(err.contains(&rooms.display().to_string()), "names the file: {err}");
    }
    std::fs::remove_file(&rooms)?;
    let err = stderr(&cli(&["check"], &config));
    assert!(err.contains("rooms.toml: ファイルがありません"), "{err}");

    // English with locale = "en".
    let text = std::fs::read_to_string(&config)?.replace("locale = \"ja\"", "locale = \"en\"");
    std::fs::write(&config, text)?;
    std::fs::write(&rooms, default.replace("purpose = \"lounge\"", "purpose = \"chat\""))?;
    let err = stderr(&cli(&["check"], &config));
    assert!(err.contains("unknown purpose \"chat\". Known purposes: welcome,"), "{err}");
    Ok(())
}

pub fn run_refuses_the_same_errors() -> Result<(), Failed> {
    let dir = tempfile::tempdir()?;
    let config = setup(dir.path());
    // No registration yet, and a bad layout: both reported, bot not started.
    std::fs::write(
        dir.path().join("rooms.toml"),
        fedisec::config::layout::DEFAULT_LAYOUT.replace("purpose = \"lounge\"", "purpose = \"chat\""),
    )?;
    let check = cli(&["check"], &config);
    let run = cli(&["run"], &config);
    assert!(!run.status.success());
    assert_eq!(stderr(&run), stderr(&check), "run and check print the same messages");
    assert!(stderr(&run).contains("registration.yaml: ファイルがありません"), "{}", stderr(&run));
    assert!(stderr(&run).contains("purpose \"chat\" は不明です"));
    // A registration that disagrees with the config is refused too.
    assert!(cli(&["registration"], &config).status.success());
    let text = std::fs::read_to_string(&config)?.replace("alias_prefix = \"fedisec_\"", "alias_prefix = \"other_\"");
    std::fs::write(&config, text)?;
    let err = stderr(&cli(&["run"], &config));
    assert!(err.contains("registration.yaml の namespaces.aliases"), "{err}");
    Ok(())
}
